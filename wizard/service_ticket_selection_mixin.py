from odoo import api, fields, models
from odoo.fields import Command


class ServiceTicketSelectionMixin(models.AbstractModel):
    """A wizard acting on several tickets: opened from the ticket list (or
    a ticket's form), its tickets are the selected ones (the context's
    active_ids)."""

    _name = "service.ticket.selection.mixin"
    _description = "Wizard on Selected Tickets"

    ticket_ids = fields.Many2many("service.ticket", string="Tickets", required=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "ticket_ids" in fields_list and self.env.context.get("active_model") == "service.ticket":
            values["ticket_ids"] = [Command.set(self.env.context.get("active_ids") or [])]
        return values
