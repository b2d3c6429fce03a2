from odoo import models
from odoo.fields import Domain


class ResourceCalendarAttendance(models.Model):
    _name = "resource.calendar.attendance"
    _inherit = ["resource.calendar.attendance", "service.working.periods.source"]

    _service_periods_neutral_fields = frozenset({"name", "sequence"})

    def _service_periods_scope(self):
        return Domain("id", "in", self.calendar_id.ids)
