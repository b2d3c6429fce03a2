from odoo import api, models


class BaseAutomation(models.Model):
    _inherit = "base.automation"

    @api.model
    def _get_calendar(self, automation, record):
        """A rule on tickets whose delay counts in days of a calendar counts
        them in the working days of each ticket's team (its hours, its
        public holidays); the rule's own calendar is kept for tickets of a
        team without one."""
        if record._name == "service.ticket" and record.team_id.resource_calendar_id:
            return record.team_id.resource_calendar_id
        return super()._get_calendar(automation, record)
