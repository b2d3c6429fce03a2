from datetime import timedelta

from pytz import timezone, utc

from odoo import fields, models
from odoo.tools import SQL

# capacity assumed for members without a cap, to compare their load with capped members
UNCAPPED_CAPACITY = 20
# how far ahead routing looks for the next working period of an agent
AVAILABILITY_HORIZON = timedelta(days=14)


class ServiceTeamMember(models.Model):
    """What routing needs to know about team members. Routing runs on every
    new ticket of large teams: the facts are read in a fixed number of plain
    SQL queries and handled as values, whatever the number of members."""

    _inherit = "service.team.member"

    load_percent = fields.Integer(
        string="Load",
        compute="_compute_load_percent",
        help="Open tickets against capacity (members without a cap are measured against 20 tickets).",
    )

    def _compute_load_percent(self):
        counts = self._routing_open_counts()
        for member in self:
            member.load_percent = round(100 * _load_ratio(counts.get(member.id, 0), member.max_open_tickets))

    def _routing_profiles(self):
        """{member id: profile} with the member's capacity, last assignment,
        and their employee's resource, calendar and time zone in the team's
        company (an agent working for several companies has one employee in
        each; skills, calendar and time off come from that one)."""
        self.env.flush_all()
        rows = self.env.execute_query_dict(
            SQL(
                """
            SELECT DISTINCT ON (member.id)
                   member.id, member.user_id, member.max_open_tickets, member.last_assigned_date,
                   employee.id AS employee_id, resource.id AS resource_id,
                   COALESCE(version.resource_calendar_id, resource.calendar_id) AS calendar_id,
                   resource.tz
              FROM service_team_member member
         LEFT JOIN hr_employee employee
                ON employee.user_id = member.user_id AND employee.company_id = member.company_id
               AND employee.active IS TRUE
         LEFT JOIN hr_version version ON version.id = employee.current_version_id
         LEFT JOIN resource_resource resource ON resource.id = employee.resource_id
             WHERE member.id IN %s
          ORDER BY member.id, employee.id
            """,
                tuple(self.ids) or (0,),
            )
        )
        return {row["id"]: row for row in rows}

    def _routing_open_counts(self):
        """{member id: open tickets of the member's user in the member's team}."""
        if not self:
            return {}
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
            SELECT member.id, COUNT(ticket.id)
              FROM service_team_member member
              JOIN service_ticket ticket
                ON ticket.team_id = member.team_id AND ticket.user_id = member.user_id
               AND ticket.active IS TRUE AND ticket.is_closed IS NOT TRUE
             WHERE member.id IN %s
          GROUP BY member.id
            """,
                tuple(self.ids),
            )
        )
        return dict(rows)

    def _routing_skill_levels(self, employee_ids, skills):
        """{employee id: {skill id: level progress}} for skills valid today
        (expired skills and certifications do not count)."""
        if not employee_ids or not skills:
            return {}
        today = fields.Date.context_today(self)
        rows = self.env.execute_query(
            SQL(
                """
            SELECT employee_skill.employee_id, employee_skill.skill_id, MAX(level.level_progress)
              FROM hr_employee_skill employee_skill
              JOIN hr_skill_level level ON level.id = employee_skill.skill_level_id
             WHERE employee_skill.employee_id IN %s AND employee_skill.skill_id IN %s
               AND (employee_skill.valid_from IS NULL OR employee_skill.valid_from <= %s)
               AND (employee_skill.valid_to IS NULL OR employee_skill.valid_to >= %s)
          GROUP BY employee_skill.employee_id, employee_skill.skill_id
            """,
                tuple(employee_ids),
                tuple(skills.ids),
                today,
                today,
            )
        )
        levels = {}
        for employee_id, skill_id, progress in rows:
            levels.setdefault(employee_id, {})[skill_id] = progress
        return levels

    def _routing_time_off(self, resource_ids, now):
        """{resource id: end of that resource's own time off covering `now`}."""
        if not resource_ids:
            return {}
        rows = self.env.execute_query(
            SQL(
                """
            SELECT resource_id, MAX(date_to)
              FROM resource_calendar_leaves
             WHERE resource_id IN %s AND date_from <= %s AND date_to > %s
          GROUP BY resource_id
            """,
                tuple(resource_ids),
                now,
                now,
            )
        )
        return dict(rows)

    def _routing_availability(self, profiles, now, default_calendar):
        """{member id: (working_now, next_start, time_off_until)}: whether the
        member works at `now` (their calendar, public holidays and their own
        time off), when they are next at work, and until when they are on
        time off. Members sharing a calendar and a time zone share its working
        periods: the cost follows the number of distinct calendars."""
        Calendar = self.env["resource.calendar"].sudo()
        time_off = self._routing_time_off([p["resource_id"] for p in profiles.values() if p["resource_id"]], now)
        groups = {}
        for member_id, profile in profiles.items():
            calendar_id = profile["calendar_id"] or default_calendar.id
            tz = profile["tz"] or (Calendar.browse(calendar_id).tz if calendar_id else None)
            groups.setdefault((calendar_id, tz), []).append(member_id)
        start = utc.localize(now)
        result = {}
        for (calendar_id, tz), member_ids in groups.items():
            periods = []
            if calendar_id:
                periods = [
                    (begin.astimezone(utc).replace(tzinfo=None), end.astimezone(utc).replace(tzinfo=None))
                    for begin, end, __ in Calendar.browse(calendar_id)._work_intervals_batch(
                        start,
                        start + AVAILABILITY_HORIZON,
                        tz=timezone(tz) if tz else None,
                    )[False]
                ]
            for member_id in member_ids:
                away_until = time_off.get(profiles[member_id]["resource_id"])
                free_from = max(now, away_until) if away_until else now
                if calendar_id:
                    next_start = next((max(begin, free_from) for begin, end in periods if end > free_from), False)
                else:
                    next_start = free_from
                result[member_id] = (next_start == now, next_start, away_until)
        return result

    def _routing_claim(self, now):
        """Take the ticket for this member if still below capacity. The row
        lock on the member serialises concurrent routings to the same agent:
        a second transaction waits, then fails to serialize and is retried by
        Odoo with fresh counts, so nobody is pushed past capacity."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE id = %s FOR NO KEY UPDATE",
                SQL.identifier(self._table),
                self.id,
            )
        )
        if self.max_open_tickets and self._routing_open_counts().get(self.id, 0) >= self.max_open_tickets:
            return False
        self.sudo().last_assigned_date = now
        return True


def _load_ratio(open_count, capacity):
    return open_count / (capacity or UNCAPPED_CAPACITY)
