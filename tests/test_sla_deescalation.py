from odoo.tests import tagged

from .common import FRIDAY, at
from .test_sla_ladder import TUESDAY, WEDNESDAY, SlaLadderCommon


@tagged("post_install", "-at_install")
class TestSlaLevelRemoved(SlaLadderCommon):
    """A level removed from a policy's ladder takes back what it did: its
    open activities are marked done and the targets they were about log it."""

    def _level(self, trigger, value):
        level = self.ladder_policy.escalation_ids.filtered(lambda lvl: lvl.trigger == trigger and lvl.value == value)
        self.assertEqual(len(level), 1)
        return level

    def _open_activities(self, ticket):
        return self.env["mail.activity"].search([("res_model", "=", "service.ticket"), ("res_id", "=", ticket.id)])

    def test_removed_level_closes_its_activities_only(self):
        ticket, line = self._acted_ticket()
        other, other_line = self._acted_ticket()
        agent_activity = self._ladder_activities(ticket, self.agent)
        self.assertEqual(len(agent_activity), 1)
        lead_activity = self._ladder_activities(ticket, self.senior)
        self.assertEqual(len(lead_activity), 1)
        breach_level = self._level("after_breach", 0)
        # a manager removes the level on the policy form
        with self.at(at(TUESDAY, 17, 30)):
            self.ladder_policy.with_user(self.escalation_user).write({"escalation_ids": [(2, breach_level.id)]})
        self.assertFalse(breach_level.exists())
        for closed_ticket in ticket | other:
            self.assertFalse(self._ladder_activities(closed_ticket, self.senior), "the removed level's activity")
            self.assertEqual(len(self._ladder_activities(closed_ticket, self.agent)), 1, "the other level's stays")
        self.assertEqual(self._ladder_activities(ticket, self.agent), agent_activity)
        done = lead_activity.with_context(active_test=False).exists()
        self.assertFalse(done.active, "marked done, kept in the history")
        self.assertEqual(done.feedback, "Escalation level removed from the SLA policy.")
        self.assertIn("Escalation level removed from the SLA policy.", "".join(ticket.message_ids.mapped("body")))
        for target in line | other_line:
            removed = target.ticket_id.sla_event_ids.filtered(lambda event: event.kind == "level_removed")
            self.assertEqual(len(removed), 1, "logged once per target")
            self.assertEqual(removed.sla_line_id, target)
            self.assertEqual(removed.policy_id, self.ladder_policy)
            self.assertEqual(removed.date, at(TUESDAY, 17, 30))
            self.assertEqual(target.status, "breached", "the target itself is unchanged")

    def test_removing_a_level_that_never_acted_changes_nothing_else(self):
        ticket, __ = self._acted_ticket()
        activities = self._open_activities(ticket)
        events = ticket.sla_event_ids
        messages = ticket.message_ids
        manager_level = self._level("after_breach", 4)  # due on Wednesday at 12:00
        with self.at(at(TUESDAY, 17, 30)):
            manager_level.with_user(self.escalation_user).unlink()
        ticket.invalidate_recordset()
        self.assertEqual(self._open_activities(ticket), activities)
        self.assertEqual(ticket.sla_event_ids, events, "nothing logged")
        self.assertEqual(ticket.message_ids, messages, "nothing posted")
        # the removed level does not act when its moment comes
        self._run_cron(at(WEDNESDAY, 15))
        self.assertFalse(self._ladder_activities(ticket, self.escalation_user))
        self.assertEqual(self._open_activities(ticket), activities)

    def test_removing_a_level_of_a_ticket_not_yet_escalated_changes_nothing(self):
        ticket = self._ticket(at(FRIDAY, 15))
        events = ticket.sla_event_ids
        self._level("percent_used", 75).unlink()
        self.assertFalse(self._open_activities(ticket))
        self.assertEqual(ticket.sla_event_ids, events)


@tagged("post_install", "-at_install")
class TestSlaReachedLate(SlaLadderCommon):
    """A target reached after its deadline logs 'reached_late' (its status
    stays breached); 'met' is only logged for a target met in time."""

    def _kinds(self, line):
        return line.ticket_id.sla_event_ids.filtered(lambda event: event.sla_line_id == line).mapped("kind")

    def _resolve(self, ticket, when):
        with self.at(when):
            ticket.stage_id = self.stage_resolved

    def test_met_in_time_logs_met(self):
        ticket = self._ticket(at(FRIDAY, 15))
        line = self._line(ticket, "resolution")
        self._resolve(ticket, at(TUESDAY, 15))
        self.assertEqual(line.status, "met")
        self.assertEqual(self._kinds(line), ["applied", "met"])

    def test_reached_after_the_breach_logs_reached_late_once(self):
        ticket, line = self._acted_ticket()
        self._resolve(ticket, at(WEDNESDAY, 9))
        self.assertEqual(line.status, "breached", "late stays breached")
        self.assertEqual(line.reached_date, at(WEDNESDAY, 9))
        self.assertEqual(self._kinds(line), ["applied", "at_risk", "breached", "reached_late"])
        late = ticket.sla_event_ids.filtered(lambda event: event.kind == "reached_late")
        self.assertEqual(late.date, at(WEDNESDAY, 9))
        self.assertEqual(late.policy_id, self.ladder_policy)
        self.assertFalse(self._ladder_activities(ticket, self.senior), "de-escalated as when met")
        # closing the resolved ticket reaches nothing again
        with self.at(at(WEDNESDAY, 10)):
            ticket.stage_id = self.stage_closed
        self.assertEqual(self._kinds(line), ["applied", "at_risk", "breached", "reached_late"], "nothing twice")

    def test_reached_after_the_deadline_before_the_watch_ran_logs_reached_late(self):
        ticket = self._ticket(at(FRIDAY, 15))
        line = self._line(ticket, "resolution")
        self._resolve(ticket, at(TUESDAY, 17, 30))  # deadline Tuesday 17:00, no cron ran
        self.assertEqual(line.status, "breached")
        self.assertEqual(self._kinds(line), ["applied", "reached_late"])
