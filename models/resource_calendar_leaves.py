from odoo import api, models


class ResourceCalendarLeaves(models.Model):
    """Public holidays and leaves feed the periods that resource.calendar caches for
    routing and SLA planning: any change forgets them."""

    _inherit = "resource.calendar.leaves"

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
