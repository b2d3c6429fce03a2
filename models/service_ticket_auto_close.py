from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models


class ServiceTicket(models.Model):
    """Auto-close: a ticket left in a stage with `auto_close_days` (Resolved,
    by default) is closed after that many working days of its team's
    calendar, the customer reminded half-way; any customer message starts
    the wait again."""

    _inherit = "service.ticket"

    auto_close_date = fields.Datetime(
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="When the ticket closes by itself unless the customer writes.",
    )
    auto_close_reminder_date = fields.Datetime(
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="When the customer is reminded that the ticket will close; empty once reminded.",
    )

    # ------------------------------------------------------------------
    # Steps of the save path and of the customer's messages
    # ------------------------------------------------------------------

    @api.model
    def _auto_close_values(self, stage, team, start):
        """The auto-close dates of a ticket of `team` entering `stage` at
        `start` (a step of create and write), or waiting there again from
        `start` (the customer wrote)."""
        values = {
            "auto_close_date": False,
            "auto_close_reminder_date": False,
        }
        if stage.auto_close_days and not stage.is_closed:
            close, reminder = self._auto_close_schedule(team, start, stage.auto_close_days)
            values.update(auto_close_date=close, auto_close_reminder_date=reminder)
        return values

    @api.model
    def _auto_close_schedule(self, team, start, days):
        """(close date, reminder date) for a wait of `days` working days of
        the team's calendar (else the company's) after the day of `start`,
        the reminder half-way in working time. Without a calendar, days
        are calendar days. Naive UTC in and out."""
        calendar = team.resource_calendar_id or team.company_id.resource_calendar_id
        if not calendar:
            return start + timedelta(days=days), start + timedelta(days=days / 2)
        tz = pytz.timezone(calendar.tz or "UTC")
        local_start = pytz.utc.localize(start).astimezone(tz)
        next_day = tz.localize(datetime.combine(local_start.date() + timedelta(days=1), time.min))
        close = calendar.plan_days(days, next_day, compute_leaves=True)
        if not close:
            return start + timedelta(days=days), start + timedelta(days=days / 2)
        close = close.astimezone(pytz.utc).replace(tzinfo=None)
        half = calendar.get_work_hours_count(start, close, compute_leaves=True) / 2
        reminder = calendar.plan_hours(half, pytz.utc.localize(start), compute_leaves=True)
        reminder = reminder.astimezone(pytz.utc).replace(tzinfo=None) if reminder else close
        return close, reminder

    def _auto_close_restart(self, when):
        """The customer wrote at `when`: tickets still in a stage that closes
        by itself wait again from `when`, reminder included."""
        for ticket in self.filtered(lambda t: t.auto_close_date):
            ticket.write(self._auto_close_values(ticket.stage_id, ticket.team_id, when))

    # ------------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------------

    @api.model
    def _cron_auto_close(self, batch_size=200):
        """Remind the customers whose ticket closes soon, then close the
        tickets whose wait is over. Each ticket leaves the domain it was
        found by, so a run costs what is due and an interrupted run
        resumes where it stopped."""
        now = fields.Datetime.now()
        Ticket = self.sudo()  # sudo: a scheduled action of the desk, for every team
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        steps = (
            ([("auto_close_reminder_date", "<=", now)], "_auto_close_remind"),
            ([("auto_close_date", "<=", now), ("auto_close_reminder_date", "=", False)], "_auto_close"),
        )
        for domain, method in steps:
            while tickets := Ticket.search(domain, limit=batch_size, order="auto_close_date, id"):
                getattr(tickets, method)(now)
                if in_cron:
                    self.env["ir.cron"]._commit_progress(len(tickets))
                else:
                    self.env.flush_all()

    def _auto_close_remind(self, now):
        """Tell the customers their ticket closes soon unless they answer. A
        reminder sent late (the scheduled action did not run) leaves them
        the time it would have left."""
        template = self.env.ref("service_desk.mail_template_ticket_auto_close_reminder", raise_if_not_found=False)
        for ticket in self:
            if template and ticket.partner_id:
                ticket.with_context(service_automatic_message=True).message_post_with_source(
                    template,
                    subtype_xmlid="mail.mt_note",
                    email_layout_xmlid="mail.mail_notification_light",
                )
            values = {"auto_close_reminder_date": False}
            if ticket.auto_close_date <= now:
                values["auto_close_date"] = now + (ticket.auto_close_date - ticket.auto_close_reminder_date)
            ticket.write(values)

    def _auto_close(self, now):  # pylint: disable=unused-argument  # the steps of the cron share a signature
        """Close the tickets whose wait is over, with a note saying why."""
        for ticket in self:
            closing = ticket._stages_of(ticket.team_id).filtered(lambda s: s.is_resolved and s.is_closed)[:1]
            if not closing:
                ticket.write({"auto_close_date": False})
                ticket.message_post(
                    body=self.env._(
                        "Not closed automatically: team %s has no closing stage.",
                        ticket.team_id.name,
                    ),
                    subtype_xmlid="mail.mt_note",
                )
                continue
            ticket.message_post(
                body=self.env._(
                    "Closed automatically: no answer from the customer %(days)s working days after "
                    "the ticket reached %(stage)s.",
                    days=ticket.stage_id.auto_close_days,
                    stage=ticket.stage_id.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
            ticket.stage_id = closing
