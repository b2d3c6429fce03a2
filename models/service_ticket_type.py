from odoo import fields, models

from .service_ticket import TICKET_TYPES


class ServiceTicketType(models.Model):
    """One record per value of the ticket's `ticket_type` selection, so that
    SLA policies can be conditioned on several types at once."""

    _name = "service.ticket.type"
    _description = "Service Ticket Type"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(TICKET_TYPES, required=True)
    sequence = fields.Integer(default=10)

    _code_uniq = models.UniqueIndex("(code)", "Each ticket type exists once.")

    # SLA policies match tickets on these codes (service.sla.policy._matching_rules)
    def write(self, vals):
        result = super().write(vals)
        if "code" in vals:
            self.env["res.company"]._service_renew_sla_rules()
        return result

    def unlink(self):
        result = super().unlink()
        self.env["res.company"]._service_renew_sla_rules()
        return result
