from odoo import fields, models

REMEDY_KINDS = [("return", "Return"), ("replacement", "Replacement")]


class StockPicking(models.Model):
    """A return or replacement made from a service ticket points back to it."""

    _inherit = "stock.picking"

    service_ticket_id = fields.Many2one(
        "service.ticket",
        index="btree_not_null",
        copy=False,
        readonly=True,
        ondelete="set null",
    )
    service_remedy_kind = fields.Selection(REMEDY_KINDS, string="Remedy", copy=False, readonly=True)

    def action_open_service_ticket(self):
        self.ensure_one()
        return self.service_ticket_id._get_records_action()
