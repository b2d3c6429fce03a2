from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .. import segmentation

# how long help center activity is kept (service.article.event._gc_help_center_activity)
RETENTION_PARAM = "service_desk.help_center_retention_days"
RETENTION_DEFAULT_DAYS = 90


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    service_archive_months = fields.Integer(related="company_id.service_archive_months", readonly=False)
    service_purge_months = fields.Integer(related="company_id.service_purge_months", readonly=False)
    service_purge_enabled = fields.Boolean(related="company_id.service_purge_enabled", readonly=False)
    service_archive_count = fields.Integer(compute="_compute_service_retention_counts")
    service_purge_count = fields.Integer(compute="_compute_service_retention_counts")
    service_help_center_retention_days = fields.Integer(
        string="Keep Help Center Activity (days)",
        config_parameter=RETENTION_PARAM,
        default=RETENTION_DEFAULT_DAYS,
        help="Searches, pages opened and visitors' votes of the help center are deleted after this many days.",
    )

    service_word_segmentation = fields.Boolean(
        string="Words Found in Every Language",
        compute="_compute_service_word_segmentation",
        help="Thai, Chinese, Japanese, Lao, Khmer and Burmese put no spaces between words: "
        "PyICU finds them, for the knowledge base and the ticket search.",
    )
    service_word_segmentation_engine = fields.Char(compute="_compute_service_word_segmentation")

    def _compute_service_word_segmentation(self):
        for settings in self:
            settings.service_word_segmentation = segmentation.is_available()
            settings.service_word_segmentation_engine = segmentation.engine()

    @api.constrains("service_help_center_retention_days")
    def _check_service_help_center_retention_days(self):
        for settings in self:
            if settings.service_help_center_retention_days <= 0:
                raise ValidationError(
                    self.env._("Help center activity must be kept at least one day: give a number of days above 0.")
                )

    @api.model
    def get_values(self):
        values = super().get_values()
        # a wrong value typed in the system parameters shows (and saves) as the default
        values["service_help_center_retention_days"] = self.env["service.article.event"]._help_center_retention_days()
        return values

    @api.depends("service_archive_months", "service_purge_months", "company_id")
    def _compute_service_retention_counts(self):
        """Dry run: how many tickets the next run would archive and purge."""
        # sudo: counts only, on the settings page, which only administrators may open
        Ticket = self.env["service.ticket"].sudo().with_context(active_test=False)
        for settings in self:
            company = settings.company_id
            settings.service_archive_count = Ticket.search_count(
                Ticket._archive_domain(company, settings.service_archive_months)
            )
            settings.service_purge_count = Ticket.search_count(
                Ticket._purge_domain(company, settings.service_purge_months)
            )
