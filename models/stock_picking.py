from odoo import fields, models

REMEDY_KINDS = [("return", "Return"), ("replacement", "Replacement")]


class StockPicking(models.Model):
    """A return or replacement made from a service ticket points back to it."""

    _name = "stock.picking"
    _inherit = ["stock.picking", "service.remedy.document"]

    service_remedy_kind = fields.Selection(REMEDY_KINDS, string="Remedy", copy=False, readonly=True)
