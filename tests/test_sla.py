from contextlib import closing
from datetime import datetime
from unittest.mock import patch

from odoo import api
from odoo.tests import tagged

from .common import FRIDAY, SlaCommon, WorkerCase, at, watching_cache_clears


@tagged("post_install", "-at_install")
class TestSlaClock(SlaCommon):
    def test_deadline_within_the_day(self):
        ticket = self._ticket(at(FRIDAY, 9))
        self.assertEqual(ticket.sla_policy_id, self.policy)
        self.assertEqual(self._line(ticket, "first_response").deadline, at(FRIDAY, 11))
        self.assertEqual(self._line(ticket, "first_response").warning_date, at(FRIDAY, 10))
        self.assertEqual(ticket.sla_status, "ongoing")
        self.assertEqual(ticket.sla_deadline, at(FRIDAY, 11))

    def test_lunch_break_is_not_working_time(self):
        ticket = self._ticket(at(FRIDAY, 11))
        self.assertEqual(self._line(ticket, "first_response").deadline, at(FRIDAY, 14))

    def test_weekend_inside_target(self):
        ticket = self._ticket(at(FRIDAY, 15))
        self.assertEqual(self._line(ticket, "first_response").deadline, at(FRIDAY, 17))
        # 2 hours on Friday, 8 on Monday
        self.assertEqual(self._line(ticket, "resolution").deadline, datetime(2026, 11, 23, 17, 0))

    def test_public_holiday_inside_target(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime(2026, 11, 23, 0, 0),
                "date_to": datetime(2026, 11, 23, 23, 59, 59),
            }
        )
        ticket = self._ticket(at(FRIDAY, 15))
        # Monday is off: the 8 remaining hours fall on Tuesday
        self.assertEqual(self._line(ticket, "resolution").deadline, datetime(2026, 11, 24, 17, 0))

    def test_holiday_added_after_planning_moves_the_next_deadline(self):
        # working periods are cached per calendar and week: a new holiday must reach the next ticket
        first = self._ticket(at(FRIDAY, 15))
        self.assertEqual(self._line(first, "resolution").deadline, datetime(2026, 11, 23, 17, 0))
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime(2026, 11, 23, 0, 0),
                "date_to": datetime(2026, 11, 23, 23, 59, 59),
            }
        )
        second = self._ticket(at(FRIDAY, 15))
        self.assertEqual(self._line(second, "resolution").deadline, datetime(2026, 11, 24, 17, 0))
        self.calendar.attendance_ids.filtered(lambda a: a.dayofweek == "1" and a.hour_from >= 12).unlink()
        third = self._ticket(at(FRIDAY, 15))
        # Tuesday now ends at noon: 4 hours there, the last 4 on Wednesday
        self.assertEqual(self._line(third, "resolution").deadline, datetime(2026, 11, 25, 12, 0))

    def test_removed_holidays_and_hours_reach_the_next_deadline_and_time_off_does_not(self):
        # cached weeks are renewed by changes of the calendar's own working time only
        employee = self.env["hr.employee"].create(
            {"name": "Sla Agent", "user_id": self.agent.id, "resource_calendar_id": self.calendar.id}
        )
        monday = datetime(2026, 11, 23)
        monday_afternoon = self.calendar.attendance_ids.filtered(
            lambda a: a.dayofweek == "0" and a.day_period == "afternoon"
        )

        def resolution_deadline():
            return self._line(self._ticket(at(FRIDAY, 15)), "resolution").deadline

        with watching_cache_clears() as clears:
            self.env["resource.calendar.leaves"].create(
                {
                    "name": "The agent's day off",
                    "resource_id": employee.resource_id.id,
                    "calendar_id": self.calendar.id,
                    "date_from": monday,
                    "date_to": at(monday, 23, 59),
                }
            )
            self.assertEqual(resolution_deadline(), at(monday, 17), "the desk's hours, not one agent's")
            holiday = self.env["resource.calendar.leaves"].create(
                {"name": "Holiday", "calendar_id": self.calendar.id, "date_from": monday, "date_to": at(monday, 23, 59)}
            )
            self.assertEqual(resolution_deadline(), datetime(2026, 11, 24, 17, 0))
            holiday.unlink()
            self.assertEqual(resolution_deadline(), at(monday, 17), "the holiday cancelled")
            monday_afternoon.hour_to = 15
            self.assertEqual(resolution_deadline(), datetime(2026, 11, 24, 10, 0), "Monday ends at 15:00")
            monday_afternoon.hour_to = 17
            self.assertEqual(resolution_deadline(), at(monday, 17), "the hours restored")
        clears.assert_not_called()

    def test_ticket_created_outside_working_hours(self):
        saturday = datetime(2026, 11, 21, 10, 0)
        ticket = self._ticket(saturday)
        line = self._line(ticket, "first_response")
        self.assertEqual(line.start_date, saturday)
        self.assertEqual(line.deadline, datetime(2026, 11, 23, 10, 0))

    def test_pause_moves_deadline_by_paused_working_time(self):
        ticket = self._ticket(at(FRIDAY, 9))
        with self.at(at(FRIDAY, 10)):
            ticket.stage_id = self.stage_waiting
        line = self._line(ticket, "first_response")
        self.assertEqual(line.status, "paused")
        self.assertFalse(ticket.sla_deadline, "a paused target has no running deadline")
        self.assertEqual(ticket.sla_status, "ongoing")
        with self.at(at(FRIDAY, 15)):
            ticket.stage_id = self.stage_progress
        # paused 10:00-15:00 = 4 working hours (lunch excluded)
        self.assertEqual(line.paused_hours, 4.0)
        self.assertEqual(line.status, "ongoing")
        self.assertEqual(line.deadline, at(FRIDAY, 16))

    def test_pause_over_weekend_counts_only_working_time(self):
        ticket = self._ticket(at(FRIDAY, 16))
        with self.at(at(FRIDAY, 16, 30)):
            ticket.stage_id = self.stage_waiting
        with self.at(datetime(2026, 11, 23, 8, 0)):
            ticket.stage_id = self.stage_progress
        line = self._line(ticket, "first_response")
        self.assertEqual(line.paused_hours, 0.5)
        # 1 hour left when paused at 16:30 Friday (0.5 used): deadline Monday 9:30
        self.assertEqual(line.deadline, datetime(2026, 11, 23, 9, 30))

    def test_pause_after_deadline_does_not_save_target(self):
        ticket = self._ticket(at(FRIDAY, 9))
        with self.at(at(FRIDAY, 12)):
            ticket.stage_id = self.stage_waiting
        line = self._line(ticket, "first_response")
        self.assertNotEqual(line.status, "paused")
        self.assertEqual(line.deadline, at(FRIDAY, 11))
        self._reply(ticket, at(FRIDAY, 16))
        self.assertEqual(line.status, "breached")

    def test_reopen_resumes_the_same_clock(self):
        ticket = self._ticket(at(FRIDAY, 8))
        with self.at(at(FRIDAY, 10)):
            ticket.stage_id = self.stage_resolved
        resolution = self._line(ticket, "resolution")
        self.assertEqual(resolution.status, "met")
        self.assertEqual(resolution.elapsed_hours, 2.0)
        self.assertEqual(ticket.resolution_hours, 2.0)
        with self.at(datetime(2026, 11, 23, 9, 0)):
            ticket.action_reopen()
        self.assertFalse(resolution.reached_date)
        self.assertEqual(resolution.status, "ongoing")
        # resolved Friday 10:00 to Monday 9:00 = 7 working hours that do not count
        self.assertEqual(resolution.paused_hours, 7.0)
        self.assertEqual(resolution.start_date, at(FRIDAY, 8))
        # 10 hours target: 2 used on Friday, 8 left from Monday 9:00
        self.assertEqual(resolution.deadline, datetime(2026, 11, 24, 9, 0))
        with self.at(datetime(2026, 11, 23, 11, 0)):
            ticket.stage_id = self.stage_resolved
        self.assertEqual(resolution.status, "met")
        self.assertEqual(resolution.elapsed_hours, 4.0)

    def test_resolution_late_is_breached(self):
        ticket = self._ticket(at(FRIDAY, 8))
        with self.at(datetime(2026, 11, 24, 8, 0)):
            ticket.stage_id = self.stage_resolved
        self.assertEqual(self._line(ticket, "resolution").status, "breached")
        # the first response never came: the deadline watch breaches it
        with self.at(datetime(2026, 11, 24, 8, 5)):
            self.env["service.ticket.sla"]._cron_check_deadlines()
        self.assertEqual(self._line(ticket, "first_response").status, "breached")
        self.assertEqual(ticket.sla_status, "breached")

    def test_two_companies_with_their_calendars(self):
        company2 = self.env["res.company"].create({"name": "SLA Bangkok Co"})
        bangkok = self._create_calendar("Bangkok hours", tz="Asia/Bangkok", company=company2)
        team2 = self.env["service.team"].create(
            {
                "name": "Bangkok desk",
                "company_id": company2.id,
                "resource_calendar_id": bangkok.id,
            }
        )
        policy2 = self._make_policy(
            "Bangkok", first_response_hours=2, resolution_hours=8, company_id=company2.id, sequence=1
        )
        # Friday 9:00 UTC is 16:00 in Bangkok: 1 hour left that day, 1 more on Monday
        ticket2 = self._ticket(at(FRIDAY, 9), team_id=team2.id, user_id=False)
        ticket1 = self._ticket(at(FRIDAY, 9))
        self.assertEqual(ticket2.company_id, company2)
        self.assertEqual(ticket2.sla_policy_id, policy2)
        self.assertEqual(ticket1.sla_policy_id, self.policy, "the other company's policy never applies")
        self.assertEqual(self._line(ticket2, "first_response").deadline, datetime(2026, 11, 23, 2, 0))
        self.assertEqual(self._line(ticket1, "first_response").deadline, at(FRIDAY, 11))

    def test_policy_calendar_wins_over_team_calendar(self):
        night = self._create_calendar("Night shift", tz="UTC")
        night.attendance_ids.unlink()
        night.attendance_ids = [
            (0, 0, {"name": f"day {d}", "dayofweek": str(d), "hour_from": 18, "hour_to": 22}) for d in range(7)
        ]
        self.policy.resource_calendar_id = night
        ticket = self._ticket(at(FRIDAY, 9))
        self.assertEqual(self._line(ticket, "first_response").deadline, at(FRIDAY, 20))


@tagged("post_install", "-at_install")
class TestSlaResponses(SlaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.next_response_hours = 1

    def test_public_reply_meets_first_response(self):
        ticket = self._ticket(at(FRIDAY, 9))
        self._reply(ticket, at(FRIDAY, 10))
        line = self._line(ticket, "first_response")
        self.assertEqual(line.reached_date, at(FRIDAY, 10))
        self.assertEqual(line.status, "met")
        self.assertEqual(ticket.first_response_date, at(FRIDAY, 10))
        self.assertEqual(ticket.first_response_hours, 1.0)

    def test_note_does_not_meet_first_response(self):
        ticket = self._ticket(at(FRIDAY, 9))
        with self.at(at(FRIDAY, 10)):
            ticket.with_user(self.agent).message_post(
                body="internal", message_type="comment", subtype_xmlid="mail.mt_note"
            )
        self.assertFalse(self._line(ticket, "first_response").reached_date)
        self.assertFalse(ticket.first_response_date)

    def test_stage_change_does_not_meet_first_response(self):
        ticket = self._ticket(at(FRIDAY, 9))
        with self.at(at(FRIDAY, 10)):
            ticket.stage_id = self.stage_progress
        self.assertFalse(self._line(ticket, "first_response").reached_date)

    def test_acknowledgement_does_not_meet_first_response(self):
        self.assertTrue(self.stage_new.template_id, "the New stage sends the acknowledgement")
        ticket = self._ticket(at(FRIDAY, 9))
        with self.at(at(FRIDAY, 9)):
            self.env.flush_all()
            ticket._message_track_post_template(["stage_id"])
        acks = ticket.message_ids.filtered(lambda m: ticket.number in (m.subject or ""))
        self.assertTrue(acks, "the acknowledgement was posted")
        self.assertFalse(self._line(ticket, "first_response").reached_date)

    def test_customer_message_does_not_meet_first_response(self):
        ticket = self._ticket(at(FRIDAY, 9))
        self._customer_writes(ticket, at(FRIDAY, 9, 30))
        self.assertFalse(self._line(ticket, "first_response").reached_date)
        self.assertFalse(
            ticket.sla_line_ids.filtered(lambda line: line.target_type == "next_response"),
            "next response opens only after the first response",
        )

    def test_next_response_opens_on_customer_message_after_first_response(self):
        ticket = self._ticket(at(FRIDAY, 9))
        self._reply(ticket, at(FRIDAY, 9, 30))
        self._customer_writes(ticket, at(FRIDAY, 11))
        line = self._line(ticket, "next_response")
        self.assertEqual(line.start_date, at(FRIDAY, 11))
        self.assertEqual(line.deadline, at(FRIDAY, 12))
        # a second customer message does not open a second target
        self._customer_writes(ticket, at(FRIDAY, 11, 30))
        self._line(ticket, "next_response")
        self._reply(ticket, at(FRIDAY, 13, 30))
        self.assertEqual(line.status, "breached")
        self._customer_writes(ticket, at(FRIDAY, 14))
        lines = ticket.sla_line_ids.filtered(lambda line: line.target_type == "next_response")
        self.assertEqual(len(lines), 2)
        self.assertEqual(lines.filtered(lambda line: not line.reached_date).deadline, at(FRIDAY, 15))

    def test_first_response_without_policy_still_dated(self):
        self.policy.active = False
        ticket = self._ticket(at(FRIDAY, 9))
        self.assertEqual(ticket.sla_status, "none")
        self._reply(ticket, at(FRIDAY, 11))
        self.assertEqual(ticket.first_response_date, at(FRIDAY, 11))
        self.assertEqual(ticket.first_response_hours, 2.0, "team's calendar when no policy applies")


@tagged("post_install", "-at_install")
class TestSlaPolicyChoice(SlaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.urgent = cls._make_policy(
            "Urgent", min_priority="3", first_response_hours=1, resolution_hours=4, sequence=10
        )
        cls.tier_policy = cls._make_policy(
            "Gold tier",
            first_response_hours=3,
            resolution_hours=6,
            sequence=90,
            team_ids=[(6, 0, cls.env["service.team"].create({"name": "Nobody's"}).ids)],
        )
        cls.gold.sla_policy_id = cls.tier_policy

    def test_first_matching_policy_by_sequence(self):
        ticket = self._ticket(at(FRIDAY, 9), priority="3")
        self.assertEqual(ticket.sla_policy_id, self.urgent)
        self.assertIn("priority", ticket.sla_policy_reason.lower())
        self.urgent.sequence = 60
        ticket2 = self._ticket(at(FRIDAY, 9), priority="3")
        self.assertEqual(ticket2.sla_policy_id, self.policy, "lower sequence wins")

    def test_every_condition_must_match(self):
        category = self.env["service.category"].create({"name": "Printers"})
        sub = self.env["service.category"].create({"name": "Laser", "parent_id": category.id})
        special = self._make_policy(
            "Printers incidents",
            first_response_hours=1,
            resolution_hours=2,
            sequence=5,
            category_ids=[(6, 0, category.ids)],
            ticket_types=[(6, 0, self.env.ref("service_desk.ticket_type_incident").ids)],
            partner_ids=[(6, 0, self.customer.ids)],
            team_ids=[(6, 0, self.team.ids)],
        )
        self.assertEqual(
            self._ticket(at(FRIDAY, 9), category_id=sub.id, ticket_type="incident").sla_policy_id,
            special,
            "a subcategory matches its parent's condition",
        )
        self.assertEqual(
            self._ticket(at(FRIDAY, 9), category_id=sub.id, ticket_type="question").sla_policy_id, self.policy
        )
        self.assertEqual(self._ticket(at(FRIDAY, 9), ticket_type="incident").sla_policy_id, self.policy)
        contact = self.env["res.partner"].create({"name": "Contact", "parent_id": self.customer.id})
        self.assertEqual(
            self._ticket(
                at(FRIDAY, 9), category_id=category.id, ticket_type="incident", partner_id=contact.id
            ).sla_policy_id,
            special,
            "a contact of a listed customer matches",
        )

    def test_changed_conditions_apply_to_the_next_ticket(self):
        # the policies' conditions are kept in a cache: any change must reach the next ticket
        self.assertEqual(self._ticket(at(FRIDAY, 9), priority="3").sla_policy_id, self.urgent)
        self.urgent.min_priority = False
        self.urgent.team_ids = self.env["service.team"].create({"name": "Other team"})
        self.assertEqual(self._ticket(at(FRIDAY, 9), priority="3").sla_policy_id, self.policy)
        self.urgent.team_ids = self.team
        self.assertEqual(self._ticket(at(FRIDAY, 9), priority="0").sla_policy_id, self.urgent)

    def test_policy_and_type_changes_reach_the_next_ticket_without_clearing_caches(self):
        # the conditions are cached under a version renewed in the database: every worker reads it
        question = self.env.ref("service_desk.ticket_type_question")
        self.env.ref("service_desk.ticket_type_incident").unlink()

        def policy_of(ticket_type):
            return self._ticket(at(FRIDAY, 9), ticket_type=ticket_type).sla_policy_id

        with watching_cache_clears() as clears:
            outage = self.env["service.ticket.type"].create({"name": "Outage", "code": "incident"})
            questions = self._make_policy(
                "Questions", first_response_hours=1, resolution_hours=2, sequence=1, ticket_types=[(6, 0, question.ids)]
            )
            outages = self._make_policy(
                "Outages", first_response_hours=1, resolution_hours=2, sequence=2, ticket_types=[(6, 0, outage.ids)]
            )
            self.assertEqual((policy_of("question"), policy_of("incident")), (questions, outages))
            self.assertEqual(policy_of("complaint"), self.policy)
            outage.unlink()
            self.assertEqual(policy_of("complaint"), outages, "its type condition went with the type")
            question.code = "incident"
            self.assertEqual((policy_of("incident"), policy_of("question")), (questions, outages))
            questions.active = False
            self.assertEqual(policy_of("incident"), outages)
            outages.sequence = 60
            self.assertEqual(policy_of("incident"), self.policy)
            self._make_policy("Unused", resolution_hours=1, sequence=99).unlink()
        clears.assert_not_called()

    def test_new_ticket_policy_is_not_a_tracked_change(self):
        ticket = self._ticket(at(FRIDAY, 9))
        ticket.flush_recordset()
        self.env.cr.precommit.run()
        tracked = ticket.message_ids.tracking_value_ids.filtered(lambda v: v.field_id.name == "sla_policy_id")
        self.assertFalse(tracked, "the policy a ticket is created with is not logged as a change")

    def test_tier_policy_when_no_policy_matches(self):
        self.policy.active = False
        ticket = self._ticket(at(FRIDAY, 9), partner_id=self.gold_customer.id)
        self.assertEqual(ticket.sla_policy_id, self.tier_policy)
        self.assertIn(self.gold.name, ticket.sla_policy_reason)
        self.assertEqual(self.gold_customer.service_sla_policy_id, self.tier_policy)
        self.assertFalse(self._ticket(at(FRIDAY, 9)).sla_policy_id, "no tier, no policy")

    def test_conditions_win_over_tier(self):
        ticket = self._ticket(at(FRIDAY, 9), partner_id=self.gold_customer.id)
        self.assertEqual(ticket.sla_policy_id, self.policy)

    def test_contract_wins_over_conditions(self):
        contract_policy = self._make_policy("Contract", first_response_hours=5, resolution_hours=9, sequence=99)
        ticket_model = type(self.env["service.ticket"])
        with patch.object(ticket_model, "_sla_contract_policy", lambda t: (contract_policy, "Contract C-1")):
            ticket = self._ticket(at(FRIDAY, 9), priority="3", partner_id=self.gold_customer.id)
        self.assertEqual(ticket.sla_policy_id, contract_policy)
        self.assertEqual(ticket.sla_policy_reason, "Contract C-1")

    def test_priority_change_reevaluates_open_targets(self):
        ticket = self._ticket(at(FRIDAY, 9))
        self._reply(ticket, at(FRIDAY, 9, 30))
        first = self._line(ticket, "first_response")
        with self.at(at(FRIDAY, 10)):
            ticket.priority = "3"
        self.assertEqual(ticket.sla_policy_id, self.urgent)
        self.assertIn(first, ticket.sla_line_ids, "reached targets stay")
        self.assertEqual(first.policy_id, self.policy)
        resolution = self._line(ticket, "resolution")
        self.assertEqual(resolution.policy_id, self.urgent)
        self.assertEqual(resolution.start_date, at(FRIDAY, 9), "start date kept")
        self.assertEqual(resolution.deadline, at(FRIDAY, 14), "4 working hours from 9:00, lunch excluded")

    def test_customer_change_reevaluates(self):
        self.policy.active = False
        ticket = self._ticket(at(FRIDAY, 9))
        self.assertFalse(ticket.sla_line_ids)
        with self.at(at(FRIDAY, 10)):
            ticket.partner_id = self.gold_customer
        self.assertEqual(ticket.sla_policy_id, self.tier_policy)
        self.assertEqual(self._line(ticket, "first_response").start_date, at(FRIDAY, 9))
        self.assertEqual(self._line(ticket, "first_response").deadline, at(FRIDAY, 12))

    def test_no_reevaluation_once_targets_reached(self):
        ticket = self._ticket(at(FRIDAY, 9))
        self._reply(ticket, at(FRIDAY, 9, 30))
        with self.at(at(FRIDAY, 10)):
            ticket.stage_id = self.stage_resolved
        lines = ticket.sla_line_ids
        with self.at(at(FRIDAY, 11)):
            ticket.priority = "3"
        self.assertEqual(ticket.sla_policy_id, self.policy)
        self.assertEqual(ticket.sla_line_ids, lines)

    def test_policy_match_queries_do_not_grow_with_policies(self):
        def queries_for_one_ticket():
            self._ticket(at(FRIDAY, 9), priority="2")  # warm-up
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self._ticket(at(FRIDAY, 9), priority="2")
            return self.env.cr.sql_log_count - before

        # 5 active policies (the default one and the urgent one of the class included), then 50
        for i in range(2):
            self._make_policy(
                f"Other {i}",
                first_response_hours=1,
                resolution_hours=2,
                sequence=20,
                partner_ids=[(6, 0, self.gold_customer.ids)],
            )
        self.assertEqual(self.env["service.sla.policy"].search_count([]), 5)
        few = queries_for_one_ticket()
        for i in range(45):
            self._make_policy(
                f"More {i}",
                first_response_hours=1,
                resolution_hours=2,
                sequence=20,
                partner_ids=[(6, 0, self.gold_customer.ids)],
            )
        self.assertEqual(self.env["service.sla.policy"].search_count([]), 50)
        many = queries_for_one_ticket()
        self.assertEqual(few, many)


@tagged("post_install", "-at_install")
class TestSlaDeadlineCron(SlaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.policy.escalation_user_id = cls.escalation_user

    def _activities(self, ticket, user):
        return ticket.activity_ids.filtered(lambda a: a.user_id == user)

    def _run_cron(self, when, **kwargs):
        with self.at(when):
            self.env["service.ticket.sla"]._cron_check_deadlines(**kwargs)

    def test_at_risk_warns_agent_once(self):
        ticket = self._ticket(at(FRIDAY, 9))
        self._run_cron(at(FRIDAY, 9, 30))
        self.assertEqual(self._line(ticket, "first_response").status, "ongoing")
        self._run_cron(at(FRIDAY, 10, 15))
        line = self._line(ticket, "first_response")
        self.assertEqual(line.status, "at_risk")
        self.assertEqual(ticket.sla_status, "at_risk")
        self.assertEqual(len(self._activities(ticket, self.agent)), 1)
        self._run_cron(at(FRIDAY, 10, 30))
        self.assertEqual(len(self._activities(ticket, self.agent)), 1, "warned once")

    def test_at_risk_without_agent_warns_seniors(self):
        ticket = self._ticket(at(FRIDAY, 9), user_id=False)
        self._run_cron(at(FRIDAY, 10, 15))
        self.assertEqual(len(self._activities(ticket, self.senior)), 1)

    def test_breach_escalates_once(self):
        ticket = self._ticket(at(FRIDAY, 9))
        self._run_cron(at(FRIDAY, 11, 30))
        line = self._line(ticket, "first_response")
        self.assertEqual(line.status, "breached")
        self.assertTrue(line.escalated)
        self.assertEqual(ticket.escalation_level, 1)
        self.assertEqual(ticket.sla_status, "breached")
        self.assertEqual(len(self._activities(ticket, self.escalation_user)), 1)
        self.assertFalse(self._activities(ticket, self.agent), "a breach skips the at-risk warning")
        self._run_cron(at(FRIDAY, 12))
        self._run_cron(at(FRIDAY, 16))
        self.assertEqual(ticket.escalation_level, 1, "escalated once across runs")
        self.assertEqual(len(self._activities(ticket, self.escalation_user)), 1)
        # the resolution target breaches on its own, later
        self._run_cron(datetime(2026, 11, 23, 17, 30))
        self.assertEqual(ticket.escalation_level, 2)

    def test_breach_without_escalation_user_goes_to_seniors(self):
        self.policy.escalation_user_id = False
        ticket = self._ticket(at(FRIDAY, 9))
        self._run_cron(at(FRIDAY, 11, 30))
        self.assertEqual(len(self._activities(ticket, self.senior)), 1)

    def test_paused_and_reached_targets_are_not_due(self):
        paused = self._ticket(at(FRIDAY, 9))
        met = self._ticket(at(FRIDAY, 9))
        with self.at(at(FRIDAY, 9, 30)):
            paused.stage_id = self.stage_waiting
        self._reply(met, at(FRIDAY, 9, 30))
        self._run_cron(at(FRIDAY, 16))
        self.assertEqual(self._line(paused, "first_response").status, "paused")
        self.assertEqual(self._line(met, "first_response").status, "met")
        self.assertEqual(paused.escalation_level + met.escalation_level, 0)

    def test_interrupted_run_resumes_to_the_same_state(self):
        tickets = self.env["service.ticket"]
        for _i in range(5):
            tickets |= self._ticket(at(FRIDAY, 9))
        model = type(self.env["service.ticket.sla"])
        original = model._escalate_breaches
        calls = []

        def failing(lines):
            calls.append(len(lines))
            if len(calls) == 3:
                raise RuntimeError("worker killed")
            return original(lines)

        # no savepoint here: what the first batches did stays, as a commit per batch would keep it
        interrupted = False
        with patch.object(model, "_escalate_breaches", failing):
            try:
                self._run_cron(at(FRIDAY, 11, 30), batch_size=1)
            except RuntimeError:
                interrupted = True
        self.assertTrue(interrupted)
        self.assertEqual(sum(tickets.mapped("escalation_level")), 2)
        self._run_cron(at(FRIDAY, 11, 30), batch_size=1)
        self.assertEqual(tickets.mapped("escalation_level"), [1] * 5)
        self.assertTrue(all(line.escalated for line in tickets.sla_line_ids if line.target_type == "first_response"))


@tagged("post_install", "-at_install")
class TestSlaCompliance(SlaCommon):
    def test_compliance_figures_by_team(self):
        durations = [1, 2, 3, 4, 6]  # working hours to first response, all on Friday from 8:00
        for hours in durations:
            ticket = self._ticket(at(FRIDAY, 8))
            self._reply(ticket, at(FRIDAY, 8 + hours + (1 if 8 + hours > 12 else 0)))
        groups = self.env["service.ticket.sla"]._read_group(
            [("team_id", "=", self.team.id), ("target_type", "=", "first_response")],
            ["team_id"],
            ["met_count:sum", "breached_count:sum", "elapsed_hours_median:median", "elapsed_hours_p90:p90"],
        )
        [(team, met, breached, median, p90)] = groups
        self.assertEqual(team, self.team)
        self.assertEqual((met, breached), (2, 3), "target is 2 working hours")
        self.assertAlmostEqual(median, 3.0)
        self.assertAlmostEqual(p90, 5.2)  # between 4 and 6

    def test_running_targets_are_left_out_of_percentiles(self):
        self._ticket(at(FRIDAY, 8))
        ticket = self._ticket(at(FRIDAY, 8))
        self._reply(ticket, at(FRIDAY, 9))
        [(median,)] = self.env["service.ticket.sla"]._read_group(
            [("team_id", "=", self.team.id), ("target_type", "=", "first_response")],
            [],
            ["elapsed_hours_median:median"],
        )
        self.assertAlmostEqual(median, 1.0)

    def test_pivot_measures_are_described(self):
        fields_info = self.env["service.ticket.sla"].fields_get(
            ["elapsed_hours_median", "elapsed_hours_p90"], ["aggregator"]
        )
        self.assertEqual(fields_info["elapsed_hours_median"]["aggregator"], "median")
        self.assertEqual(fields_info["elapsed_hours_p90"]["aggregator"], "p90")


@tagged("post_install", "-at_install")
class TestSlaEscalationToAnotherTeam(SlaCommon):
    def test_breach_escalated_to_another_team_is_not_escalated_again(self):
        experts = self.env["service.team"].create(
            {
                "name": "SLA experts",
                "resource_calendar_id": self.calendar.id,
                "member_ids": [(0, 0, {"user_id": self.escalation_user.id, "seniority": "senior"})],
            }
        )
        self.team.member_ids.filtered(lambda m: m.seniority == "senior").unlink()
        self.team.escalation_team_id = experts
        other_policy = self._make_policy(
            "Experts", first_response_hours=3, resolution_hours=12, sequence=1, team_ids=[(6, 0, experts.ids)]
        )
        ticket = self._ticket(at(FRIDAY, 9))
        with self.at(at(FRIDAY, 11, 30)):
            self.env["service.ticket.sla"]._cron_check_deadlines()
        self.assertEqual(ticket.team_id, experts)
        self.assertEqual(ticket.sla_policy_id, other_policy)
        first = self._line(ticket, "first_response")
        self.assertEqual(first.policy_id, other_policy)
        self.assertTrue(first.escalated, "the replaced target keeps its escalation")
        self.assertEqual(first.start_date, at(FRIDAY, 9))
        with self.at(at(FRIDAY, 13, 30)):
            self.env["service.ticket.sla"]._cron_check_deadlines()
        self.assertEqual(ticket.escalation_level, 1)


@tagged("post_install", "-at_install")
class TestSlaPolicyOfCustomer(SlaCommon):
    """The customer's 360° view shows the policy their tickets get: one rule
    for both (service.sla.policy._select)."""

    def _agree(self, customer):
        ticket = self._ticket(at(FRIDAY, 9), partner_id=customer.id)
        customer.invalidate_recordset(["service_sla_policy_id"])
        self.assertEqual(customer.service_sla_policy_id, ticket.sla_policy_id)
        return ticket.sla_policy_id

    def test_policy_for_every_ticket(self):
        self.assertEqual(self._agree(self.customer), self.policy)

    def test_customer_condition_with_another_condition(self):
        """A policy naming the customer but only for urgent tickets is not
        what their tickets get."""
        self._make_policy(
            "Urgent for this customer",
            first_response_hours=1,
            resolution_hours=2,
            sequence=1,
            min_priority="3",
            partner_ids=[(6, 0, self.customer.ids)],
        )
        self.assertEqual(self._agree(self.customer), self.policy)

    def test_customer_and_tier_conditions(self):
        own = self._make_policy(
            "This customer",
            first_response_hours=1,
            resolution_hours=2,
            sequence=2,
            partner_ids=[(6, 0, self.customer.ids)],
        )
        gold = self._make_policy(
            "Gold customers", first_response_hours=1, resolution_hours=3, sequence=3, tier_ids=[(6, 0, self.gold.ids)]
        )
        self.assertEqual(self._agree(self.customer), own)
        self.assertEqual(self._agree(self.gold_customer), gold)

    def test_tier_policy_when_nothing_matches(self):
        self.policy.active = False
        tier_policy = self._make_policy(
            "Gold tier",
            first_response_hours=3,
            resolution_hours=6,
            sequence=90,
            team_ids=[(6, 0, self.env["service.team"].create({"name": "Other"}).ids)],
        )
        self.gold.sla_policy_id = tier_policy
        self.assertEqual(self._agree(self.gold_customer), tier_policy)
        self.assertFalse(self._agree(self.customer))


@tagged("post_install", "-at_install")
class TestSlaPoliciesAcrossWorkers(WorkerCase):
    """A policy changed and committed by one worker applies to the next
    ticket of every other worker, with no cache cleared anywhere. The
    cursors are the workers' own connections (see WorkerCase)."""

    desk_name = "Policies desk"
    agent_login = "policies_agent"

    def _prepare_desk(self, env):
        policy = env["service.sla.policy"].create(
            {
                "name": "Policies desk urgent",
                "sequence": 0,
                "team_ids": [(6, 0, [self.created["team"]])],
                "min_priority": "3",
                "resolution_hours": 4,
            }
        )
        self.created["policy"] = policy.id

    def _cleanup_desk(self, env):
        env["service.sla.policy"].browse(self.created["policy"]).unlink()

    def _policy_of_a_new_ticket(self, priority):
        """The policy a new ticket of the desk gets in a request of another worker."""
        with closing(self._cursor()) as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            ticket = env["service.ticket"].new({"name": "Down", "team_id": self.created["team"], "priority": priority})
            return env["service.sla.policy"]._first_matching_policy(ticket._sla_facts()).id

    def test_a_committed_change_reaches_the_next_ticket_of_other_workers(self):
        policy_id = self.created["policy"]
        self.assertEqual(self._policy_of_a_new_ticket("3"), policy_id)
        self.assertNotEqual(self._policy_of_a_new_ticket("2"), policy_id)
        with watching_cache_clears() as clears, closing(self._cursor()) as cr:
            api.Environment(cr, api.SUPERUSER_ID, {})["service.sla.policy"].browse(policy_id).min_priority = "2"
            cr.commit()  # pylint: disable=invalid-commit
            self.assertEqual(self._policy_of_a_new_ticket("2"), policy_id)
        clears.assert_not_called()
