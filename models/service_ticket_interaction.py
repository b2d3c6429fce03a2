from odoo import fields, models


class ServiceTicket(models.Model):
    _inherit = "service.ticket"

    interaction_ids = fields.One2many("service.interaction", "ticket_id", string="Contacts")
    interaction_count = fields.Integer(compute="_compute_interaction_count", string="Logged Contacts")

    def _compute_interaction_count(self):
        counts = dict(
            self.env["service.interaction"]._read_group(
                [("ticket_id", "in", self.ids)],
                ["ticket_id"],
                ["__count"],
            )
        )
        for ticket in self:
            ticket.interaction_count = counts.get(ticket, 0)

    def action_log_contact(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("service_desk.service_log_contact_action")
        action["context"] = {
            "default_ticket_id": self.id,
            "default_partner_id": self.partner_id.id,
            "default_channel": "phone",
            "default_direction": "outbound",
        }
        return action

    def action_open_interactions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("service_desk.service_interaction_action")
        action.update(
            domain=[("ticket_id", "=", self.id)],
            context={"default_ticket_id": self.id, "default_partner_id": self.partner_id.id},
        )
        return action
