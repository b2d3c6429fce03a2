from odoo import models
from odoo.fields import Domain


class ResourceCalendarLeaves(models.Model):
    _name = "resource.calendar.leaves"
    _inherit = ["resource.calendar.leaves", "service.working.periods.source"]

    _service_periods_neutral_fields = frozenset({"name"})

    def _service_periods_scope(self):
        """Holidays (time off of no resource) shape the working periods of
        their calendar, or, without calendar, of every calendar of their
        company and of the calendars of no company (of every calendar when
        they have no company either). An employee's own time off, what an
        approved time off writes, shapes none: routing reads it apart."""
        holidays = self.filtered(lambda leave: not leave.resource_id and leave.time_type == "leave")
        of_calendars = holidays.filtered("calendar_id")
        of_companies = holidays - of_calendars
        if any(not leave.company_id for leave in of_companies):
            return Domain.TRUE
        scope = Domain("id", "in", of_calendars.calendar_id.ids)
        if of_companies:
            scope |= Domain("company_id", "in", [False, *of_companies.company_id.ids])
        return scope
