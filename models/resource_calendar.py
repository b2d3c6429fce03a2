import math
from datetime import datetime, time, timedelta
from itertools import takewhile

from pytz import timezone, utc

from odoo import api, models
from odoo.tools import ormcache

# working periods are computed and cached by windows of one week starting on a
# Monday at midnight UTC: routing and SLA planning ask for the same few windows
# again and again, and only a change of calendar or leave changes them
PERIOD_WINDOW = timedelta(weeks=1)


class ResourceCalendar(models.Model):
    _name = "resource.calendar"
    _inherit = ["resource.calendar", "service.working.periods.source"]

    @api.model
    def _service_window_start(self, moment):
        """Start (naive UTC) of the cached window holding `moment` (naive UTC)."""
        return datetime.combine(moment.date() - timedelta(days=moment.weekday()), time.min)

    @ormcache("self.id", "tz_name", "window")
    def _service_window_periods(self, tz_name, window):
        """Working periods ((begin, end) in naive UTC, in order) of this
        calendar in the week starting at `window`: attendances in the time
        zone `tz_name` (the calendar's own when empty), public holidays and
        the calendar's leaves excluded, as Odoo's `_work_intervals_batch`
        computes them."""
        origin = utc.localize(window)
        # read as superuser for every user alike (the result is shared), so
        # leaves of other companies are kept out explicitly
        leaves = [("time_type", "=", "leave")]
        if self.company_id:
            leaves.append(("company_id", "in", [False, self.company_id.id]))
        intervals = self.sudo()._work_intervals_batch(
            origin, origin + PERIOD_WINDOW, domain=leaves, tz=timezone(tz_name) if tz_name else None
        )[False]
        return tuple(
            (begin.astimezone(utc).replace(tzinfo=None), end.astimezone(utc).replace(tzinfo=None))
            for begin, end, __ in intervals
        )

    def _service_periods_from(self, start, weeks, tz_name=False):
        """Working periods of this calendar from `start` (naive UTC) on,
        clipped to it, in order, from the cached windows of the `weeks` weeks
        starting with the one holding `start`."""
        self.ensure_one()
        window = self._service_window_start(start)
        for __ in range(weeks):
            for begin, end in self._service_window_periods(tz_name, window):
                if end > start:
                    yield max(begin, start), end
            window += PERIOD_WINDOW

    def _service_work_periods(self, start, end, tz_name=False):
        """Working periods of this calendar between `start` and `end` (naive
        UTC), clipped to them."""
        weeks = math.ceil((end - self._service_window_start(start)) / PERIOD_WINDOW)
        return [
            (begin, min(stop, end))
            for begin, stop in takewhile(
                lambda period: period[0] < end, self._service_periods_from(start, weeks, tz_name)
            )
        ]
