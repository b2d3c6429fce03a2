"""Auto-close as the stage promises: after `auto_close_days` working days of
the team's calendar, the customer reminded half-way, any customer message
cancelling it (DESIGN §12)."""

from datetime import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .common import ServiceDeskMailCommon

# a Wednesday
RESOLVED_AT = datetime(2030, 1, 9, 10, 0)
# 7 working days after that Wednesday (Mon-Fri, 8-17): Friday 18 at 17:00
CLOSES_AT = datetime(2030, 1, 18, 17, 0)
# half of the 70 working hours in between: Tuesday 15 at 9:00
REMINDS_AT = datetime(2030, 1, 15, 9, 0)


@tagged("post_install", "-at_install", "mail_gateway")
class TestAutoClose(ServiceDeskMailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["service.sla.policy"].search([]).active = False
        cls.calendar = cls._create_calendar("SD office hours", (8, 17))
        cls.team_a.resource_calendar_id = cls.calendar
        cls.stage_resolved.auto_close_days = 7

    def _resolved_ticket(self, when=RESOLVED_AT):
        with freeze_time(when):
            msg_id = self._receive(self.customer_a_contact.email_formatted, self.alias_team_a, "Scanner offline")
            ticket = self._ticket_of(msg_id)
            ticket.with_user(self.user_agent_a).action_resolve()
        return ticket, msg_id

    def _run_cron(self, when):
        with freeze_time(when), self.mock_mail_gateway():
            self.env["service.ticket"]._cron_auto_close()
        return self._mails_to(self.customer_a_contact)

    def test_schedule_in_working_days_of_the_team_calendar(self):
        ticket, __ = self._resolved_ticket()
        self.assertEqual(ticket.waiting_since, RESOLVED_AT)
        self.assertEqual(ticket.auto_close_date, CLOSES_AT)
        self.assertEqual(ticket.auto_close_reminder_date, REMINDS_AT)

    def test_holiday_is_no_working_day(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "SD holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime(2030, 1, 14, 0, 0),
                "date_to": datetime(2030, 1, 14, 23, 59),
            }
        )
        ticket, __ = self._resolved_ticket()
        self.assertEqual(ticket.auto_close_date, datetime(2030, 1, 21, 17, 0))

    def test_reminder_half_way_then_close_with_a_note(self):
        ticket, __ = self._resolved_ticket()
        self.assertFalse(self._run_cron(datetime(2030, 1, 15, 8, 59)), "nothing before half-way")
        reminders = self._run_cron(REMINDS_AT)
        self.assertEqual(len(reminders), 1)
        self.assertIn(ticket.number, reminders.subject)
        self.assertFalse(self._run_cron(datetime(2030, 1, 16, 9, 0)), "reminded once")
        self.assertFalse(ticket.is_closed)
        self.assertFalse(ticket.first_response_date, "a reminder is no answer of an agent")

        self._run_cron(CLOSES_AT)
        self.assertTrue(ticket.is_closed)
        note = ticket.message_ids.filtered(lambda m: "Closed automatically" in m.body)
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertFalse(ticket.auto_close_date)
        closed = ticket.closed_date
        self._run_cron(datetime(2030, 1, 25, 9, 0))
        self.assertEqual(ticket.closed_date, closed, "a second run changes nothing")

    def test_customer_message_cancels_it(self):
        ticket, msg_id = self._resolved_ticket()
        self._run_cron(REMINDS_AT)
        with freeze_time(datetime(2030, 1, 16, 10, 0)):
            self._receive(
                self.customer_a_contact.email_formatted,
                self.alias_team_a,
                "Re: Scanner offline",
                body="It is still offline.",
                headers=[("In-Reply-To", msg_id)],
            )
        self.assertFalse(ticket.is_resolved, "reopened")
        self.assertFalse(ticket.auto_close_date)
        self._run_cron(datetime(2030, 2, 1, 9, 0))
        self.assertFalse(ticket.is_closed)

    def test_customer_message_restarts_a_waiting_stage_clock(self):
        """A stage that keeps waiting after the customer wrote (no working
        stage to go back to) starts its wait again from their message."""
        self.stage_waiting.auto_close_days = 2
        ticket, __ = self._resolved_ticket()
        ticket.stage_id = self.stage_waiting
        restart = datetime(2030, 1, 10, 9, 0)
        self.env["service.interaction"].create(
            {
                "partner_id": self.customer_a_contact.id,
                "ticket_id": ticket.id,
                "direction": "inbound",
                "date": restart,
                "summary": "Called",
            }
        )
        self.assertEqual(ticket.stage_id, self.stage_in_progress)
        self.assertFalse(ticket.auto_close_date)

    def test_late_reminder_leaves_the_customer_time(self):
        ticket, __ = self._resolved_ticket()
        late = datetime(2030, 1, 28, 9, 0)
        self.assertEqual(len(self._run_cron(late)), 1)
        self.assertFalse(ticket.is_closed)
        self.assertEqual(ticket.auto_close_date, late + (CLOSES_AT - REMINDS_AT))

    def _cron_queries(self, when):
        with freeze_time(when):
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            self.env["service.ticket"]._cron_auto_close()
            return self.cr.sql_log_count - before

    def test_cost_follows_due_tickets(self):
        """Tickets not due yet cost the scheduled action nothing."""
        for __ in range(2):  # the first run fills the caches
            due, __ = self._resolved_ticket()
            due.auto_close_reminder_date = False  # reminded: it closes at the next run
            alone = self._cron_queries(CLOSES_AT)
            self.assertTrue(due.is_closed)

        not_due = self.env["service.ticket"]
        for _i in range(10):
            not_due |= self._resolved_ticket(datetime(2030, 1, 16, 10, 0))[0]
        due, __ = self._resolved_ticket()
        due.auto_close_reminder_date = False
        self.assertEqual(self._cron_queries(CLOSES_AT), alone)
        self.assertTrue(due.is_closed)
        self.assertFalse(any(not_due.mapped("is_closed")))
