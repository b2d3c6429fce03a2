from datetime import timedelta

from pytz import timezone, utc

from odoo import fields, models
from odoo.tools import SQL

# capacity assumed for members without a cap, to compare their load with capped members
UNCAPPED_CAPACITY = 20
# how far ahead routing looks for the next working period of an agent
AVAILABILITY_HORIZON = timedelta(days=14)


class ServiceTeamMember(models.Model):
    """What routing needs to know about team members, computed for many
    members at once with a number of queries that does not grow with them."""

    _inherit = "service.team.member"

    load_percent = fields.Integer(
        string="Load", compute="_compute_load_percent",
        help="Open tickets against capacity (members without a cap are measured against "
        "20 tickets).",
    )

    def _compute_load_percent(self):
        counts = self._routing_open_counts()
        for member in self:
            member.load_percent = round(100 * member._routing_load_ratio(counts[member]))

    def _routing_open_counts(self):
        """{member: open tickets of the member's user in the member's team}."""
        groups = self.env["service.ticket"].sudo()._read_group(
            [("team_id", "in", self.team_id.ids), ("user_id", "in", self.user_id.ids), ("is_closed", "=", False)],
            ["team_id", "user_id"], ["__count"],
        )
        counts = {(team.id, user.id): count for team, user, count in groups}
        return {member: counts.get((member.team_id.id, member.user_id.id), 0) for member in self}

    def _routing_load_ratio(self, open_count):
        self.ensure_one()
        return open_count / (self.max_open_tickets or UNCAPPED_CAPACITY)

    def _routing_skill_levels(self, skills):
        """{member: {skill: level_progress}} from the members' employees'
        skills valid today (expired skills and certifications do not count)."""
        today = fields.Date.context_today(self)
        employee_skills = self.env["hr.employee.skill"].sudo().search_fetch(
            [
                ("employee_id", "in", self.employee_id.ids), ("skill_id", "in", skills.ids),
                "|", ("valid_from", "=", False), ("valid_from", "<=", today),
                "|", ("valid_to", "=", False), ("valid_to", ">=", today),
            ],
            ["employee_id", "skill_id", "level_progress"],
        )
        by_employee = {}
        for employee_skill in employee_skills:
            levels = by_employee.setdefault(employee_skill.employee_id, {})
            levels[employee_skill.skill_id] = max(levels.get(employee_skill.skill_id, 0),
                                                  employee_skill.level_progress)
        return {member: by_employee.get(member.employee_id, {}) for member in self}

    def _routing_availability(self, now, default_calendar):
        """{member: (working_now, next_start, time_off_until)}: whether the
        member works at `now` (their calendar, public holidays and their own
        time off), when their next working period starts, and until when
        they are on time off. Members sharing a calendar and a time zone
        share its working periods: the cost follows the number of distinct
        calendars, not of members."""
        groups = {}
        for member in self:
            employee = member.employee_id.sudo()
            calendar = employee.resource_calendar_id or employee.resource_id.calendar_id or default_calendar
            tz = employee.resource_id.tz or calendar.tz
            groups[calendar, tz] = groups.get((calendar, tz), self.browse()) | member
        time_off = self._routing_time_off(now)
        start = utc.localize(now)
        result = {}
        for (calendar, tz), members in groups.items():
            if not calendar:
                result.update({m: (m not in time_off, time_off.get(m, now), time_off.get(m)) for m in members})
                continue
            periods = [
                (begin.astimezone(utc).replace(tzinfo=None), end.astimezone(utc).replace(tzinfo=None))
                for begin, end, __ in calendar._work_intervals_batch(
                    start, start + AVAILABILITY_HORIZON, tz=timezone(tz) if tz else None,
                )[False]
            ]
            for member in members:
                away_until = time_off.get(member)
                free_from = max(now, away_until) if away_until else now
                next_start = next((max(begin, free_from) for begin, end in periods if end > free_from), False)
                result[member] = (next_start == now, next_start, away_until)
        return result

    def _routing_time_off(self, now):
        """{member: end of the member's own time off covering `now`}."""
        resources = self.employee_id.sudo().resource_id
        leaves = self.env["resource.calendar.leaves"].sudo().search_fetch(
            [("resource_id", "in", resources.ids), ("date_from", "<=", now), ("date_to", ">", now)],
            ["resource_id", "date_to"],
        )
        ends = {}
        for leave in leaves:
            ends[leave.resource_id] = max(ends.get(leave.resource_id, leave.date_to), leave.date_to)
        return {
            member: ends[member.employee_id.sudo().resource_id]
            for member in self if member.employee_id.sudo().resource_id in ends
        }

    def _routing_claim(self, ticket, now):
        """Take the ticket for this member if still below capacity. The row
        lock on the member serialises concurrent routings to the same agent:
        a second transaction waits, then fails to serialize and is retried by
        Odoo with fresh counts, so nobody is pushed past capacity."""
        self.ensure_one()
        self.env.cr.execute(SQL(
            "SELECT id FROM %s WHERE id = %s FOR NO KEY UPDATE", SQL.identifier(self._table), self.id,
        ))
        if self.max_open_tickets:
            self.invalidate_recordset()
            if self._routing_open_counts()[self] >= self.max_open_tickets:
                return False
        self.sudo().last_assigned_date = now
        return True
