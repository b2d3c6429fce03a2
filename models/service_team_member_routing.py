from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL, ormcache

# capacity assumed for members without a cap, to compare their load with capped members
UNCAPPED_CAPACITY = 20
# how far ahead routing looks for the next working period of an agent
AVAILABILITY_HORIZON = timedelta(days=14)
# what a ticket's weight on its agent's load depends on (_recount_open_units)
TICKET_LOAD_FIELDS = ["team_id", "user_id", "active", "is_closed", "channel"]
# `ticket` is an open ticket of `member`'s agent in `member`'s team: what
# capacity counts (service.ticket's partial index _open_by_agent_idx serves it)
OPEN_TICKET_OF_MEMBER = SQL(
    "ticket.team_id = member.team_id AND ticket.user_id = member.user_id"
    " AND ticket.active IS TRUE AND ticket.is_closed IS NOT TRUE"
)
# how much of an agent's capacity one ticket of each channel takes when its
# team sets no weight for the channel (service.team.channel.weight); other channels: 1
DEFAULT_CHANNEL_WEIGHTS = {"chat": 1.0, "phone": 1.0, "email": 0.5}
# joined to `ticket` (a service_ticket) in the queries that count capacity:
# the weight its team sets for its channel, if any
TICKET_CHANNEL_WEIGHT_JOIN = SQL(
    "LEFT JOIN service_team_channel_weight channel_weight"
    " ON channel_weight.team_id = ticket.team_id AND channel_weight.channel = ticket.channel"
)


def channel_units(channel):
    """The capacity units a ticket of the SQL `channel` takes, the team's
    weight of it being joined as `channel_weight`: the one home of the
    weighting rule."""
    return SQL(
        "COALESCE(channel_weight.weight, CASE %s %s ELSE 1.0 END)",
        channel,
        SQL(" ").join(SQL("WHEN %s THEN %s", name, weight) for name, weight in DEFAULT_CHANNEL_WEIGHTS.items()),
    )


# the capacity units `ticket` takes (TICKET_CHANNEL_WEIGHT_JOIN joined), what
# a member's open units sum
TICKET_UNITS = channel_units(SQL("ticket.channel"))


class ServiceTeamMember(models.Model):
    """What routing needs to know about team members. Routing runs on every
    new ticket of large teams: the facts are read in a fixed number of plain
    SQL queries and handled as values, whatever the number of members."""

    _inherit = "service.team.member"

    load_percent = fields.Integer(
        string="Load",
        compute="_compute_load_percent",
        help="Open tickets, weighted by channel, against capacity (members without a cap are measured "
        "against 20 units).",
    )

    open_units = fields.Float(
        digits=(16, 2),
        readonly=True,
        copy=False,
        help="Open tickets of the agent in the team, weighted by channel: what the capacity caps.",
    )

    @api.depends("open_units", "max_open_tickets")
    def _compute_load_percent(self):
        for member in self:
            member.load_percent = round(100 * _load_ratio(member.open_units, member.max_open_tickets))

    @api.model
    def _routing_facts(self, team, members, requirements, now, channel="web", listed=None):
        """What routing weighs about the active members of `team` (only
        those of the ids `members` unless None):
        ({member id: (user id, capacity, last assigned date, calendar id,
        time zone, open units, requirements met, skill margin, end of time
        off covering `now`, units a ticket of `channel` takes in the
        team)}, {requirements met: count}).

        `requirements` are the skills the ticket needs, [(skill id, level
        progress)], at most 62; which of them each member meets and by how
        much is in `_routing_staff`. Of the members who miss some, the
        first `listed` of each kind (missing the same requirements) are
        kept, all when `listed` is None; the others are only counted, by
        the requirements they meet (the second value). In a large team
        routed by skills most members miss some: the figures that change
        with every ticket (open units, last assignment, time off) are then
        read, in one query, only for the members routing may choose or
        explains. Open units: the member's `open_units`, what
        `max_open_tickets` caps."""
        self.env.flush_all()
        if members is None:
            rows, unlisted = self._routing_staff(team, requirements, listed)
        else:
            rows, __ = self._routing_staff(team, requirements)
            rows, unlisted = _listed([row for row in rows if row[0] in members], len(requirements), listed)
        staff = {member_id: values for member_id, *values in rows}
        loads = self.env.execute_query(
            SQL(
                """
            SELECT member.id, member.max_open_tickets, member.last_assigned_date,
                   COALESCE(member.open_units, 0)::float8, time_off.date_to, new_ticket.units::float8
              FROM unnest(%(members)s::int[], %(resources)s::int[]) AS staff(member_id, resource_id)
              JOIN service_team_member member ON member.id = staff.member_id
         LEFT JOIN (
                SELECT resource_id, MAX(date_to) AS date_to
                  FROM resource_calendar_leaves
                 WHERE resource_id = ANY(%(resources)s::int[]) AND date_from <= %(now)s AND date_to > %(now)s
              GROUP BY resource_id
            ) time_off ON time_off.resource_id = staff.resource_id
        CROSS JOIN (
                SELECT %(new_units)s AS units
                  FROM (VALUES (1)) AS one
             LEFT JOIN service_team_channel_weight channel_weight
                    ON channel_weight.team_id = %(team)s AND channel_weight.channel = %(channel)s
            ) new_ticket
            """,
                new_units=channel_units(SQL("%s::varchar", channel)),
                channel=channel,
                team=team.id or 0,
                members=int_array(staff),
                resources=int_array(resource_id for __, resource_id, *__ in staff.values()),
                now=now,
            )
        )
        facts, units = {}, None
        for member_id, capacity, last_assigned, open_count, away_until, new_units in loads:
            user_id, __, calendar_id, tz, met, margin = staff[member_id]
            open_units = _units(open_count) if open_count else 0
            units = _units(new_units) if units is None else units  # the same in every row
            facts[member_id] = (
                user_id,
                capacity,
                last_assigned,
                calendar_id,
                tz,
                open_units,
                met,
                margin,
                away_until,
                units,
            )
        return facts, dict(unlisted)

    @api.model
    def _routing_staff(self, team, requirements, listed=None):
        """The active members of `team`, as routing knows them between two
        changes of its staff: (((member id, user id, resource id, calendar
        id, time zone, requirements met, skill margin), ...), ((requirements
        met, count), ...)), requirements being [(skill id, level progress)]
        and the members who miss some listed up to `listed` of a kind, the
        others counted (see _routing_facts). Cached in every worker under
        today's date (skills expire) and the companies' routing staff
        version, which every change of what it reads renews
        (service.routing.staff.source)."""
        return self._routing_staff_of(
            team.id or 0,
            tuple(requirements),
            listed,
            fields.Date.context_today(self),
            self.env.company.service_routing_staff_version,
        )

    @api.model
    @ormcache("team_id", "requirements", "listed", "today", "version")
    def _routing_staff_of(self, team_id, requirements, listed, today, version):
        """The value of _routing_staff, read in one query.

        The employee is the member's user's employee in the team's company
        (an agent working for several companies has one employee in each;
        skills, calendar and time off come from that one). Bit i of the
        requirements met: the employee has the i-th skill at that progress
        or above; the skill margin: by how much they pass the requirements
        they meet (their level's progress above the one required, summed).
        Only skills that are valid `today` count (expired skills and
        certifications do not); of a skill held twice, the higher level."""
        # changes not yet saved renewed the version: they are read with it
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
            SELECT member.id, member.user_id, employee.resource_id,
                   COALESCE(version.resource_calendar_id, resource.calendar_id), resource.tz,
                   COALESCE(skill.met, 0), COALESCE(skill.margin, 0)
              FROM service_team_member member
         LEFT JOIN hr_employee employee  -- at most one per user and company
                ON employee.user_id = member.user_id AND employee.company_id = member.company_id
               AND employee.active IS TRUE
         LEFT JOIN hr_version version ON version.id = employee.current_version_id
         LEFT JOIN resource_resource resource ON resource.id = employee.resource_id
         LEFT JOIN (  -- the requirements each employee meets (bit i: the i-th), and by how much
                SELECT held.employee_id,
                       BIT_OR(1::bigint << (held.position - 1)::int) FILTER (WHERE held.passed) AS met,
                       SUM(held.progress - held.required) FILTER (WHERE held.passed) AS margin
                  FROM (  -- each requirement's skill at the highest level the employee holds it
                        SELECT employee_skill.employee_id, requirement.position, requirement.progress AS required,
                               MAX(level.level_progress) AS progress,
                               MAX(level.level_progress) >= requirement.progress AS passed
                          FROM hr_employee_skill employee_skill
                          JOIN hr_skill_level level ON level.id = employee_skill.skill_level_id
                          JOIN unnest(%(skill_ids)s::int[], %(progress)s::int[])
                               WITH ORDINALITY AS requirement(skill_id, progress, position)
                            ON requirement.skill_id = employee_skill.skill_id
                         WHERE (employee_skill.valid_from IS NULL OR employee_skill.valid_from <= %(today)s)
                           AND (employee_skill.valid_to IS NULL OR employee_skill.valid_to >= %(today)s)
                      GROUP BY employee_skill.employee_id, requirement.position, requirement.progress
                    ) held
              GROUP BY held.employee_id
            ) skill ON skill.employee_id = employee.id
             WHERE member.team_id = %(team)s AND member.active IS TRUE
          ORDER BY member.id
                """,
                team=team_id,
                skill_ids=[skill_id for skill_id, __ in requirements],
                progress=[progress for __, progress in requirements],
                today=today,
            )
        )
        return _listed(rows, len(requirements), listed)

    @api.model
    def _recount_open_units(self, where):
        """Count again the open units of the members `where` (SQL on
        `member`): their user's open tickets in their team, weighted by
        channel (TICKET_UNITS), in one statement. The one home of what a
        member's load is: whatever changes it (a ticket given, moved,
        closed, reopened, archived or deleted, a channel's weight, a
        stage's closing, a membership) counts again the members it
        touches; routing's claim adds the ticket it takes at once
        (_routing_claim). Each count updates the member's row: a
        transaction counting or claiming the same member concurrently
        fails to serialize and is retried by Odoo with fresh counts."""
        self.env["service.ticket"].flush_model(TICKET_LOAD_FIELDS)
        self.env["service.team.channel.weight"].flush_model(["team_id", "channel", "weight"])
        self.flush_model(["team_id", "user_id"])
        self.env.execute_query(
            SQL(
                """
            UPDATE service_team_member member
               SET open_units = (
                    SELECT COALESCE(SUM(%(units)s), 0)
                      FROM service_ticket ticket %(weight_join)s
                     WHERE %(open_ticket)s)
             WHERE %(where)s
                """,
                units=TICKET_UNITS,
                weight_join=TICKET_CHANNEL_WEIGHT_JOIN,
                open_ticket=OPEN_TICKET_OF_MEMBER,
                where=where,
            )
        )
        self.invalidate_model(["open_units", "load_percent"])

    @api.model
    def _add_open_units(self, tickets):
        """Add to their members' open units new `tickets`, [(team id, user
        id, channel)], in one statement (the tickets need not be saved yet:
        see _recount_open_units for what a load is)."""
        if not tickets:
            return
        self.env["service.team.channel.weight"].flush_model(["team_id", "channel", "weight"])
        teams, users, channels = zip(*tickets, strict=True)
        self.env.execute_query(
            SQL(
                """
            UPDATE service_team_member member
               SET open_units = COALESCE(member.open_units, 0) + added.units
              FROM (
                SELECT ticket.team_id, ticket.user_id, SUM(%(units)s) AS units
                  FROM unnest(%(teams)s::int[], %(users)s::int[], %(channels)s::varchar[])
                       AS ticket(team_id, user_id, channel)
                       %(weight_join)s
              GROUP BY ticket.team_id, ticket.user_id
            ) added
             WHERE member.team_id = added.team_id AND member.user_id = added.user_id
                """,
                units=TICKET_UNITS,
                weight_join=TICKET_CHANNEL_WEIGHT_JOIN,
                teams=list(teams),
                users=list(users),
                channels=list(channels),
            )
        )
        self.invalidate_model(["open_units", "load_percent"])

    @api.model
    def _team_user_ids(self, team):
        """The users of the active members of `team`, as routing's staff
        cache knows them (no query between two changes of the staff)."""
        rows, __ = self._routing_staff(team, ())
        return {row[1] for row in rows}

    def _count_open_units(self):
        """Count again the open units of these members (see _recount_open_units)."""
        if self:
            self._recount_open_units(SQL("member.id = ANY(%s)", self.ids))

    @api.model
    def _recount_open_units_of(self, pairs):
        """Count again the open units of the members of the (team id, user
        id) `pairs` (see _recount_open_units)."""
        if pairs:
            teams, users = zip(*pairs, strict=True)
            self._recount_open_units(
                SQL(
                    "(member.team_id, member.user_id) IN (SELECT * FROM unnest(%s::int[], %s::int[]))",
                    list(teams),
                    list(users),
                )
            )

    @api.model
    def _routing_availability(self, schedules, now, default_calendar):
        """{member id: (working_now, next_start)} from {member id: (calendar
        id, time zone, end of time off)}: whether the member works at `now`
        (their calendar, public holidays and their own time off) and when
        they are next at work. Members sharing a calendar and a time zone
        share its working periods, which the calendar caches: the cost
        follows the number of distinct calendars, and the versions of their
        cached periods are read in one query."""
        # sudo: the candidates' working periods, for the routing of a ticket the user creates or may change
        Calendar = self.env["resource.calendar"].sudo()
        groups = {}
        for member_id, (own_calendar_id, own_tz, away_until) in schedules.items():
            calendar_id = own_calendar_id or default_calendar.id
            tz = own_tz or (Calendar.browse(calendar_id).tz if calendar_id else None)
            groups.setdefault((calendar_id, tz), []).append((member_id, away_until))
        # the versions of the calendars' cached periods, read at once, the
        # team's included: planning the ticket's SLA targets usually walks it
        calendar_ids = {calendar_id for calendar_id, __ in groups if calendar_id} | set(default_calendar.ids)
        Calendar.browse(list(calendar_ids)).fetch(["service_periods_version"])
        result = {}
        for (calendar_id, tz), members in groups.items():
            periods = (
                Calendar.browse(calendar_id)._service_work_periods(now, now + AVAILABILITY_HORIZON, tz or False)
                if calendar_id
                else []
            )

            def next_start(free_from, periods=periods, calendar_id=calendar_id):
                if not calendar_id:
                    return free_from
                return next((max(begin, free_from) for begin, end in periods if end > free_from), False)

            # members who are not on time off share the group's answer
            at_once = next_start(now)
            for member_id, away_until in members:
                start = next_start(max(now, away_until)) if away_until else at_once
                result[member_id] = (start == now, start)
        return result

    def _routing_claim(self, now, units=1):
        """Take the ticket, of `units` capacity units, for this member if it
        still fits in their capacity, in one statement that records the
        assignment and adds the units to the member's open units. Updating
        the member's row locks it: a concurrent routing to the same agent,
        or a count of their load, waits, then fails to serialize and is
        retried by Odoo with fresh counts, so nobody is pushed past
        capacity."""
        self.ensure_one()
        self.flush_recordset(["max_open_tickets"])
        claimed = self.env.execute_query(
            SQL(
                """
            UPDATE service_team_member
               SET last_assigned_date = %(now)s, open_units = COALESCE(open_units, 0) + %(units)s
             WHERE id = %(member)s
               AND (COALESCE(max_open_tickets, 0) = 0 OR COALESCE(open_units, 0) + %(units)s <= max_open_tickets)
         RETURNING id
                """,
                now=now,
                units=units,
                member=self.id,
            )
        )
        self.invalidate_recordset(["last_assigned_date", "open_units", "load_percent"])
        return bool(claimed)


def _listed(rows, requirements, listed):
    """(rows kept, ((requirements met, count), ...)) of staff `rows` (see
    _routing_staff): every member who meets the `requirements` (their
    number), the first `listed` of each kind of member who misses some (all
    when `listed` is None), the others counted by kind."""
    all_met = (1 << requirements) - 1
    kept, unlisted, seen = [], {}, {}
    for row in rows:
        met = row[5]
        if met != all_met:
            seen[met] = count = seen.get(met, 0) + 1
            if listed is not None and count > listed:
                unlisted[met] = unlisted.get(met, 0) + 1
                continue
        kept.append(row)
    return tuple(kept), tuple(unlisted.items())


def int_array(values):
    """The text of a PostgreSQL integer array of `values` (ints or None),
    one parameter to cast with ``::int[]``: psycopg2 adapts a list value by
    value, which for the hundreds of members of a large team costs more
    than the query reading them."""
    items = ",".join("NULL" if value is None else str(int(value)) for value in values)
    return f"{{{items}}}"


def routing_schedule(fact):
    """(calendar id, time zone, end of time off) of a member's routing fact
    (see _routing_facts), what _routing_availability weighs."""
    return fact[3], fact[4], fact[8]


def _units(value):
    """Capacity units as read from SQL, whole numbers as ints (3, not 3.0)."""
    value = round(float(value or 0), 2)
    return int(value) if value.is_integer() else value


def _load_ratio(open_count, capacity):
    return open_count / (capacity or UNCAPPED_CAPACITY)
