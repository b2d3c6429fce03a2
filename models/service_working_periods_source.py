from odoo import api, models


class ServiceWorkingPeriodsSource(models.AbstractModel):
    """What the working periods cached by resource.calendar
    (`_service_window_periods`, for routing and SLA planning) are computed
    from: calendars, their working hours and their holidays. A change of
    such a record that shapes working periods renews the version of the
    calendars it concerns, which is part of the cache key: every worker
    computes those calendars' periods again at its next read and keeps the
    others'. Other changes (a name, an employee's own time off) renew
    nothing, and no change clears the registry's caches."""

    _name = "service.working.periods.source"
    _description = "Source of Cached Working Periods"

    # fields whose changes shape no working period
    _service_periods_neutral_fields = frozenset()

    def _service_periods_scope(self):
        """Domain of the calendars whose working periods these records shape."""
        raise NotImplementedError

    def _service_renew_periods(self, scope):
        self.env["resource.calendar"]._service_renew_periods(scope)

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._service_renew_periods(records._service_periods_scope())
        return records

    def write(self, vals):
        if vals.keys() <= self._service_periods_neutral_fields:
            return super().write(vals)
        before = self._service_periods_scope()
        result = super().write(vals)
        self._service_renew_periods(before | self._service_periods_scope())
        return result

    def unlink(self):
        scope = self._service_periods_scope()
        result = super().unlink()
        self._service_renew_periods(scope)
        return result
