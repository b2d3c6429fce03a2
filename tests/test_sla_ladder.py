from datetime import datetime

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import FRIDAY, SlaCommon, at

MONDAY_HOLIDAY = datetime(2026, 11, 23)
TUESDAY = datetime(2026, 11, 24)
WEDNESDAY = datetime(2026, 11, 25)


class SlaLadderCommon(SlaCommon):
    """A policy with a three-level ladder on the SLA team and a public
    holiday on the Monday after FRIDAY."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 75 % used -> the agent; at the breach -> the team's leads; breach + 4 working hours -> a manager
        cls.ladder_policy = cls._make_policy(
            "Ladder",
            resolution_hours=10,
            sequence=10,
            team_ids=[cls.team.id],
            escalation_ids=[
                (0, 0, {"sequence": 1, "trigger": "percent_used", "value": 75}),
                (0, 0, {"sequence": 2, "trigger": "after_breach", "value": 0, "notify_manager": True}),
                (0, 0, {"sequence": 3, "trigger": "after_breach", "value": 4, "user_id": cls.escalation_user.id}),
            ],
        )
        cls.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": cls.calendar.id,
                "date_from": MONDAY_HOLIDAY,
                "date_to": datetime(2026, 11, 23, 23, 59, 59),
            }
        )

    def _run_cron(self, when):
        with self.at(when):
            self.env["service.ticket.sla"]._cron_check_deadlines()

    def _ladder_activities(self, ticket, user):
        return self.env["mail.activity"].search(
            [("res_model", "=", "service.ticket"), ("res_id", "=", ticket.id), ("user_id", "=", user.id)]
        )

    def _acted_ticket(self):
        """A ticket whose resolution target is breached: the 75 % level gave
        the agent an activity, the breach level the team's lead."""
        ticket = self._ticket(at(FRIDAY, 15))
        self._run_cron(at(TUESDAY, 14, 31))
        self._run_cron(at(TUESDAY, 17, 1))
        line = self._line(ticket, "resolution")
        self.assertEqual(self.env["mail.activity"].search_count([("service_sla_line_id", "=", line.id)]), 2)
        return ticket, line


@tagged("post_install", "-at_install")
class TestSlaLadder(SlaLadderCommon):
    def test_levels_are_named_by_their_policy_and_moment(self):
        """A level's name, where activities and events show it, says when it acts."""
        self.assertEqual(
            self.ladder_policy.escalation_ids.sorted("sequence").with_context(lang="en_US").mapped("display_name"),
            [
                "Ladder: 75 % of the target used",
                "Ladder: at the breach",
                "Ladder: 4 working hours after the breach",
            ],
        )

    def test_levels_planned_over_weekend_and_holiday(self):
        ticket = self._ticket(at(FRIDAY, 15))
        line = self._line(ticket, "resolution")
        # 2 hours on Friday, nothing on the weekend nor on Monday's holiday, 8 on Tuesday
        self.assertEqual(line.deadline, at(TUESDAY, 17))
        # 75 % = 7.5 hours: 2 on Friday, 5.5 on Tuesday (8-12, 13-14:30)
        self.assertEqual(line.ladder_due_date, at(TUESDAY, 14, 30))
        dues = sorted(entry[1] for entry in line.ladder_schedule)
        # breach + 4 working hours: Wednesday 8-12
        self.assertEqual(dues, ["2026-11-24 14:30:00", "2026-11-24 17:00:00", "2026-11-25 12:00:00"])

    def test_each_level_acts_once_and_replaces_the_single_warning_and_escalation(self):
        ticket = self._ticket(at(FRIDAY, 15))
        line = self._line(ticket, "resolution")
        self._run_cron(at(TUESDAY, 14))
        self.assertEqual(line.status, "at_risk")
        self.assertFalse(self._ladder_activities(ticket, self.agent), "the ladder's level replaces the notice")
        self._run_cron(at(TUESDAY, 14, 31))
        self._run_cron(at(TUESDAY, 16))
        self.assertEqual(len(self._ladder_activities(ticket, self.agent)), 1, "75 % used: the agent, once")
        self.assertFalse(self._ladder_activities(ticket, self.senior))
        self._run_cron(at(TUESDAY, 17, 1))
        self.assertEqual(line.status, "breached")
        self.assertEqual(len(self._ladder_activities(ticket, self.senior)), 1, "at the breach: the team's lead")
        self.assertEqual(ticket.escalation_level, 0, "the ladder acts instead of the single escalation")
        self.assertFalse(self._ladder_activities(ticket, self.escalation_user))
        self._run_cron(at(WEDNESDAY, 11, 59))
        self.assertFalse(self._ladder_activities(ticket, self.escalation_user), "4 working hours not yet spent")
        self._run_cron(at(WEDNESDAY, 12, 1))
        self._run_cron(at(WEDNESDAY, 15))
        self.assertEqual(len(self._ladder_activities(ticket, self.escalation_user)), 1)
        self.assertEqual(len(self._ladder_activities(ticket, self.senior)), 1)
        self.assertEqual(len(self._ladder_activities(ticket, self.agent)), 1)
        self.assertFalse(line.ladder_due_date)

    def test_level_before_the_breach_waits_for_working_hours(self):
        ticket = self._ticket(at(FRIDAY, 15))
        line = self._line(ticket, "resolution")
        self._run_cron(at(TUESDAY, 17, 1))  # 75 % was used at 14:30, the agent stopped at 17:00
        self.assertEqual(len(self._ladder_activities(ticket, self.senior)), 1, "the breach goes at once")
        self.assertFalse(self._ladder_activities(ticket, self.agent), "the reminder waits")
        self.assertEqual(line.ladder_due_date, at(WEDNESDAY, 8))
        self._run_cron(at(WEDNESDAY, 8, 1))
        self.assertEqual(len(self._ladder_activities(ticket, self.agent)), 1)

    def test_pause_moves_the_pending_levels(self):
        ticket = self._ticket(at(FRIDAY, 15))
        line = self._line(ticket, "resolution")
        with self.at(at(FRIDAY, 16)):
            ticket.stage_id = self.stage_waiting
        with self.at(at(TUESDAY, 9)):
            ticket.stage_id = self.stage_progress
        # one working hour of Friday and one of Tuesday were paused: 2 more hours
        self.assertEqual(line.ladder_due_date, at(TUESDAY, 16, 30))

    def test_policy_without_ladder_keeps_the_single_warning_and_escalation(self):
        ticket = self._ticket(
            at(FRIDAY, 9),
            team_id=self.env["service.team"]
            .create(
                {
                    "name": "Plain",
                    "resource_calendar_id": self.calendar.id,
                    "member_ids": [(0, 0, {"user_id": self.senior.id, "seniority": "senior"})],
                }
            )
            .id,
            user_id=self.agent.id,
        )
        self.assertEqual(ticket.sla_policy_id, self.policy)
        self.assertFalse(self._line(ticket, "first_response").ladder_due_date)
        self._run_cron(at(FRIDAY, 11, 30))
        self.assertEqual(ticket.escalation_level, 1)

    # ------------------------------------------------------------------
    # De-escalation
    # ------------------------------------------------------------------

    def _assert_deescalated(self, ticket, line, feedback, chatter=None):
        self.assertFalse(self.env["mail.activity"].search([("service_sla_line_id", "=", line.id)]))
        self.assertFalse(self._ladder_activities(ticket, self.senior))
        messages = (chatter or ticket).message_ids
        self.assertIn(feedback, "".join(messages.mapped("body")), "the history stays in the chatter")

    def test_met_closes_the_ladders_activities(self):
        ticket = self._ticket(at(FRIDAY, 15))
        self._run_cron(at(TUESDAY, 14, 31))
        line = self._line(ticket, "resolution")
        with self.at(at(TUESDAY, 15)):
            ticket.stage_id = self.stage_resolved
        self.assertEqual(line.status, "met")
        self._assert_deescalated(ticket, line, "Target reached.")
        self._run_cron(at(WEDNESDAY, 15))
        self.assertFalse(self._ladder_activities(ticket, self.escalation_user), "no level after the target is met")

    def test_policy_removed_closes_the_ladders_activities(self):
        ticket, line = self._acted_ticket()
        other_team = self.env["service.team"].create({"name": "Other", "resource_calendar_id": self.calendar.id})
        with self.at(at(TUESDAY, 17, 30)):
            ticket.team_id = other_team
        self.assertEqual(ticket.sla_policy_id, self.policy)
        self._assert_deescalated(ticket, line, "SLA policy changed")
        self.assertEqual(ticket.sla_event_ids[-1:].kind, "policy_changed")

    def test_merge_cancels_and_closes_the_ladders_activities(self):
        ticket, line = self._acted_ticket()
        kept = self._ticket(at(TUESDAY, 17, 10))
        with self.at(at(TUESDAY, 17, 30)):
            ticket.action_merge_into(kept)
        self.assertEqual(line.status, "cancelled")
        # the merged ticket's chatter went to the kept one, the closed activities' notes with it
        self._assert_deescalated(ticket, line, "Ticket merged into another.", chatter=ticket | kept)
        self.assertIn("cancelled", ticket.sla_event_ids.mapped("kind"))

    # ------------------------------------------------------------------
    # Working hours of the agent
    # ------------------------------------------------------------------

    def test_at_risk_notice_waits_for_the_agents_next_working_period(self):
        self.ladder_policy.active = False
        ticket = self._ticket(at(FRIDAY, 16))  # first response: 2 hours, at risk after 1 (Friday 17:00)
        line = self._line(ticket, "first_response")
        self._run_cron(at(FRIDAY, 18))
        self.assertEqual(line.status, "at_risk")
        self.assertFalse(self._ladder_activities(ticket, self.agent), "the agent is off shift")
        # the weekend and Monday's holiday pass: the agent works again on Tuesday at 8
        self.assertEqual(line.ladder_due_date, at(TUESDAY, 8))
        self._run_cron(at(TUESDAY, 7, 59))
        self.assertFalse(self._ladder_activities(ticket, self.agent))
        self._run_cron(at(TUESDAY, 8, 1))
        self.assertEqual(len(self._ladder_activities(ticket, self.agent)), 1)
        self._run_cron(at(TUESDAY, 8, 30))
        self.assertEqual(len(self._ladder_activities(ticket, self.agent)), 1, "told once")

    def test_at_risk_notice_in_working_hours_is_at_once(self):
        self.ladder_policy.active = False
        ticket = self._ticket(at(FRIDAY, 9))
        self._run_cron(at(FRIDAY, 10, 15))
        self.assertEqual(len(self._ladder_activities(ticket, self.agent)), 1)

    def test_breach_escalation_goes_at_once_off_shift(self):
        self.ladder_policy.escalation_ids = [(5, 0, 0), (0, 0, {"trigger": "after_breach", "value": 0})]
        ticket = self._ticket(at(FRIDAY, 9))
        self._run_cron(at(TUESDAY, 18))  # deadline Tuesday 11:00 passed, nobody works at 18:00
        self.assertEqual(self._line(ticket, "resolution").status, "breached")
        self.assertEqual(len(self._ladder_activities(ticket, self.agent)), 1)

    # ------------------------------------------------------------------
    # Event log
    # ------------------------------------------------------------------

    def test_events_for_each_kind_in_order(self):
        self.ladder_policy.first_response_hours = 2
        ticket = self._ticket(at(FRIDAY, 9))
        self._reply(ticket, at(FRIDAY, 9, 30))
        with self.at(at(FRIDAY, 9, 45)):
            ticket.stage_id = self.stage_waiting
        with self.at(at(FRIDAY, 10)):
            ticket.stage_id = self.stage_progress
        self._run_cron(at(FRIDAY, 15, 30))
        self._run_cron(at(TUESDAY, 12))
        events = ticket.sla_event_ids
        self.assertEqual(
            [(event.kind, event.target_type) for event in events],
            [
                ("applied", "first_response"),
                ("applied", "resolution"),
                ("met", "first_response"),
                ("paused", "resolution"),
                ("resumed", "resolution"),
                ("at_risk", "resolution"),
                ("breached", "resolution"),
            ],
        )
        self.assertEqual(events.mapped("date")[:3], [at(FRIDAY, 9), at(FRIDAY, 9), at(FRIDAY, 9, 30)])

    def test_event_access(self):
        ticket = self._ticket(at(FRIDAY, 9))
        event = ticket.sla_event_ids
        self.assertTrue(event)
        Event = self.env["service.ticket.sla.event"]
        self.assertEqual(Event.with_user(self.agent).search([("id", "in", event.ids)]), event)
        outsider = self.env["res.users"].create(
            {
                "name": "Outside Agent",
                "login": "sla_outside_agent",
                "group_ids": [(4, self.env.ref("service_desk.group_service_user").id)],
            }
        )
        self.assertFalse(Event.with_user(outsider).search([("id", "in", event.ids)]), "not their team")
        portal = self.env["res.users"].create(
            {"name": "Portal", "login": "sla_portal", "group_ids": [(6, 0, [self.env.ref("base.group_portal").id])]}
        )
        with self.assertRaises(AccessError):
            Event.with_user(portal).search([])
        other_company = self.env["res.company"].create({"name": "SLA Other Co"})
        self.escalation_user.company_ids |= other_company
        manager_events = Event.with_user(self.escalation_user)
        self.assertEqual(manager_events.search([("id", "in", event.ids)]), event)
        elsewhere = manager_events.with_context(allowed_company_ids=[other_company.id])
        self.assertFalse(elsewhere.search([("id", "in", event.ids)]), "companies apart")
        with self.assertRaises(AccessError):
            event.with_user(self.agent).write({"kind": "met"})

    # ------------------------------------------------------------------
    # Refusals
    # ------------------------------------------------------------------

    def _refused(self, values, message):
        before = self.ladder_policy.escalation_ids.read(["trigger", "value"])
        with self.assertRaisesRegex(ValidationError, message), self.env.cr.savepoint():
            self.ladder_policy.write({"escalation_ids": [(0, 0, values)]})
        self.ladder_policy.invalidate_recordset()
        self.assertEqual(self.ladder_policy.escalation_ids.read(["trigger", "value"]), before, "nothing changed")

    def test_bad_levels_are_refused(self):
        self._refused({"trigger": "after_breach", "value": 0}, "only one level may act at the breach")
        self._refused({"trigger": "after_breach", "value": 4}, "needs a delay of its own")
        self._refused({"trigger": "after_breach", "value": -1}, "cannot act before it")
        self._refused({"trigger": "percent_used", "value": 0}, "1 to 100")
        self._refused({"trigger": "percent_used", "value": -5}, "1 to 100")
        self._refused({"trigger": "percent_used", "value": 101}, "1 to 100")
        # a level with a delay of its own is accepted
        self.ladder_policy.write({"escalation_ids": [(0, 0, {"trigger": "after_breach", "value": 8})]})
        self.assertEqual(len(self.ladder_policy.escalation_ids), 4)
