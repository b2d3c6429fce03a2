from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    service_archive_months = fields.Integer(related="company_id.service_archive_months", readonly=False)
    service_purge_months = fields.Integer(related="company_id.service_purge_months", readonly=False)
    service_purge_enabled = fields.Boolean(related="company_id.service_purge_enabled", readonly=False)
    service_archive_count = fields.Integer(compute="_compute_service_retention_counts")
    service_purge_count = fields.Integer(compute="_compute_service_retention_counts")

    @api.depends("service_archive_months", "service_purge_months", "company_id")
    def _compute_service_retention_counts(self):
        """Dry run: how many tickets the next run would archive and purge."""
        Ticket = self.env["service.ticket"].sudo().with_context(active_test=False)
        for settings in self:
            company = settings.company_id
            settings.service_archive_count = Ticket.search_count(
                Ticket._archive_domain(company, settings.service_archive_months)
            )
            settings.service_purge_count = Ticket.search_count(
                Ticket._purge_domain(company, settings.service_purge_months)
            )
