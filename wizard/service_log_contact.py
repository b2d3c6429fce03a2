from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.service_interaction import INTERACTION_CHANNELS


class ServiceLogContact(models.TransientModel):
    """The quick dialog behind "Log a call / contact", from a ticket or a customer."""

    _name = "service.log.contact"
    _description = "Log a Customer Contact"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    ticket_id = fields.Many2one("service.ticket")
    channel = fields.Selection(INTERACTION_CHANNELS, required=True, default="phone")
    direction = fields.Selection([("inbound", "Inbound"), ("outbound", "Outbound")], required=True, default="inbound")
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    duration_minutes = fields.Float(string="Duration (minutes)")
    summary = fields.Char(required=True)
    transcript = fields.Text(string="Notes / Transcript")
    create_ticket = fields.Boolean(string="Open a ticket", help="Open a new ticket from this contact.")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        ticket = self.env["service.ticket"].browse(values.get("ticket_id"))
        if ticket and not values.get("partner_id"):
            values["partner_id"] = ticket.partner_id.id
        return values

    def action_log(self):
        self.ensure_one()
        if self.duration_minutes < 0:
            raise UserError(self.env._("A duration cannot be negative."))
        interaction = self.env["service.interaction"].create(
            {
                "partner_id": self.partner_id.id,
                "ticket_id": self.ticket_id.id,
                "channel": self.channel,
                "direction": self.direction,
                "date": self.date,
                "duration_minutes": self.duration_minutes,
                "summary": self.summary,
                "transcript": self.transcript,
            }
        )
        if self.create_ticket and not self.ticket_id:
            return interaction.action_create_ticket()
        if self.ticket_id:
            return {"type": "ir.actions.act_window_close"}
        return interaction._get_records_action()
