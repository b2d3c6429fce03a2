from contextlib import closing
from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo import api
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval
from odoo.tools.sql import column_exists

from .common import MONDAY, WEDNESDAY_10, WEDNESDAY_20, RoutingCommon, WorkerCase, computed_calendars, watching_caches


@tagged("post_install", "-at_install")
class TestRoutingRules(RoutingCommon):
    def _read_utc(self, ticket):
        return ticket.with_context(tz="UTC", lang="en_US").routing_explanation

    def _away_until_friday_night(self, member):
        """Time off for `member` from Monday 2030-01-07 to Friday 23:00 UTC."""
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Holidays",
                "resource_id": member.employee_id.resource_id.id,
                "calendar_id": self.day_calendar.id,
                "date_from": datetime(2030, 1, 7),
                "date_to": datetime(2030, 1, 11, 23, 0),
            }
        )

    def test_missing_skill_is_excluded(self):
        novice = self._agent("Novice", {self.networks: self.expert})
        expert = self._agent("Expert", {self.printers: self.expert})
        ticket = self._ticket()
        self.assertEqual(ticket.user_id, expert.user_id)
        self.assertIn("missing skill Printers at level Confirmed", ticket.routing_explanation)
        self.assertIn(novice.user_id.name, ticket.routing_explanation)

    def test_level_too_low_is_excluded(self):
        self._agent("Low", {self.printers: self.beginner})
        ticket = self._ticket()
        self.assertFalse(ticket.user_id)
        self.assertIn("missing skill Printers at level Confirmed", ticket.routing_explanation)

    def test_expired_skill_does_not_count(self):
        member = self._agent("Expired")
        self._give_skill(member.employee_id, self.printers, self.expert, valid_to=date(2029, 12, 31))
        self.assertFalse(self._ticket().user_id)
        member.employee_id.employee_skill_ids.valid_to = date(2030, 12, 31)
        self.assertEqual(self._ticket().user_id, member.user_id)

    def test_capacity_reached_is_excluded(self):
        busy = self._agent("Busy", {self.printers: self.expert}, capacity=2)
        free = self._agent("Free", {self.printers: self.confirmed}, capacity=5)
        self._load(busy, 2)
        ticket = self._ticket()
        self.assertEqual(ticket.user_id, free.user_id)
        self.assertIn("at capacity 2/2", ticket.routing_explanation)

    def test_time_off_today_is_skipped(self):
        away = self._agent("Away", {self.printers: self.expert})
        present = self._agent("Present", {self.printers: self.confirmed})
        self._away_until_friday_night(away)
        ticket = self._ticket()
        self.assertEqual(ticket.user_id, present.user_id)
        self.assertIn("on time off until 01/11/2030 11:00 PM", self._read_utc(ticket))

    def test_explanation_speaks_the_readers_time_zone_and_language(self):
        """The facts are kept as UTC datetimes; each reader reads them in
        their own time zone and date format."""
        away = self._agent("Away", {self.printers: self.expert})
        self._agent("Present", {self.printers: self.confirmed})
        self._away_until_friday_night(away)
        ticket = self._ticket()
        self.env["res.lang"]._activate_lang("fr_FR")
        in_bangkok = ticket.with_context(lang="fr_FR", tz="Asia/Bangkok").routing_explanation
        self.assertIn("12/01/2030 06:00", in_bangkok, "Bangkok is 7 hours ahead, French dates are day first")
        self.assertNotIn("2030-01-11 23:00", in_bangkok, "no raw UTC timestamp")
        reader = self._agent("Reader").user_id
        reader.write({"tz": "America/New_York", "lang": "en_US"})
        self.assertIn(
            "01/11/2030 06:00 PM", ticket.with_user(reader).routing_explanation, "the user's own time zone by default"
        )

    def test_outside_working_hours_prefers_who_works_now(self):
        day = self._agent("Day", {self.printers: self.expert})
        night = self._agent("Night", {self.printers: self.confirmed}, calendar=self.night_calendar)
        self.assertEqual(self._ticket(WEDNESDAY_10).user_id, day.user_id)
        self.assertEqual(self._ticket(WEDNESDAY_20).user_id, night.user_id)

    def test_nobody_working_takes_the_soonest(self):
        day = self._agent("Day", {self.printers: self.expert})
        self._agent("Night", {self.printers: self.expert}, calendar=self.night_calendar)
        # 23:30: the day shift starts at 8:00, the night shift at 18:00
        # the day agent works in Bangkok: from 8:00 there, 1:00 UTC
        day.user_id.tz = "Asia/Bangkok"
        ticket = self._ticket(datetime(2030, 1, 9, 23, 30))
        self.assertEqual(ticket.user_id, day.user_id)
        self.assertIn("available soonest", ticket.routing_explanation)
        note = ticket.message_ids.filtered(lambda m: "Assigned to Day" in (m.body or ""))
        self.assertIn("available soonest (01/10/2030 08:00 AM)", note.body, "in the time zone of the agent it concerns")

    def test_public_holiday_counts_as_not_working(self):
        day = self._agent("Day", {self.printers: self.expert})
        night = self._agent("Night", {self.printers: self.expert}, calendar=self.night_calendar)
        self.env["resource.calendar.leaves"].create(
            {
                "name": "National day",
                "calendar_id": self.day_calendar.id,
                "date_from": datetime(2030, 1, 9),
                "date_to": datetime(2030, 1, 9, 23, 59),
            }
        )
        ticket = self._ticket(WEDNESDAY_10)
        # nobody works at 10:00: the night shift (18:00) comes before the day shift (Thursday 8:00)
        self.assertEqual(ticket.user_id, night.user_id)
        self.assertNotEqual(ticket.user_id, day.user_id)

    def test_holiday_and_hours_changed_after_routing_apply_to_the_next_ticket(self):
        # working periods are cached per calendar and week: changes must reach the next routing
        day = self._agent("Day", {self.printers: self.expert})
        night = self._agent("Night", {self.printers: self.expert}, calendar=self.night_calendar)
        self.assertEqual(self._ticket(WEDNESDAY_10).user_id, day.user_id)
        holiday = self.env["resource.calendar.leaves"].create(
            {
                "name": "National day",
                "calendar_id": self.day_calendar.id,
                "date_from": datetime(2030, 1, 9),
                "date_to": datetime(2030, 1, 9, 23, 59),
            }
        )
        self.assertEqual(self._ticket(WEDNESDAY_10).user_id, night.user_id, "the day shift is off today")
        holiday.unlink()
        self.assertEqual(self._ticket(WEDNESDAY_10).user_id, day.user_id, "the holiday was cancelled")
        self.day_calendar.attendance_ids.filtered(lambda a: a.dayofweek == "2").hour_from = 11
        ticket = self._ticket(WEDNESDAY_10)
        # on Wednesdays the day shift now starts at 11:00, before the night shift
        self.assertEqual(ticket.user_id, day.user_id)
        self.assertIn("available soonest (01/09/2030 11:00 AM)", self._read_utc(ticket))

    def test_chatter_note_says_who_and_why_and_counts_the_others(self):
        winner = self._agent("Winner", {self.printers: self.expert})
        self._agent("Second", {self.printers: self.confirmed})
        self._agent("Novice", {self.printers: self.beginner})
        self._agent("Outsider", {self.networks: self.expert})
        ticket = self._ticket()
        self.assertEqual(ticket.user_id, winner.user_id)
        note = ticket.message_ids.filtered(lambda m: "Assigned to Winner" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertTrue(note.subtype_id.internal or note.message_type == "notification", "an internal note")
        self.assertIn("1 × qualified, not chosen", note.body)
        self.assertIn("2 × missing skill Printers at level Confirmed", note.body)
        self.assertIn("Routing tab", note.body)
        self.assertIn("Novice", ticket.routing_explanation, "the table lists every candidate")

    def test_preferred_agent_wins_when_qualified(self):
        self._agent("Idle", {self.printers: self.expert})
        preferred = self._agent("Preferred", {self.printers: self.confirmed})
        self._load(preferred, 3)
        self.customer.service_preferred_user_id = preferred.user_id
        ticket = self._ticket()
        self.assertEqual(ticket.user_id, preferred.user_id)
        self.assertIn("preferred agent", ticket.routing_explanation)

    def test_preferred_agent_not_qualified_loses(self):
        idle = self._agent("Idle", {self.printers: self.expert})
        preferred = self._agent("Preferred", {self.printers: self.beginner})
        self.customer.service_preferred_user_id = preferred.user_id
        self.assertEqual(self._ticket().user_id, idle.user_id)

    def test_preferred_agent_at_capacity_loses(self):
        idle = self._agent("Idle", {self.printers: self.expert})
        preferred = self._agent("Preferred", {self.printers: self.expert}, capacity=1)
        self._load(preferred, 1)
        self.customer.service_preferred_user_id = preferred.user_id
        self.assertEqual(self._ticket().user_id, idle.user_id)

    def test_lowest_load_ratio_wins(self):
        small = self._agent("Small", {self.printers: self.expert}, capacity=2)
        big = self._agent("Big", {self.printers: self.confirmed}, capacity=10)
        self._load(small, 1)  # 50 %
        self._load(big, 3)  # 30 %
        ticket = self._ticket()
        self.assertEqual(ticket.user_id, big.user_id)
        self.assertIn("lowest load", ticket.routing_explanation)

    def test_skill_margin_breaks_load_tie(self):
        self._agent("Confirmed", {self.printers: self.confirmed})
        expert = self._agent("Expert", {self.printers: self.expert})
        ticket = self._ticket()
        self.assertEqual(ticket.user_id, expert.user_id)
        self.assertIn("larger skill margin", ticket.routing_explanation)

    def test_least_recently_assigned_breaks_full_tie(self):
        first = self._agent("First", {self.printers: self.expert})
        second = self._agent("Second", {self.printers: self.expert})
        first.last_assigned_date = datetime(2030, 1, 9, 9, 0)
        second.last_assigned_date = datetime(2030, 1, 9, 8, 0)
        ticket = self._ticket()
        self.assertEqual(ticket.user_id, second.user_id)
        self.assertIn("least recently assigned", ticket.routing_explanation)
        self.assertEqual(second.last_assigned_date, WEDNESDAY_10)
        # round robin: the next identical ticket goes to the other agent
        ticket.user_id = False  # keeps loads equal
        self.assertEqual(self._ticket().user_id, first.user_id)

    def test_no_candidate_leaves_unassigned_and_tells_seniors(self):
        senior = self._agent("Senior", {self.networks: self.expert}, seniority="senior")
        ticket = self._ticket()
        self.assertFalse(ticket.user_id)
        self.assertEqual(ticket.team_id, self.team)
        self.assertIn("no member of Routing desk qualifies", ticket.routing_explanation)
        activity = ticket.activity_ids.filtered(lambda a: a.user_id == senior.user_id)
        self.assertEqual(len(activity), 1)
        self.assertIn("Routing", ticket.message_ids[0].body)

    def test_manual_team_does_not_route(self):
        self._agent("Anyone", {self.printers: self.expert})
        self.team.assignment_method = "manual"
        ticket = self._ticket()
        self.assertFalse(ticket.user_id)
        self.assertFalse(ticket.routing_explanation)

    def test_balanced_ignores_skills(self):
        self.team.assignment_method = "balanced"
        novice = self._agent("Novice")
        self.assertEqual(self._ticket().user_id, novice.user_id)

    def test_explicit_agent_is_kept(self):
        self._agent("Expert", {self.printers: self.expert})
        chosen = self._agent("Chosen")
        ticket = self._ticket(user_id=chosen.user_id.id)
        self.assertEqual(ticket.user_id, chosen.user_id)

    def test_multi_company_agent_uses_employee_of_team_company(self):
        company2 = self.env["res.company"].create({"name": "Routing Co 2"})
        member = self._agent("Travelling", {self.printers: self.expert})
        user = member.user_id
        user.company_ids = [(4, company2.id)]
        team2 = self.env["service.team"].create(
            {
                "name": "Desk 2",
                "company_id": company2.id,
                "assignment_method": "skills",
                "resource_calendar_id": self.day_calendar.id,
            }
        )
        category2 = self.category.copy({"team_id": team2.id})
        member2 = self.env["service.team.member"].create({"team_id": team2.id, "user_id": user.id})
        self.assertFalse(member2.employee_id, "no employee in company 2 yet")
        ticket = self._ticket(team_id=team2.id, category_id=category2.id)
        self.assertFalse(ticket.user_id, "skills of another company's employee do not count")
        employee2 = self.env["hr.employee"].create(
            {
                "name": "Travelling (2)",
                "user_id": user.id,
                "company_id": company2.id,
                "resource_calendar_id": self.day_calendar.id,
            }
        )
        self._give_skill(employee2, self.printers, self.confirmed)
        member2.invalidate_recordset(["employee_id"])
        self.assertEqual(member2.employee_id, employee2)
        self.assertEqual(self._ticket(team_id=team2.id, category_id=category2.id).user_id, user)


@tagged("post_install", "-at_install")
class TestCategorySkills(RoutingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.languages = cls.env["hr.skill.type"].create(
            {
                "name": "Routing languages",
                "skill_ids": [(0, 0, {"name": "Finnish"})],
                "skill_level_ids": [(0, 0, {"name": "Fluent", "level_progress": 100, "default_level": True})],
            }
        )
        cls.finnish, cls.fluent = cls.languages.skill_ids, cls.languages.skill_level_ids

    def test_skill_type_follows_the_skill(self):
        line = self.env["service.category.skill"].create(
            {"category_id": self.category.id, "skill_id": self.networks.id, "skill_level_id": self.expert.id}
        )
        self.assertEqual(line.skill_type_id, self.skill_type)
        line.write({"skill_id": self.finnish.id, "skill_level_id": self.fluent.id})
        self.assertEqual(line.skill_type_id, self.languages)
        category = self.env["service.category"].create(
            {
                "name": "Finnish printers",
                "skill_line_ids": [
                    (0, 0, {"skill_id": self.printers.id, "skill_level_id": self.expert.id}),
                    (0, 0, {"skill_id": self.finnish.id, "skill_level_id": self.fluent.id}),
                ],
            }
        )
        self.assertEqual(category.skill_line_ids.skill_type_id, self.skill_type | self.languages)

    def test_level_of_another_skill_type_is_refused(self):
        line = self.category.skill_line_ids
        with self.assertRaises(ValidationError) as caught:
            self.env["service.category.skill"].create(
                {"category_id": self.category.id, "skill_id": self.networks.id, "skill_level_id": self.fluent.id}
            )
        self.assertIn("Fluent is not a level of Networks", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            line.skill_level_id = self.fluent
        self.assertIn("Fluent is not a level of Printers", str(caught.exception))
        with self.assertRaises(ValidationError) as caught:
            line.skill_id = self.finnish
        self.assertIn("Confirmed is not a level of Finnish", str(caught.exception))
        self.assertEqual(self.category.skill_line_ids, line, "nothing refused was kept")

    def test_category_form_offers_the_levels_of_the_chosen_skill(self):
        form = Form(self.env["service.category"])
        form.name = "Networks in Finnish"
        with form.skill_line_ids.new() as line:
            line.skill_id = self.networks
            self.assertEqual(line.skill_type_id, self.skill_type, "the skill gives its type")
            line.skill_level_id = self.expert
        with form.skill_line_ids.new() as line:
            line.skill_type_id = self.languages
            self.assertEqual(line.skill_level_id, self.fluent, "the type's default level is offered")
            line.skill_id = self.finnish
        category = form.save()
        self.assertEqual(
            {(line.skill_type_id, line.skill_id, line.skill_level_id) for line in category.skill_line_ids},
            {(self.skill_type, self.networks, self.expert), (self.languages, self.finnish, self.fluent)},
        )
        level_domain = category.skill_line_ids._fields["skill_level_id"].domain
        for line in category.skill_line_ids:
            self.assertEqual(
                self.env["hr.skill.level"].search(safe_eval(level_domain, {"skill_type_id": line.skill_type_id.id})),
                line.skill_id.skill_type_id.skill_level_ids,
                "the level list holds the levels of the skill's type",
            )


@tagged("post_install", "-at_install")
class TestCachedWorkingPeriods(RoutingCommon):
    """Working periods are cached per calendar and week under the
    calendar's version, renewed in the database by the changes that shape
    them only: nothing clears the registry's caches, and every worker
    reads the version with the calendar."""

    def _versions(self):
        return (self.day_calendar | self.night_calendar).mapped("service_periods_version")

    def test_time_off_of_an_agent_keeps_every_calendar_cached(self):
        away = self._agent("Away", {self.printers: self.expert})
        present = self._agent("Present", {self.printers: self.confirmed})
        self.assertEqual(self._ticket().user_id, away.user_id)  # the day shift's week is cached
        versions = self._versions()
        with watching_caches(self.registry) as (clears, computed):
            # approving time off writes such a leave: the agent's own, on their calendar
            time_off = self.env["resource.calendar.leaves"].create(
                {
                    "name": "Time off",
                    "resource_id": away.employee_id.resource_id.id,
                    "calendar_id": self.day_calendar.id,
                    "date_from": datetime(2030, 1, 7),
                    "date_to": datetime(2030, 1, 11, 23, 0),
                }
            )
            during = self._ticket()
            time_off.date_to = datetime(2030, 1, 10, 23, 0)
            time_off.unlink()
            after = self._ticket()
        clears.assert_not_called()
        self.assertFalse(computed.called, "no calendar's working periods were computed again")
        self.assertEqual(self._versions(), versions)
        self.assertEqual(during.user_id, present.user_id, "routing reads the agents' time off itself")
        self.assertIn(
            "on time off until 01/11/2030 11:00 PM", during.with_context(tz="UTC", lang="en_US").routing_explanation
        )
        self.assertEqual(after.user_id, away.user_id)

    def test_holiday_of_one_calendar_leaves_the_others_cached(self):
        day_week = self.day_calendar._service_window_periods(False, MONDAY)
        night_week = self.night_calendar._service_window_periods(False, MONDAY)
        with watching_caches(self.registry) as (clears, computed):
            self.env["resource.calendar.leaves"].create(
                {
                    "name": "Night shift party",
                    "calendar_id": self.night_calendar.id,
                    "date_from": datetime(2030, 1, 9),
                    "date_to": datetime(2030, 1, 9, 23, 59),
                }
            )
            self.assertEqual(self.day_calendar._service_window_periods(False, MONDAY), day_week)
            self.assertEqual(
                self.night_calendar._service_window_periods(False, MONDAY),
                night_week[:2] + night_week[3:],
                "no night shift on Wednesday",
            )
        clears.assert_not_called()
        self.assertEqual(computed_calendars(computed), set(self.night_calendar.ids))

    def test_only_what_shapes_working_periods_renews_them(self):
        holiday = self.env["resource.calendar.leaves"].create(
            {
                "name": "National day",
                "calendar_id": self.day_calendar.id,
                "date_from": datetime(2030, 1, 9),
                "date_to": datetime(2030, 1, 9, 23, 59),
            }
        )
        versions = self._versions()
        holiday.name = "National holiday"
        self.day_calendar.name = "Morning and afternoon shift"
        self.day_calendar.attendance_ids[:1].name = "Monday"
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Training, at work",
                "calendar_id": self.day_calendar.id,
                "time_type": "other",
                "date_from": datetime(2030, 1, 10),
                "date_to": datetime(2030, 1, 10, 23, 59),
            }
        )
        self.assertEqual(self._versions(), versions, "names and work-time leaves change no working period")
        holiday.date_to = datetime(2030, 1, 9, 12, 0)
        day, night = self._versions()
        self.assertNotEqual(day, versions[0], "the holiday's calendar")
        self.assertEqual(night, versions[1], "another calendar")
        # a holiday of the whole company (no calendar) concerns every calendar of the company
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Company day",
                "company_id": self.env.company.id,
                "date_from": datetime(2030, 1, 8),
                "date_to": datetime(2030, 1, 8, 23, 59),
            }
        )
        self.assertTrue(all(new != old for new, old in zip(self._versions(), (day, night), strict=True)))
        self.day_calendar.tz = "Europe/Helsinki"
        self.assertNotEqual(self._versions()[0], day, "the time zone moves the working periods")


@tagged("post_install", "-at_install")
class TestWorkingPeriodsAcrossWorkers(WorkerCase):
    """Workers keep their caches: a change committed by one worker reaches
    the others' next read of the working periods through the calendar's
    version, with no cache cleared anywhere. The cursors are the workers'
    own connections (see WorkerCase)."""

    desk_name = "Periods desk"
    agent_login = "periods_agent"

    def _prepare_desk(self, env):
        calendar = env["resource.calendar"].create(
            {
                "name": "Periods shift",
                "tz": "UTC",
                "attendance_ids": [
                    (0, 0, {"name": f"{day}", "dayofweek": str(day), "hour_from": 8, "hour_to": 17}) for day in range(5)
                ],
            }
        )
        calendar.leave_ids.unlink()
        self.created["calendar"] = calendar.id

    def _cleanup_desk(self, env):
        calendar = env["resource.calendar"].browse(self.created["calendar"])
        calendar.leave_ids.unlink()
        calendar.unlink()

    def _week(self):
        """The calendar's working periods of the week, read in a request of
        another worker."""
        with closing(self._cursor()) as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            return env["resource.calendar"].browse(self.created["calendar"])._service_window_periods(False, MONDAY)

    def _commit_in_a_worker(self, change):
        with closing(self._cursor()) as cr:
            change(api.Environment(cr, api.SUPERUSER_ID, {})["resource.calendar"].browse(self.created["calendar"]))
            cr.commit()  # pylint: disable=invalid-commit

    def test_changes_reach_the_next_read_of_other_workers(self):
        week = self._week()
        wednesday = week[2]
        with watching_caches(self.registry) as (clears, __):
            self._commit_in_a_worker(
                lambda calendar: calendar.env["resource.calendar.leaves"].create(
                    {
                        "name": "National day",
                        "calendar_id": calendar.id,
                        "date_from": datetime(2030, 1, 9),
                        "date_to": datetime(2030, 1, 9, 23, 59),
                    }
                )
            )
            self.assertNotIn(wednesday, self._week(), "the holiday")
            self._commit_in_a_worker(lambda calendar: calendar.leave_ids.unlink())
            self.assertEqual(self._week(), week, "the holiday cancelled")
            self._commit_in_a_worker(
                lambda calendar: calendar.attendance_ids.filtered(lambda a: a.dayofweek == "2").write({"hour_from": 11})
            )
            self.assertEqual(self._week()[2], (datetime(2030, 1, 9, 11, 0), wednesday[1]), "Wednesday from 11:00")
            self._commit_in_a_worker(
                lambda calendar: calendar.attendance_ids.filtered(lambda a: a.dayofweek == "2").write({"hour_from": 8})
            )
            self.assertEqual(self._week(), week, "the hours restored")
        clears.assert_not_called()


@tagged("post_install", "-at_install")
class TestEscalation(RoutingCommon):
    def test_escalation_goes_to_senior(self):
        regular = self._agent("Regular", {self.printers: self.expert})
        senior = self._agent("Senior", {self.printers: self.confirmed}, seniority="senior")
        ticket = self._ticket()
        self.assertEqual(ticket.user_id, regular.user_id)
        with freeze_time(WEDNESDAY_10 + timedelta(hours=1)):
            ticket.action_escalate("Customer reopened: still jammed")
        self.assertEqual(ticket.user_id, senior.user_id)
        self.assertEqual(ticket.escalation_level, 1)
        bodies = " ".join(ticket.message_ids.mapped("body"))
        self.assertIn("Customer reopened: still jammed", bodies)
        self.assertIn("escalated to Senior", bodies)
        notified = ticket.message_ids.filtered(lambda m: regular.user_id.partner_id in m.partner_ids)
        self.assertTrue(notified, "the previous agent is told")

    def test_escalation_without_seniors_goes_to_escalation_team(self):
        self._agent("Regular", {self.printers: self.expert})
        experts = self.env["service.team"].create(
            {
                "name": "Experts",
                "assignment_method": "skills",
                "resource_calendar_id": self.day_calendar.id,
            }
        )
        self.team.escalation_team_id = experts
        expert = self._agent("Expert", {self.printers: self.expert}, team=experts, seniority="senior")
        ticket = self._ticket()
        ticket.action_escalate("Too hard")
        self.assertEqual(ticket.user_id, expert.user_id)
        self.assertEqual(ticket.team_id, experts)

    def test_escalation_with_nobody_keeps_agent_and_tells_why(self):
        regular = self._agent("Regular", {self.printers: self.expert})
        ticket = self._ticket()
        ticket.action_escalate("Angry customer")
        self.assertEqual(ticket.user_id, regular.user_id)
        self.assertEqual(ticket.escalation_level, 1)
        self.assertIn("Escalation", ticket.routing_explanation)

    def test_every_decision_is_kept_newest_first(self):
        regular = self._agent("Regular", {self.printers: self.expert})
        senior = self._agent("Senior", {self.printers: self.confirmed}, seniority="senior")
        ticket = self._ticket()
        with freeze_time(WEDNESDAY_10 + timedelta(hours=1)):
            ticket.with_user(regular.user_id).action_escalate("Customer reopened: still jammed")
        with freeze_time(WEDNESDAY_10 + timedelta(hours=2)):
            ticket.action_reroute()
        history = ticket.routing_decision_ids.sorted()  # as the Routing tab lists them
        escalated, first = history[1:]
        self.assertEqual(history[0].kind, "reroute")
        self.assertEqual((first.kind, first.user_id, first.date), ("routing", regular.user_id, WEDNESDAY_10))
        self.assertEqual(
            (escalated.kind, escalated.user_id, escalated.decided_by_id, escalated.date),
            ("escalation", senior.user_id, regular.user_id, WEDNESDAY_10 + timedelta(hours=1)),
        )
        self.assertIn("Assigned to Regular", first.explanation, "the original explanation is kept")
        self.assertIn("Escalation. Assigned to Senior", escalated.explanation)
        self.assertEqual(ticket.routing_explanation, history[0].explanation, "the latest on top")
        Ticket = self.env["service.ticket"]
        self.assertEqual(Ticket.search([("id", "=", ticket.id), ("routing_explanation", "!=", False)]), ticket)
        self.assertFalse(Ticket.search([("id", "=", ticket.id), ("routing_explanation", "=", False)]))

    def test_explanations_written_before_history_are_kept_on_upgrade(self):
        """Upgrading from 19.0.1.0.0, which stored one explanation per
        ticket in a column: each becomes the ticket's first decision,
        sanitized, and the column goes."""
        agent = self._agent("Regular", {self.printers: self.expert})
        routed = self._ticket(user_id=agent.user_id.id)
        never = self._ticket(name="Never routed", user_id=agent.user_id.id)
        cr = self.env.cr
        cr.execute("ALTER TABLE service_ticket ADD COLUMN routing_explanation text")
        cr.execute(
            "UPDATE service_ticket SET routing_explanation = %s WHERE id = %s",
            ["<p>Assigned to Regular: works now.</p><script>alert(1)</script>", routed.id],
        )
        adopted = self.env["service.ticket.routing.decision"]._adopt_written_explanations()
        self.assertEqual(adopted.ticket_id, routed, "one decision per written explanation")
        self.assertEqual((adopted.user_id, adopted.team_id), (agent.user_id, routed.team_id))
        self.assertEqual(adopted.summary, "Assigned to Regular: works now.")
        self.assertIn("Assigned to Regular: works now.", adopted.explanation)
        self.assertNotIn("script", adopted.explanation)
        self.assertFalse(never.routing_decision_ids)
        self.assertFalse(
            column_exists(cr, "service_ticket", "routing_explanation"), "the column with the old texts is dropped"
        )
        self.assertFalse(self.env["service.ticket.routing.decision"]._adopt_written_explanations(), "runs once")

    def test_history_follows_the_ticket_rules(self):
        member = self._agent("Member", {self.printers: self.expert})
        outsider = self._agent(
            "Outsider", {self.printers: self.expert}, team=self.env["service.team"].create({"name": "Elsewhere"})
        )
        ticket = self._ticket()
        Decision = self.env["service.ticket.routing.decision"]
        self.assertEqual(
            Decision.with_user(member.user_id).search([("ticket_id", "=", ticket.id)]), ticket.routing_decision_ids
        )
        self.assertFalse(
            Decision.with_user(outsider.user_id).search([("ticket_id", "=", ticket.id)]), "not their team's"
        )
        company2 = self.env["res.company"].create({"name": "Routing Co 3"})
        team2 = self.env["service.team"].create(
            {"name": "Desk 3", "company_id": company2.id, "assignment_method": "balanced"}
        )
        self._agent("Abroad", team=team2, company=company2)
        manager = self.env["res.users"].create(
            {
                "name": "Local manager",
                "login": "routing_local_manager",
                "group_ids": [(4, self.env.ref("service_desk.group_service_manager").id)],
            }
        )
        abroad = self.env["service.ticket"].create({"name": "Far away", "team_id": team2.id})
        self.assertTrue(abroad.routing_decision_ids)
        self.assertFalse(Decision.with_user(manager).search([("ticket_id", "=", abroad.id)]), "companies apart")

    def test_nobody_could_take_it_asks_others_than_its_agent(self):
        senior = self._agent("Senior", {self.printers: self.expert}, seniority="senior")
        manager = self.env["res.users"].create(
            {
                "name": "Desk manager",
                "login": "routing_desk_manager",
                "group_ids": [(4, self.env.ref("service_desk.group_service_manager").id)],
            }
        )
        ticket = self._ticket()
        self.assertEqual(ticket.user_id, senior.user_id)
        ticket.action_escalate("Beyond me")
        self.assertEqual(ticket.user_id, senior.user_id, "nobody else could take it")
        asked = ticket.activity_ids.filtered(lambda a: a.summary == "Nobody could take this ticket").user_id
        self.assertTrue(asked)
        self.assertNotIn(senior.user_id, asked, "not the agent who escalated it")
        self.assertIn(manager, asked, "the service managers when the team has no other senior")

    def test_reroute_button(self):
        first = self._agent("First", {self.printers: self.expert}, capacity=1)
        second = self._agent("Second", {self.printers: self.expert}, capacity=5)
        ticket = self._ticket(user_id=first.user_id.id)
        self._load(first, 1)
        ticket.action_reroute()
        self.assertEqual(ticket.user_id, second.user_id)


@tagged("post_install", "-at_install")
class TestRoutingQueries(RoutingCommon):
    def _agents(self, count, prefix):
        """`count` qualified agents of the team, created in bulk."""
        users = (
            self.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                [
                    {
                        "name": f"{prefix} {i}",
                        "login": f"routing_{prefix}_{i}",
                        "group_ids": [(4, self.env.ref("service_desk.group_service_user").id)],
                    }
                    for i in range(count)
                ]
            )
        )
        employees = self.env["hr.employee"].create(
            [
                {
                    "name": user.name,
                    "user_id": user.id,
                    "resource_calendar_id": self.day_calendar.id,
                }
                for user in users
            ]
        )
        self.env["hr.employee.skill"].create(
            [
                {
                    "employee_id": employee.id,
                    "skill_id": self.printers.id,
                    "skill_level_id": self.expert.id,
                    "skill_type_id": self.skill_type.id,
                    "valid_from": date(2020, 1, 1),
                }
                for employee in employees
            ]
        )
        self.env["service.team.member"].create(
            [{"team_id": self.team.id, "user_id": user.id, "max_open_tickets": 1000} for user in users]
        )

    def _queries_to_route(self):
        self._ticket()  # warm-up
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        ticket = self._ticket()
        self.assertTrue(ticket.user_id)
        return self.env.cr.sql_log_count - before

    def test_queries_do_not_grow_with_team_size(self):
        self._agents(10, "small")
        small = self._queries_to_route()
        self._agents(490, "big")
        self.assertEqual(len(self.team.member_ids), 500)
        big = self._queries_to_route()
        self.assertEqual(small, big)


@tagged("post_install", "-at_install")
class TestRoutingLargeTeams(RoutingCommon):
    def _bulk_agents(self, prefix, count, levels):
        """`count` members of the team whose employees have `levels`
        ({skill: level}), created in bulk."""
        users = (
            self.env["res.users"]
            .with_context(no_reset_password=True)
            .create([{"name": f"{prefix} {i}", "login": f"routing_bulk_{prefix}_{i}"} for i in range(count)])
        )
        employees = self.env["hr.employee"].create(
            [{"name": user.name, "user_id": user.id, "resource_calendar_id": self.day_calendar.id} for user in users]
        )
        self.env["hr.employee.skill"].create(
            [
                {
                    "employee_id": employee.id,
                    "skill_id": skill.id,
                    "skill_level_id": level.id,
                    "skill_type_id": self.skill_type.id,
                    "valid_from": date(2020, 1, 1),
                }
                for employee in employees
                for skill, level in levels.items()
            ]
        )
        return self.env["service.team.member"].create([{"team_id": self.team.id, "user_id": u.id} for u in users])

    def test_members_missing_skills_beyond_the_listed_are_counted_by_what_they_miss(self):
        """Routing reads whole only the members who have the skills; of the
        others, it lists the first of each kind and counts them all by the
        requirements they miss, as it did when it read them all."""
        self.category.skill_line_ids = [
            (
                0,
                0,
                {
                    "skill_type_id": self.skill_type.id,
                    "skill_id": self.networks.id,
                    "skill_level_id": self.confirmed.id,
                },
            )
        ]
        winner = self._agent("Winner", {self.printers: self.expert, self.networks: self.expert})
        self._bulk_agents("Printers only", 20, {self.printers: self.expert, self.networks: self.beginner})
        self._bulk_agents("Nothing", 20, {})
        ticket = self._ticket()
        self.assertEqual(ticket.user_id, winner.user_id)
        facts = ticket.routing_decision_ids[:1].facts
        both = [[line.skill_id.id, line.skill_level_id.id] for line in self.category.skill_line_ids]
        networks = [[self.networks.id, self.confirmed.id]]
        self.assertCountEqual(facts["others"], [[["skills", networks], 20], [["skills", both], 20]])
        self.assertEqual(
            sum(count for __, count in facts["rest"]),
            40 - 14,
            "the winner and 14 of the others are listed, the rest counted",
        )
        self.assertEqual(len(facts["rows"]), 15)
        self.assertEqual(facts["rows"][0]["user"], winner.user_id.id)
        note = ticket.message_ids.filtered(lambda m: "Assigned to Winner" in (m.body or ""))
        self.assertIn("20 × missing skill Networks at level Confirmed", note.body)
        self.assertEqual(note.body.count("at level Confirmed, missing skill"), 1, "one line for those missing both")
