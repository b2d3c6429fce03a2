import math
from datetime import datetime, time, timedelta
from itertools import takewhile

from pytz import timezone, utc

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL, ormcache

from .cache_version import create_version_sequence, next_version

# working periods are computed and cached by windows of one week starting on a
# Monday at midnight UTC: routing and SLA planning ask for the same few windows
# again and again, and only a change of calendar or leave changes them
PERIOD_WINDOW = timedelta(weeks=1)


class ResourceCalendar(models.Model):
    _name = "resource.calendar"
    _inherit = ["resource.calendar", "service.working.periods.source"]

    # its working hours and holidays renew the calendar's periods themselves
    _service_periods_neutral_fields = frozenset(
        {
            "name",
            "active",
            "attendance_ids",
            "attendance_ids_1st_week",
            "attendance_ids_2nd_week",
            "leave_ids",
            "global_leave_ids",
        }
    )

    service_periods_version = fields.Integer(
        string="Working Periods Version",
        readonly=True,
        copy=False,
        help="Renewed by every change of this calendar's working time: "
        "the working periods cached for routing and SLA planning are kept under it.",
    )

    def init(self):
        super().init()
        create_version_sequence(self.env.cr)

    def _service_periods_scope(self):
        return Domain("id", "in", self.ids)

    @api.model
    def _service_renew_periods(self, scope):
        """Give the calendars matching the domain `scope` a new version of
        their working periods, in one statement."""
        scope = Domain(scope).optimize(self)
        if scope.is_false():
            return
        calendars = self._search(scope, active_test=False, bypass_access=True)
        renewed = self.env.execute_query(
            SQL(
                "UPDATE resource_calendar SET service_periods_version = %s WHERE id IN %s RETURNING id",
                next_version(),
                calendars.subselect(),
            )
        )
        self.browse(calendar_id for (calendar_id,) in renewed).invalidate_recordset(["service_periods_version"])

    @api.model
    def _service_window_start(self, moment):
        """Start (naive UTC) of the cached window holding `moment` (naive UTC)."""
        return datetime.combine(moment.date() - timedelta(days=moment.weekday()), time.min)

    def _service_window_periods(self, tz_name, window):
        """Working periods ((begin, end) in naive UTC, in order) of this
        calendar in the week starting at `window`: attendances in the time
        zone `tz_name` (the calendar's own when empty), public holidays and
        the calendar's leaves excluded, as Odoo's `_work_intervals_batch`
        computes them. Read as superuser for every user alike: the result
        is shared through the cache."""
        # sudo: the same periods for every user: attendances and leaves of this calendar (and its company's holidays)
        return self.sudo()._service_cached_window_periods(tz_name, window)

    @ormcache("self.id", "self.service_periods_version", "tz_name", "window")
    def _service_cached_window_periods(self, tz_name, window):
        """_service_window_periods, cached under the calendar's version: a
        change of its working time reaches every worker at its next read."""
        origin = utc.localize(window)
        # leaves of other companies are kept out explicitly (read as superuser)
        leaves = [("time_type", "=", "leave")]
        if self.company_id:
            leaves.append(("company_id", "in", [False, self.company_id.id]))
        intervals = self._work_intervals_batch(
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
