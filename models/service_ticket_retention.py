from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.fields import Domain


class ServiceTicket(models.Model):
    """Keeping only the data that is needed: closed tickets are archived
    after a while, and later their conversation content is purged while
    the figures stay."""

    _inherit = "service.ticket"

    content_purged = fields.Boolean(
        readonly=True,
        copy=False,
        help="The description, messages, summaries, transcripts and attachments were deleted by retention.",
    )

    @api.model
    def _closed_before_domain(self, company, months):
        """Tickets of the company closed more than `months` ago (none when 0)."""
        if not months:
            return [("id", "=", False)]
        return [
            ("company_id", "=", company.id),
            ("closed_date", "<", fields.Datetime.now() - relativedelta(months=months)),
        ]

    @api.model
    def _archive_domain(self, company, months):
        return [*self._closed_before_domain(company, months), ("active", "=", True), ("is_closed", "=", True)]

    @api.model
    def _purge_domain(self, company, months):
        return [*self._closed_before_domain(company, months), ("active", "=", False), ("content_purged", "=", False)]

    @api.model
    def _cron_archive(self, batch_size=500):
        """Archive old closed tickets, then purge the content of old archived
        ones, company by company, in batches. Each batch leaves the domain it
        was found by, so an interrupted run resumes where it stopped."""
        # sudo: the daily cron archives and purges old closed tickets of every team
        Ticket = self.sudo().with_context(active_test=False, tracking_disable=True)
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        # sudo: every company, each with its own retention periods; there are few of them
        for company in self.env["res.company"].sudo().search([]):  # pylint: disable=no-search-all
            steps = [(Ticket._archive_domain(company, company.service_archive_months), "_archive_batch")]
            if company.service_purge_enabled:
                steps.append((Ticket._purge_domain(company, company.service_purge_months), "_purge_content"))
            for domain, method in steps:
                while tickets := Ticket.search(domain, limit=batch_size, order="closed_date, id"):
                    getattr(tickets, method)()
                    if in_cron:
                        self.env["ir.cron"]._commit_progress(len(tickets))
                    else:
                        self.env.flush_all()

    def _archive_batch(self):
        self.write({"active": False})

    def _purge_content(self):
        """Delete what was said, keep what happened: tickets lose their
        description, their messages and those of their logged contacts lose
        body and subject, tracked changes of text fields their old and new
        values, logged contacts their summary and transcript, all of them
        their attachments. Subjects, dates, stages, channels, durations and
        SLA results stay."""
        # sudo: logged contacts of the tickets the retention cron purges
        interactions = self.env["service.interaction"].sudo().search([("ticket_id", "in", self.ids)])
        messages = self._purged_messages(interactions)
        # sudo: attachments of the tickets the retention cron purges
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "service.ticket"),
                    ("res_id", "in", self.ids),
                ]
            )
            | interactions.attachment_ids
        )
        self._purge_text_tracking(messages)
        messages.write({"body": False, "subject": False})
        interactions.write({"summary": self.env._("(purged)"), "transcript": False})
        attachments.unlink()
        self.write({"description": False, "content_purged": True})

    def _purged_messages(self, interactions):
        """Every message of these tickets and of their logged contacts."""
        return self.env["mail.message"].search(
            Domain("model", "=", "service.ticket") & Domain("res_id", "in", self.ids)
            | Domain("model", "=", "service.interaction") & Domain("res_id", "in", interactions.ids)
        )

    @api.model
    def _purge_text_tracking(self, messages):
        """Tracked changes of text fields keep that the field changed, not
        what it said; those of stages, agents and other choices stay whole."""
        self.env["mail.tracking.value"].search(
            [("mail_message_id", "in", messages.ids), ("field_id.ttype", "in", ("char", "text", "html"))]
        ).write({"old_value_char": False, "new_value_char": False, "old_value_text": False, "new_value_text": False})

    def _stage_change_values(self, old_stage, new_stage, now, team):
        values = super()._stage_change_values(old_stage, new_stage, now, team)
        if "reopen_count" in values and self and not self.active:
            values["active"] = True  # reopening an archived ticket brings it back
        return values
