from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools.misc import clean_context


class AccountMoveReversal(models.TransientModel):
    """Odoo's credit note wizard, opened from a service ticket: it credits the
    ticket's product only (all of it, or the quantity entered), links the
    credit note to the ticket and issues it, unless it is above the team's
    approval amount and the agent is not a service manager."""

    _inherit = "account.move.reversal"

    service_ticket_id = fields.Many2one("service.ticket", readonly=True)
    service_product_id = fields.Many2one(
        "product.product", compute="_compute_service_product_id", string="Product to Credit"
    )
    service_invoiced_quantity = fields.Float(
        compute="_compute_service_invoiced_quantity",
        string="Left to Credit",
        digits="Product Unit",
        help="Invoiced on these invoices and not credited yet.",
    )
    service_quantity = fields.Float(
        string="Quantity to Credit",
        digits="Product Unit",
        compute="_compute_service_quantity",
        store=True,
        readonly=False,
        help="All that is left to credit by default; less for a partial credit note.",
    )

    @api.depends("service_ticket_id")
    def _compute_service_product_id(self):
        for wizard in self:
            ticket = wizard.service_ticket_id
            wizard.service_product_id = ticket._service_remedy_product() if ticket else False

    @api.depends("service_ticket_id", "move_ids")
    def _compute_service_invoiced_quantity(self):
        for wizard in self:
            wizard.service_invoiced_quantity = wizard._service_creditable_quantity()

    @api.depends("service_invoiced_quantity")
    def _compute_service_quantity(self):
        for wizard in self:
            wizard.service_quantity = wizard.service_invoiced_quantity

    def _service_product_lines(self, moves):
        product = self.service_ticket_id._service_remedy_product()
        return moves.invoice_line_ids.filtered(lambda line: line.product_id == product)

    def _service_creditable_quantity(self):
        """Invoiced quantity of the ticket's product on these invoices, less
        what credit notes (not cancelled) already take back."""
        self.ensure_one()
        if not self.service_ticket_id or not self.service_ticket_id._service_remedy_product():
            return 0.0
        # sudo: quantities of the ticket's invoices and their credit notes, to bound the agent's entry
        invoices = self.move_ids._origin.sudo()
        refunds = invoices.reversal_move_ids.filtered(lambda m: m.state != "cancel")
        invoiced = sum(self._service_product_lines(invoices).mapped("quantity"))
        credited = sum(self._service_product_lines(refunds).mapped("quantity"))
        return max(invoiced - credited, 0.0)

    # ------------------------------------------------------------------
    # Checks, lines, approval
    # ------------------------------------------------------------------

    def _service_check(self):
        self.ensure_one()
        ticket = self.service_ticket_id
        # the field keeps posted entries only: an invoice reset or cancelled meanwhile drops out of it
        invoices = self.move_ids
        if not invoices:
            raise UserError(
                self.env._("Only posted invoices can be credited, and this one was reset or cancelled meanwhile.")
            )
        for invoice in invoices:
            ticket._service_check_customer_document(invoice.partner_id, invoice.display_name)
        not_posted = invoices.filtered(lambda m: m.state != "posted")
        if not_posted:
            raise UserError(
                self.env._(
                    "%(invoices)s cannot be credited: only posted invoices can (this one is %(state)s).",
                    invoices=", ".join(not_posted.mapped("display_name")),
                    state=dict(not_posted._fields["state"]._description_selection(self.env)).get(not_posted[:1].state),
                )
            )
        if invoices.filtered(lambda m: m.move_type != "out_invoice"):
            raise UserError(self.env._("Only customer invoices can be credited from a ticket."))
        product = ticket._service_remedy_product()
        if product:
            if self.service_quantity <= 0:
                raise UserError(self.env._("Enter the quantity to credit."))
            left = self._service_creditable_quantity()
            if self.service_quantity > left:
                raise UserError(
                    self.env._(
                        "You cannot credit %(quantity)s of %(product)s: %(left)s invoiced and not credited yet.",
                        quantity=self.service_quantity,
                        product=product.display_name,
                        left=left,
                    )
                )

    def _service_limit_to_product(self, credit_notes):
        """Keep only the ticket's product on the draft credit notes, for the
        quantity asked, taken from the first invoice lines on."""
        product = self.service_ticket_id._service_remedy_product()
        if not product:
            return credit_notes
        left = self.service_quantity
        for credit_note in credit_notes:
            commands = []
            for line in credit_note.invoice_line_ids:
                if line.display_type != "product":
                    continue
                if line.product_id != product or left <= 0:
                    commands.append(Command.delete(line.id))
                    continue
                quantity = min(line.quantity, left)
                left -= quantity
                if quantity != line.quantity:
                    commands.append(Command.update(line.id, {"quantity": quantity}))
            if commands:
                credit_note.write({"invoice_line_ids": commands})
        empty = credit_notes.filtered(
            lambda m: not m.invoice_line_ids.filtered(lambda line: line.display_type == "product")
        )
        empty.unlink()
        return credit_notes - empty

    def refund_moves(self):
        if self.service_ticket_id and not self.env.context.get("service_remedy_running"):
            return self._service_refund()
        return super().refund_moves()

    def modify_moves(self):
        if self.service_ticket_id:
            raise UserError(self.env._("From a ticket, issue a credit note; a new invoice is made in Accounting."))
        return super().modify_moves()

    def _service_refund(self):
        """The credit note as Odoo makes it, reduced to the ticket's product,
        linked to the ticket, then issued or left for a manager's approval."""
        self.ensure_one()
        user = self.env.user
        ticket = self.service_ticket_id._service_remedy_env("account.group_account_invoice")
        wizard = self.with_env(ticket.env(context=clean_context(self.env.context))).with_context(
            service_remedy_running=True
        )
        wizard._service_check()
        wizard.refund_moves()
        credit_notes = wizard._service_limit_to_product(wizard.new_move_ids)
        credit_notes.service_ticket_id = ticket
        if ticket._service_credit_note_needs_approval(credit_notes, user):
            links = Markup(", ").join(m._get_html_link() for m in credit_notes)
            ticket._service_request_credit_note_approval(credit_notes)
            ticket._service_log_remedy(
                Markup(self.env._("Credit note %(notes)s of %(amount)s waits for a service manager's approval."))
                % {"notes": links, "amount": ticket._service_format_amount(credit_notes)}
            )
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "warning",
                    "message": self.env._(
                        "This credit note is above the team's approval amount: "
                        "a service manager has been asked to approve it."
                    ),
                    "next": {"type": "ir.actions.act_window_close"},
                },
            }
        credit_notes.filtered(lambda m: m.state == "draft").action_post()
        links = Markup(", ").join(m._get_html_link() for m in credit_notes)
        ticket._service_log_remedy(
            Markup(self.env._("Credit note %(notes)s of %(amount)s issued."))
            % {"notes": links, "amount": ticket._service_format_amount(credit_notes)}
        )
        if user.has_group("account.group_account_invoice"):
            return credit_notes._get_records_action()
        return {"type": "ir.actions.act_window_close"}
