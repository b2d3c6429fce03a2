from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

CASE_KINDS = [("ownership_transfer", "Ownership Transfer")]


class ServiceTicket(models.Model):
    """Ownership transfer cases: closing the case hands the serial (and its
    warranty, when the product's terms allow) over to the new owner."""

    _inherit = "service.ticket"

    case_kind = fields.Selection(CASE_KINDS, tracking=True)
    new_owner_id = fields.Many2one(
        "res.partner",
        tracking=True,
        index="btree_not_null",
        help="Who owns the serial once this case is closed.",
    )
    ownership_transferred = fields.Boolean(readonly=True, copy=False)

    @api.onchange("ticket_type")
    def _onchange_ticket_type_case(self):
        if self.ticket_type != "case":
            self.case_kind = False

    def _on_closed(self):
        """A step of write, on tickets that just closed: an ownership
        transfer case hands the serial over."""
        self.filtered(
            lambda t: t.ticket_type == "case" and t.case_kind == "ownership_transfer" and not t.ownership_transferred
        )._service_transfer_ownership()

    def _service_transfer_ownership(self):
        for ticket in self:
            if not ticket.lot_id or not ticket.new_owner_id:
                raise UserError(
                    self.env._(
                        "Case %s transfers a serial number: set the serial number and the new owner before closing it.",
                        ticket.display_name,
                    )
                )
            # sudo: the ticket's own serial, handed over when a case the user may write closes
            lot = ticket.lot_id.sudo()
            previous = lot.service_owner_id or ticket.commercial_partner_id
            new_owner = ticket.new_owner_id.commercial_partner_id
            if previous == new_owner:
                raise UserError(
                    self.env._(
                        "%(owner)s already owns %(lot)s.",
                        owner=new_owner.display_name,
                        lot=lot.name,
                    )
                )
            # sudo: the transfer event of this case, its values built here
            self.env["service.lot.ownership"].sudo().create(
                {
                    "lot_id": lot.id,
                    "company_id": ticket.company_id.id,
                    "event": "transfer",
                    "partner_id": new_owner.id,
                    "previous_partner_id": previous.id,
                    "ticket_id": ticket.id,
                }
            )
            lot._service_update_owner()
            # sudo: the serial's warranties of its previous owner, moved only when transferable
            warranties = (
                self.env["service.warranty"]
                .sudo()
                .search(
                    [
                        ("lot_id", "=", lot.id),
                        ("state", "!=", "returned"),
                        ("partner_id", "=", previous.id),
                    ]
                )
            )
            moved = warranties.filtered(lambda w: w.product_id.service_warranty_transferable)
            moved.write({"partner_id": new_owner.id})
            # sudo: the desk marks the case done, on a ticket the user just closed
            ticket.sudo().ownership_transferred = True
            note = self.env._(
                "%(lot)s now belongs to %(new)s (was %(old)s).",
                lot=lot.name,
                new=new_owner.display_name,
                old=previous.display_name,
            )
            if moved:
                note += " " + self.env._("The warranty moved with it.")
            elif warranties:
                note += " " + self.env._("The warranty stays with the previous owner: it is not transferable.")
            ticket.message_post(body=Markup("<p>%s</p>") % note, subtype_xmlid="mail.mt_note")
