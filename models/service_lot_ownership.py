from odoo import api, fields, models

OWNERSHIP_EVENTS = [
    ("delivery", "Delivered"),
    ("return", "Returned"),
    ("transfer", "Transferred"),
]


class ServiceLotOwnership(models.Model):
    """One event in the life of a serial number: delivered to a customer,
    returned by one, or handed over from one owner to another."""

    _name = "service.lot.ownership"
    _description = "Serial Number Ownership Event"
    _order = "date desc, id desc"

    lot_id = fields.Many2one("stock.lot", string="Serial Number", required=True, index=True, ondelete="cascade")
    product_id = fields.Many2one(related="lot_id.product_id", store=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    event = fields.Selection(OWNERSHIP_EVENTS, required=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    partner_id = fields.Many2one(
        "res.partner",
        string="Owner",
        index="btree_not_null",
        ondelete="restrict",
        help="Who owns the serial after this event (empty once returned).",
    )
    previous_partner_id = fields.Many2one(
        "res.partner",
        string="Previous Owner",
        index="btree_not_null",
        ondelete="restrict",
    )
    move_line_id = fields.Many2one("stock.move.line", string="Stock Move", index="btree_not_null", ondelete="set null")
    ticket_id = fields.Many2one("service.ticket", string="Case", index="btree_not_null", ondelete="set null")

    _move_line_uniq = models.UniqueIndex(
        "(move_line_id) WHERE move_line_id IS NOT NULL",
        "A stock move is recorded once in the history.",
    )

    @api.model
    def _record_moves(self, move_lines):
        """History of the serials delivered to or returned by customers in
        `move_lines` (done); lines already recorded are skipped. The serial's
        owner follows the latest event."""
        Warranty = self.env["service.warranty"]
        lines = move_lines.filtered(
            lambda ml: (
                ml.lot_id
                and ml.state == "done"
                and (Warranty._is_customer_delivery(ml) or Warranty._is_customer_return(ml))
            )
        )
        if not lines:
            return self.browse()
        recorded = self.search([("move_line_id", "in", lines.ids)]).move_line_id
        values_list = []
        for line in (lines - recorded).sorted(lambda ml: (ml.date, ml.id)):
            customer = Warranty._delivery_customer(line.move_id)
            delivered = Warranty._is_customer_delivery(line)
            values_list.append(
                {
                    "lot_id": line.lot_id.id,
                    "company_id": line.company_id.id,
                    "event": "delivery" if delivered else "return",
                    "date": line.date,
                    "partner_id": customer.id if delivered else False,
                    "previous_partner_id": False if delivered else customer.id,
                    "move_line_id": line.id,
                }
            )
        events = self.create(values_list)
        events.lot_id._service_update_owner()
        return events
