from odoo import models
from odoo.fields import Command


class ServiceTicket(models.Model):
    """What the automation rules the desk ships (data/base_automation_data.xml,
    inactive until a manager activates them) do beyond Odoo's own actions."""

    _inherit = "service.ticket"

    def _automation_escalate_unanswered(self):
        """The customer wrote several times without an answer: tag these
        tickets *Unanswered* (the tag is made the first time) and escalate
        them, saying why."""
        # sudo: the tag an automation rule adds, found or made whoever triggered the rule
        Tag = self.env["service.tag"].sudo()
        name = self.env._("Unanswered")
        tag = Tag.search([("name", "=", name)], limit=1) or Tag.create({"name": name})
        self.write({"tag_ids": [Command.link(tag.id)]})
        for ticket in self:
            ticket.action_escalate(
                reason=self.env._("The customer wrote %s times without an answer.", ticket.customer_unanswered_count)
            )
