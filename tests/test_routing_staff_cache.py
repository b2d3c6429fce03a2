from datetime import date, datetime

from odoo.tests import tagged
from odoo.tools import SQL

from ..models.service_team_member_routing import int_array
from .common import WEDNESDAY_10, WEDNESDAY_20, RoutingCommon


@tagged("post_install", "-at_install")
class TestRoutingStaffCache(RoutingCommon):
    """What routing knows of a team's members (memberships, employees,
    calendars, skills) is cached between tickets under the companies'
    routing staff version: every change of it through Odoo renews the
    version, so the next ticket is routed on the new facts."""

    def test_the_staff_is_read_once_until_it_changes(self):
        """A skill changed behind Odoo's back is not seen: the members were
        not read again. Any change through Odoo renews the version, and the
        next ticket sees both."""
        member = self._agent("Cached", {self.printers: self.beginner})
        self.assertFalse(self._ticket().user_id)
        self.env.flush_all()
        self.env.execute_query(
            SQL(
                "UPDATE hr_employee_skill SET skill_level_id = %s WHERE employee_id = %s",
                self.expert.id,
                member.employee_id.id,
            )
        )
        self.assertFalse(self._ticket().user_id, "the members are cached between tickets")
        self.env.invalidate_all()
        member.employee_id.write({"private_phone": "+66 2 000 0000"})
        self.assertFalse(self._ticket().user_id, "a change routing does not read renews nothing")
        self.env["res.company"]._service_renew_routing_staff()
        self.assertEqual(self._ticket().user_id, member.user_id)

    def test_skill_given_and_removed_apply_to_the_next_ticket(self):
        member = self._agent("Learner")
        self.assertFalse(self._ticket().user_id)
        skill = self._give_skill(member.employee_id, self.printers, self.expert)
        self.assertEqual(self._ticket().user_id, member.user_id)
        skill.unlink()
        self.assertFalse(self._ticket().user_id)

    def test_skill_level_raised_applies_to_the_next_ticket(self):
        member = self._agent("Improving", {self.printers: self.beginner})
        self.assertFalse(self._ticket().user_id)
        member.employee_id.employee_skill_ids.skill_level_id = self.expert
        self.assertEqual(self._ticket().user_id, member.user_id)

    def test_level_progress_changed_applies_to_the_next_ticket(self):
        member = self._agent("Beginner", {self.printers: self.beginner})
        self.assertFalse(self._ticket().user_id)
        self.beginner.level_progress = 80  # above the category's Confirmed (60)
        self.assertEqual(self._ticket().user_id, member.user_id)

    def test_skill_expiring_today_stops_counting_tomorrow(self):
        member = self._agent("Certified")
        self._give_skill(member.employee_id, self.printers, self.expert, valid_to=date(2030, 1, 9))
        self.assertEqual(self._ticket(WEDNESDAY_10).user_id, member.user_id)
        self.assertFalse(self._ticket(datetime(2030, 1, 10, 10, 0)).user_id)

    def test_member_archived_or_removed_is_not_routed(self):
        first = self._agent("First", {self.printers: self.expert})
        second = self._agent("Second", {self.printers: self.confirmed})
        self.assertEqual(self._ticket().user_id, first.user_id, "the larger skill margin")
        first.active = False
        self.assertEqual(self._ticket().user_id, second.user_id)
        second.unlink()
        self.assertFalse(self._ticket().user_id)
        first.active = True
        self.assertEqual(self._ticket().user_id, first.user_id)

    def test_employee_calendar_changed_applies_to_the_next_ticket(self):
        member = self._agent("Shifting", {self.printers: self.expert})
        self.assertIn("available soonest", self._ticket(WEDNESDAY_20).routing_explanation)
        member.employee_id.resource_calendar_id = self.night_calendar
        ticket = self._ticket(WEDNESDAY_20)
        self.assertEqual(ticket.user_id, member.user_id)
        self.assertNotIn("available soonest", ticket.routing_explanation)

    def test_agent_time_zone_changed_applies_to_the_next_ticket(self):
        """Day shift 8:00-17:00 in the agent's own time zone: at 20:00 UTC
        a Pacific agent (12:00 there) works, a UTC one does not."""
        member = self._agent("Travelling", {self.printers: self.expert})
        self.assertIn("available soonest", self._ticket(WEDNESDAY_20).routing_explanation)
        member.employee_id.resource_id.tz = "America/Los_Angeles"
        self.assertNotIn("available soonest", self._ticket(WEDNESDAY_20).routing_explanation)

    def test_employee_given_to_another_user_moves_the_skills(self):
        skilled = self._agent("Skilled", {self.printers: self.expert})
        newcomer = self._agent("Newcomer")
        self.assertEqual(self._ticket().user_id, skilled.user_id)
        skilled_employee = skilled.employee_id
        newcomer.employee_id.unlink()
        skilled_employee.user_id = newcomer.user_id
        self.assertEqual(self._ticket().user_id, newcomer.user_id)

    def test_claim_reserves_its_units_within_the_cap(self):
        """A claim adds the ticket's units to the member's load at once (a
        second routing in the same transaction sees them) and fails when
        they would not fit: the cap is read when claiming, not when routing
        read the member."""
        member = self._agent("Capped since", {self.printers: self.expert})
        self._load(member, 2)
        now = datetime(2030, 1, 9, 10, 0)
        self.assertTrue(member._routing_claim(now, 1))
        self.assertEqual(member.open_units, 3)
        member.max_open_tickets = 3
        self.assertFalse(member._routing_claim(now, 0.5))
        self.assertEqual(member.open_units, 3, "a failed claim reserves nothing")
        member.max_open_tickets = 4
        self.assertTrue(member._routing_claim(now, 0.5))
        self.assertEqual(member.open_units, 3.5)

    def test_member_ids_reach_the_query_as_one_array(self):
        """The members' ids and resources are given to the per-ticket query
        as one array each; a member without an employee has no resource."""
        for values in ([], [7], [3, None, 5], range(1, 400)):
            with self.subTest(values=values):
                self.assertEqual(self.env.execute_query(SQL("SELECT %s::int[]", int_array(values)))[0][0], list(values))
