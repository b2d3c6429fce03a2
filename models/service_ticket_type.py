from odoo import fields, models

from .service_ticket import TICKET_TYPES


class ServiceTicketType(models.Model):
    """One record per value of the ticket's `ticket_type` selection, so that
    SLA policies can be conditioned on several types at once. The policies'
    cached conditions hold the types' codes (service.sla.policy.
    _matching_rules), so a type is one of the records SLA rules are planned
    from."""

    _name = "service.ticket.type"
    _inherit = ["service.sla.rule.mixin"]
    _description = "Service Ticket Type"
    _order = "sequence, id"
    # policies match tickets on the types' codes, not their names or order
    _service_cached_fields = frozenset({"code"})

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(TICKET_TYPES, required=True)
    sequence = fields.Integer(default=10)

    _code_uniq = models.UniqueIndex("(code)", "Each ticket type exists once.")
