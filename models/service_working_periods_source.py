from odoo import api, models


class ServiceWorkingPeriodsSource(models.AbstractModel):
    """What the working periods cached by resource.calendar
    (`_service_window_periods`, for routing and SLA planning) are computed
    from: calendars, their working hours, public holidays and leaves. Any
    change of such a record forgets the cached periods."""

    _name = "service.working.periods.source"
    _description = "Source of Cached Working Periods"

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()
