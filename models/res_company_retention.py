from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    service_archive_months = fields.Integer(
        string="Archive Closed Tickets After (months)",
        default=0,
        help="Closed tickets older than this are archived by a scheduled action. 0 keeps them.",
    )
    service_purge_months = fields.Integer(
        string="Purge Content After (months)",
        default=0,
        help="Descriptions, messages, call summaries, chat transcripts and attachments of archived tickets "
        "older than this are deleted; subjects, dates, channels, durations and SLA results stay. 0 keeps them.",
    )
    service_purge_enabled = fields.Boolean(string="Purge Old Content")

    _service_retention_positive = models.Constraint(
        "CHECK(service_archive_months >= 0 AND service_purge_months >= 0)",
        "Retention periods cannot be negative.",
    )
