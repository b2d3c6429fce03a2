from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import clean_context


class StockReturnPicking(models.TransientModel):
    """Odoo's return wizard, opened from a service ticket: filled in with
    what the ticket is about, limited to what the customer has left to
    return, and linked to the ticket with the return and the replacement."""

    _inherit = "stock.return.picking"

    service_ticket_id = fields.Many2one("service.ticket", readonly=True)

    @api.model
    def _prepare_stock_return_picking_line_vals_from_move(self, stock_move):
        values = super()._prepare_stock_return_picking_line_vals_from_move(stock_move)
        ticket = self[:1].service_ticket_id
        if ticket:
            values["quantity"] = ticket._service_quantity_to_return(stock_move)
        return values

    @api.depends("picking_id")
    def _compute_moves_locations(self):
        # an agent who is not a stock user reads the delivery's moves through the ticket's checks
        service = self.filtered("service_ticket_id")
        for wizard in service:
            ticket = wizard.service_ticket_id._service_remedy_env("stock.group_stock_user")
            ticket._service_check_customer_document(wizard.picking_id.partner_id, wizard.picking_id.display_name)
            super(StockReturnPicking, wizard.with_env(ticket.env))._compute_moves_locations()
        return super(StockReturnPicking, self - service)._compute_moves_locations()

    # ------------------------------------------------------------------
    # Checks and links
    # ------------------------------------------------------------------

    def _service_check_lines(self):
        """Refuse returning more than was delivered and not yet returned."""
        self.ensure_one()
        ticket = self.service_ticket_id
        lines = self.product_return_moves.filtered(lambda line: not line.uom_id.is_zero(line.quantity))
        if not lines:
            raise UserError(self.env._("Enter the quantity to return."))
        if any(line.quantity < 0 for line in lines):
            raise UserError(self.env._("Quantities to return cannot be negative."))
        if any(not line.move_id for line in lines):
            raise UserError(self.env._("Only goods of this delivery can be returned from a ticket."))
        left = lines.move_id._service_returnable_quantities()
        for line in lines:
            quantity = line.uom_id._compute_quantity(line.quantity, line.move_id.product_uom)
            if line.move_id.product_uom.compare(quantity, left[line.move_id]) > 0:
                raise UserError(
                    self.env._(
                        "You cannot return %(quantity)s %(unit)s of %(product)s: "
                        "%(left)s left to return of what was delivered.",
                        quantity=line.quantity,
                        unit=line.uom_id.name,
                        product=line.product_id.display_name,
                        left=left[line.move_id],
                    )
                )
        if ticket.lot_id and ticket.lot_id.product_id in lines.product_id:
            ticket._service_check_lot_returnable(ticket.lot_id)
        return lines

    def _service_check_exchange(self, lines):
        """A unit is exchanged once: refuse a second replacement of the
        ticket's serial or product while one is not cancelled."""
        self.ensure_one()
        replacements = self.service_ticket_id.picking_ids.filtered(
            lambda p: p.service_remedy_kind == "replacement" and p.state != "cancel"
        )
        if replacements.move_ids.product_id & lines.product_id:
            raise UserError(
                self.env._(
                    "This ticket already has a replacement for %(product)s (%(picking)s).",
                    product=(replacements.move_ids.product_id & lines.product_id)[:1].display_name,
                    picking=replacements[:1].name,
                )
            )

    def _service_link(self, pickings, kind):
        ticket = self.service_ticket_id
        pickings.write({"service_ticket_id": ticket.id, "service_remedy_kind": kind})
        if kind == "return":
            # Odoo unreserves the returns under way of the same delivery: all of them get their serials again
            ticket._service_set_return_lots()
        if kind == "return":
            body = Markup(self.env._("Return %(picking)s created from delivery %(delivery)s."))
        else:
            body = Markup(self.env._("Replacement %(picking)s created for delivery %(delivery)s."))
        for picking in pickings:
            ticket._service_log_remedy(
                body % {"picking": picking._get_html_link(), "delivery": self.picking_id._get_html_link()}
            )

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def _service_run(self, exchange):
        """The return (and the replacement) as Odoo makes them, checked and
        linked to the ticket; all or nothing."""
        self.ensure_one()
        ticket = self.service_ticket_id._service_remedy_env("stock.group_stock_user")
        wizard = self.with_env(ticket.env(context=clean_context(self.env.context))).with_context(
            service_remedy_running=True
        )
        ticket._service_check_customer_document(self.picking_id.partner_id, self.picking_id.display_name)
        lines = wizard._service_check_lines()
        if exchange:
            wizard._service_check_exchange(lines)
        Move = self.env["stock.move"].with_env(ticket.env)
        before = Move.search([], order="id desc", limit=1).id
        action = wizard.action_create_exchanges() if exchange else wizard.action_create_returns()
        returned = wizard.env["stock.picking"].browse(action["res_id"])
        wizard._service_link(returned, "return")
        if exchange:
            new_moves = Move.search(
                [
                    ("id", ">", before),
                    ("picking_id", "!=", returned.id),
                    ("product_id", "in", lines.product_id.ids),
                    ("partner_id", "=", self.picking_id.partner_id.id),
                    ("location_dest_usage", "=", "customer"),
                ]
            )
            wizard._service_link(new_moves.picking_id, "replacement")
        if self.env.user.has_group("stock.group_stock_user"):
            return action
        return {"type": "ir.actions.act_window_close"}

    def _service_to_run(self):
        return self.service_ticket_id and not self.env.context.get("service_remedy_running")

    def action_create_returns(self):
        if self._service_to_run():
            return self._service_run(exchange=False)
        return super().action_create_returns()

    def action_create_exchanges(self):
        if self._service_to_run():
            return self._service_run(exchange=True)
        return super().action_create_exchanges()

    def action_create_returns_all(self):
        if self._service_to_run():
            raise UserError(self.env._("From a ticket, enter the quantities to return."))
        return super().action_create_returns_all()
