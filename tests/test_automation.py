"""The automation rules the desk ships on Odoo's base_automation: inactive
until activated, each proved once here; days of a calendar count in working
days of the ticket's team."""

import json
from datetime import datetime
from unittest.mock import patch

from odoo.tests import tagged

from .common import SlaCommon

# 2030-01-11 is a Friday; SlaCommon's calendar works Monday to Friday, 8-12 and 13-17 (UTC)
FRIDAY_10 = datetime(2030, 1, 11, 10, 0)
SUNDAY_12 = datetime(2030, 1, 13, 12, 0)
MONDAY_7 = datetime(2030, 1, 14, 7, 0)
MONDAY_11 = datetime(2030, 1, 14, 11, 0)
TUESDAY_11 = datetime(2030, 1, 15, 11, 0)


@tagged("post_install", "-at_install")
class TestShippedAutomations(SlaCommon):
    def _activate(self, xmlid):
        automation = self.env.ref(f"service_desk.{xmlid}")
        self.assertFalse(automation.active, "shipped inactive")
        automation.active = True
        return automation

    def test_shipped_inactive(self):
        for xmlid in (
            "automation_remind_waiting_agent",
            "automation_escalate_unanswered",
            "automation_vip_breach_webhook",
        ):
            self.assertFalse(self.env.ref(f"service_desk.{xmlid}").active)

    # ------------------------------------------------------------------
    # A ticket waiting on its agent for 2 working days
    # ------------------------------------------------------------------

    def _run_time_rule(self, automation, when):
        """What base_automation's cron does for one rule at `when` (the cron
        itself commits)."""
        with self.at(when):
            for ticket in automation._search_time_based_automation_records(until=when):
                automation._process(ticket)
            automation.last_run = when

    def _reminders(self, ticket):
        waiting = self.env.ref("service_desk.mail_activity_type_waiting_on_agent")
        return ticket.activity_ids.filtered(lambda activity: activity.activity_type_id == waiting)

    def test_reminder_after_two_working_days_of_the_team(self):
        automation = self._activate("automation_remind_waiting_agent")
        automation.last_run = FRIDAY_10
        ticket = self._ticket(FRIDAY_10)
        with self.at(FRIDAY_10):
            ticket.stage_id = self.stage_progress
        waiting = self._ticket(FRIDAY_10)
        with self.at(FRIDAY_10):
            waiting.stage_id = self.stage_waiting
        self.assertEqual(ticket.waiting_since, FRIDAY_10)

        # Odoo counts a delay in days of a calendar in working days: the day the wait began is the first
        self._run_time_rule(automation, SUNDAY_12)
        self.assertFalse(self._reminders(ticket), "two days later, but the weekend is no working day")
        self._run_time_rule(automation, MONDAY_7)
        self.assertFalse(self._reminders(ticket), "before Monday's first working hour")
        self._run_time_rule(automation, MONDAY_11)
        reminder = self._reminders(ticket)
        self.assertEqual(reminder.user_id, self.agent, "the ticket's agent")
        self.assertFalse(reminder.summary, "it shows its type's name, translated")
        self.assertFalse(self._reminders(waiting), "a ticket waiting on the customer is not the agent's")

    def test_team_calendar_counts_its_holidays(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "SD automation holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime(2030, 1, 14, 0, 0),
                "date_to": datetime(2030, 1, 14, 23, 59),
            }
        )
        automation = self._activate("automation_remind_waiting_agent")
        automation.last_run = FRIDAY_10
        ticket = self._ticket(FRIDAY_10)
        with self.at(FRIDAY_10):
            ticket.stage_id = self.stage_progress
        self._run_time_rule(automation, MONDAY_11)
        self.assertFalse(self._reminders(ticket), "Monday is the team's holiday: Friday is its only working day")
        self._run_time_rule(automation, TUESDAY_11)
        self.assertTrue(self._reminders(ticket))

    # ------------------------------------------------------------------
    # A customer who wrote three times without an answer
    # ------------------------------------------------------------------

    def test_third_unanswered_message_tags_and_escalates_once(self):
        self._activate("automation_escalate_unanswered")
        ticket = self._ticket(FRIDAY_10)
        self._customer_writes(ticket, datetime(2030, 1, 11, 11, 0))
        self._customer_writes(ticket, datetime(2030, 1, 11, 12, 0))
        self.assertEqual(ticket.customer_unanswered_count, 2)
        self.assertFalse(ticket.escalation_level)
        self._customer_writes(ticket, datetime(2030, 1, 11, 14, 0))
        self.assertEqual(ticket.escalation_level, 1, "escalated at the third message")
        self.assertIn("Unanswered", ticket.tag_ids.mapped("name"))
        self._customer_writes(ticket, datetime(2030, 1, 11, 15, 0))
        self.assertEqual(ticket.escalation_level, 1, "once")

        self._reply(ticket, datetime(2030, 1, 11, 16, 0))
        self.assertEqual(ticket.customer_unanswered_count, 0, "an answer counts again from zero")

    def test_answered_customer_is_not_escalated(self):
        self._activate("automation_escalate_unanswered")
        ticket = self._ticket(FRIDAY_10)
        self._customer_writes(ticket, datetime(2030, 1, 11, 11, 0))
        self._customer_writes(ticket, datetime(2030, 1, 11, 12, 0))
        self._reply(ticket, datetime(2030, 1, 11, 13, 0))
        self._customer_writes(ticket, datetime(2030, 1, 11, 14, 0))
        self.assertFalse(ticket.escalation_level)

    # ------------------------------------------------------------------
    # A VIP ticket breaching its target
    # ------------------------------------------------------------------

    def _breach(self, customer):
        ticket = self._ticket(FRIDAY_10, partner_id=customer.id)
        line = self._line(ticket, "first_response")
        with patch("requests.post") as post:
            line.write({"status": "breached"})
            self.env.flush_all()
            self.env.cr.postcommit.run()
        return line, post

    def test_vip_breach_posts_the_webhook(self):
        self._activate("automation_vip_breach_webhook")
        vip = self.env["res.partner"].create(
            {"name": "Sla VIP", "is_company": True, "service_tier_id": self.env.ref("service_desk.tier_vip").id}
        )
        line, post = self._breach(vip)
        self.assertEqual(post.call_count, 1)
        payload = json.loads(post.call_args.kwargs["data"])
        self.assertEqual((payload["_model"], payload["_id"]), ("service.ticket.sla", line.id))
        self.assertEqual(payload["ticket_id"], line.ticket_id.id)

    def test_other_breach_posts_nothing(self):
        self._activate("automation_vip_breach_webhook")
        __, post = self._breach(self.gold_customer)
        post.assert_not_called()
