from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    service_interaction_ids = fields.One2many("service.interaction", "partner_id", string="Logged Contacts")

    def action_log_contact(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("service_desk.service_log_contact_action")
        action["context"] = {"default_partner_id": self.id}
        return action

    def action_open_contact_timeline(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("service_desk.service_contact_timeline_action")
        action["domain"] = [("commercial_partner_id", "=", self.commercial_partner_id.id)]
        action["display_name"] = self.env._("Contacts with %s", self.commercial_partner_id.name)
        return action
