from odoo import api, fields, models


class ServiceTicket(models.Model):
    """Warranty behaviour of the ticket: the warranty of its serial (or of
    its product for the customer) and whether the ticket falls in it."""

    _inherit = "service.ticket"

    warranty_id = fields.Many2one(
        "service.warranty",
        compute="_compute_warranty_id",
        store=True,
        readonly=False,
        index="btree_not_null",
        tracking=True,
        domain="[('partner_id', '=', commercial_partner_id)]",
        help="Found from the serial number, else from the product and the customer.",
    )
    under_warranty = fields.Boolean(
        compute="_compute_under_warranty",
        store=True,
        help="The ticket's date lies within its warranty and the goods were not returned.",
    )
    warranty_start_date = fields.Date(related="warranty_id.start_date", string="Warranty From")
    warranty_end_date = fields.Date(related="warranty_id.end_date", string="Warranty Until")
    warranty_state = fields.Selection(related="warranty_id.state", string="Warranty Status")

    def _warranty_day(self):
        self.ensure_one()
        return (
            fields.Date.context_today(self, self.create_date) if self.create_date else fields.Date.context_today(self)
        )

    @api.depends("lot_id", "product_id", "partner_id")
    def _compute_warranty_id(self):
        # sudo: the warranty of the ticket's own serial, or product and customer; returned without sudo
        Warranty = self.env["service.warranty"].sudo()
        for ticket in self:
            warranty = Warranty._find_for(
                lot=ticket.lot_id,
                product=ticket.product_id,
                partner=ticket.partner_id,
                day=ticket._warranty_day(),
            )
            ticket.warranty_id = warranty.sudo(False)

    @api.depends("warranty_id.start_date", "warranty_id.end_date", "warranty_id.state", "create_date")
    def _compute_under_warranty(self):
        for ticket in self:
            # sudo: the dates of the ticket's own warranty
            warranty = ticket.warranty_id.sudo()
            ticket.under_warranty = bool(warranty) and warranty.covers(ticket._warranty_day())
