from collections import Counter
from collections.abc import Collection
from datetime import datetime

from markupsafe import Markup

from odoo import api, fields, models
from odoo.fields import Domain

from .service_team_member_routing import _load_ratio, routing_schedule

# members listed one by one in an explanation; the others are counted by reason
EXPLAINED_MEMBERS = 15


class ServiceTicket(models.Model):
    """Routing of tickets to agents: who may take the ticket, who is free,
    who wins and why, kept as a history of decisions
    (service.ticket.routing.decision) put into words for whoever reads it."""

    _inherit = "service.ticket"

    routing_decision_ids = fields.One2many(
        "service.ticket.routing.decision",
        "ticket_id",
        string="Routing History",
        readonly=True,
        groups="service_desk.group_service_user",
        help="Every routing, re-route and escalation decision, newest first.",
    )
    routing_queued_date = fields.Datetime(
        string="Queued Since",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Since when the ticket waits in its team's queue for an agent to start work or free "
        "capacity (teams routing off-shift tickets to their queue). Cleared once it has an agent.",
    )
    routing_explanation = fields.Html(
        compute="_compute_routing_explanation",
        search="_search_routing_explanation",
        groups="service_desk.group_service_user",
        help="The latest routing decision: who was considered, who was excluded and why, why the winner won.",
    )

    @api.depends_context("lang", "tz")
    @api.depends("routing_decision_ids")
    def _compute_routing_explanation(self):
        for ticket in self:
            # the newest (decisions just made are last in the cache, whatever the order)
            ticket.routing_explanation = ticket.routing_decision_ids.sorted("id", reverse=True)[:1].explanation

    def _search_routing_explanation(self, operator, value):
        """Tickets routed at least once (set) or never (not set)."""
        values = {value} if isinstance(value, str) or not isinstance(value, Collection) else set(value)
        if operator not in ("=", "!=", "in", "not in") or not values <= {False, ""}:
            return NotImplemented
        routed = Domain("routing_decision_ids", "!=", False)
        return ~routed if operator in ("=", "in") else routed

    def action_assign_agent(self):
        """Route each ticket to the best agent of its team, or explain why
        nobody; an escalated ticket stays among its seniors (else its
        escalation team). For agents who may change these tickets: routing
        itself writes as superuser."""
        self._service_check_agent_write()
        self._route_each("routing")
        return True

    def action_reroute(self):
        """Route again, whoever has the ticket now (button and server action)."""
        self.write({"user_id": False})
        self._service_check_agent_write()
        self._route_each("reroute")
        return True

    # ------------------------------------------------------------------
    # The routing itself
    # ------------------------------------------------------------------

    def _route_each(self, kind):
        for ticket in self:
            ticket._route(escalation=bool(ticket.escalation_level), kind=kind)

    def _routing_candidates(self, escalation):
        """(team, member ids) saying who may take the ticket: the team's
        active members (ids None: all of them); on escalation the members
        `_escalation_members` names."""
        self.ensure_one()
        if escalation:
            members = self._escalation_members()
            return members.team_id[:1] or self.team_id, set(members.ids)
        return self.team_id, None

    def _route(self, escalation=False, kind="routing"):
        """Route an existing ticket (on demand, on escalation); returns the
        winning member (none when nobody could take it)."""
        self.ensure_one()
        winner, team, facts = self._routing_decide(escalation)
        self._routing_apply(winner, facts)
        self._routing_record(winner, team, facts, kind)
        return winner

    def _routing_apply(self, winner, facts):
        """Give the ticket to the `winner` of a decision; without one, the
        ticket waits in its team's queue when the decision's `facts` say
        so, and leaves the queue when they do not."""
        self.ensure_one()
        if winner:
            values = {"user_id": winner.user_id.id}
            if winner.team_id != self.team_id:
                values["team_id"] = winner.team_id.id
        elif _queued(facts):
            values = {"routing_queued_date": fields.Datetime.now()}
        elif self.routing_queued_date:
            values = {"routing_queued_date": False}
        else:
            return
        # the note of _routing_record records the assignment and tells the agent why: no tracking
        # message, no assignment message of mail's
        # sudo: the routed agent, after action_assign_agent's check, action_escalate's write or the queue's cron
        self.sudo().with_context(mail_notrack=True, service_routing_announces=True).write(values)

    @api.model
    def _prepare_routing(self, vals, team):
        """Route a ticket about to be created in `team`, from its values; fill
        in its agent and return (winner, team, facts, kind) to record once
        it exists, or None when the ticket is not routed (agent given, team
        assigning by hand)."""
        if vals.get("user_id") or not team or team.assignment_method == "manual":
            return None
        # sudo: a draft of the ticket being created, to decide its agent
        draft = self.sudo().new(
            {fname: vals[fname] for fname in ("category_id", "partner_id", "channel") if vals.get(fname)}
            | {"team_id": team.id}
        )
        winner, routing_team, facts = draft._routing_decide(escalation=False)
        if winner:
            vals["user_id"] = winner.user_id.id
        elif _queued(facts):
            vals["routing_queued_date"] = fields.Datetime.now()
        return winner, routing_team, facts, "routing"

    def _routing_decide(self, escalation):
        """(winner member, team routed in, facts) for this ticket, the
        winner's capacity claimed; no winner when nobody qualifies. The
        facts are those service.ticket.routing.decision keeps. In a team
        whose `off_shift_routing` is ``queue`` (not on escalation, which
        wants someone now), a ticket nobody qualified can take now waits
        unassigned, the facts saying why (see `_routing_pick`)."""
        self.ensure_one()
        # sudo: members' loads and calendars for the decision; the user's own write or create is checked
        ticket = self.sudo()
        now = fields.Datetime.now()
        team, candidates = ticket._routing_candidates(escalation)
        queue = not escalation and team.off_shift_routing == "queue"
        verdicts, unlisted = ticket._routing_verdicts(team, candidates, now)
        winner, why = ticket._routing_pick(verdicts, queue)
        while winner and not winner._routing_claim(now, verdicts[winner.id]["units"]):
            verdicts[winner.id]["excluded"] = ("claimed",)
            winner, why = ticket._routing_pick(verdicts, queue)
        return winner, team, ticket._routing_facts_of(verdicts, winner, why, escalation, unlisted)

    def _routing_record(self, winner, team, facts, kind, creation=False):
        """Keep the decision in the ticket's routing history, and in the
        chatter as an internal note written for the agent it concerns: the
        agent chosen is notified by it (in Odoo or by email, as they
        prefer), which tells them of the assignment and why them; when
        nobody could take the ticket, the note notifies nobody and the
        seniors are asked. With `creation`, the ticket was saved without
        mail's creation message: the note says the ticket was created,
        unless someone follows the team's new tickets, who get mail's
        creation message (``_post_creation_message``)."""
        self.ensure_one()
        Decision = self.env["service.ticket.routing.decision"]
        # sudo: the decision routing took for a ticket the user creates or may change
        Decision.sudo()._keep(self, kind, winner.user_id, team, facts)
        reader = winner.user_id or self._escalation_users()[:1] or self.env.user
        reading = self.with_context(**self._service_reader_context(reader))
        # written from the decision's values, not read back
        decided = Decision.with_env(reading.env).new({"user_id": winner.user_id.id, "team_id": team.id})
        note = decided._render_note(facts)
        if creation and not self._post_creation_message():
            note = Markup("<p>%s</p>%s") % (reading._creation_message(), note)
        if winner:
            self._routing_announce(winner.user_id, note)
        else:
            self._message_log(body=note)
            if not _queued(facts):  # waiting in the team's queue is what the team chose: nobody to ask
                self._routing_ask_seniors()

    def _routing_announce(self, agent, note):
        """Tell `agent` that routing gave them this ticket, by the routing
        `note` (why them), logged in the chatter and notified to them alone
        by mail's notification engine: in Odoo or by email, by their
        preference, as mail tells an assigned user (queued on creation, see
        _is_notification_scheduled). An agent who routed the ticket to
        themselves is not notified, as mail does."""
        self.ensure_one()
        ticket = self.with_context(lang=agent.lang or self.env.lang)
        message = ticket._message_log(
            body=note,
            subject=ticket.env._("You have been assigned to %s", ticket.display_name),
            partner_ids=agent.partner_id.ids,
        )
        ticket._notify_thread(message, notify_skip_followers=True)

    def _routing_verdicts(self, team, candidates, now):
        """({member id: verdict}, {reason: count}) where a verdict says
        whether the member is excluded and why, and the figures the ranking
        uses; the members missing skills beyond the first EXPLAINED_MEMBERS
        of each kind are only counted, by reason. Members are handled as ids
        and plain values: large teams stay cheap."""
        self.ensure_one()
        required = (
            self.category_id.skill_line_ids
            if self.team_id.assignment_method == "skills"
            else self.env["service.category.skill"]
        )
        requirements = [(line.skill_id.id, line.level_progress, line.skill_level_id.id) for line in required]
        Member = self.env["service.team.member"]
        facts, unlisted = Member._routing_facts(
            team,
            candidates,
            [(skill_id, progress) for skill_id, progress, __ in requirements],
            now,
            self.channel or "web",
            listed=EXPLAINED_MEMBERS,
        )
        all_met = (1 << len(requirements)) - 1

        def missed(met):
            """The requirements not in the bitmask `met`, as a reason names them."""
            return tuple((skill, level) for i, (skill, __, level) in enumerate(requirements) if not met & (1 << i))

        unlisted_reasons = Counter({("skills", missed(met)): count for met, count in unlisted.items()})
        verdicts = {}
        for member_id, fact in facts.items():
            user_id, capacity, last_assigned, __, __, open_count, met, margin, time_off_until, units = fact
            if met != all_met:
                excluded = ("skills", missed(met))
            elif capacity and open_count + units > capacity:  # this ticket's units would not fit
                excluded = ("capacity", open_count, capacity)
            else:
                excluded = None
            verdicts[member_id] = {
                "user_id": user_id,
                "excluded": excluded,
                "open": open_count,
                "ratio": _load_ratio(open_count, capacity),
                "margin": margin,
                "working_now": False,
                "next_start": False,
                "time_off_until": time_off_until,
                "last_assigned": last_assigned,
                "units": units,
            }
        # when the members who qualify work: the others are excluded whatever their hours
        qualified = [member_id for member_id, verdict in verdicts.items() if not verdict["excluded"]]
        availability = Member._routing_availability(
            {member_id: routing_schedule(facts[member_id]) for member_id in qualified},
            now,
            self.team_id.resource_calendar_id,
        )
        for member_id in qualified:
            verdict = verdicts[member_id]
            verdict["working_now"], verdict["next_start"] = availability[member_id]
            if not verdict["next_start"]:
                verdict["excluded"] = ("no_time",)
        return verdicts, unlisted_reasons

    def _routing_pick(self, verdicts, queue=False):
        """(winner member, why) among the members not excluded, `why`
        being the facts that made the winner win (see
        service.ticket.routing.decision). Nobody qualified working now:
        the one whose shift starts soonest, or with `queue` nobody, `why`
        saying the ticket waits in the queue: {"queue": "off_shift"} (some
        qualify, none works now) or {"queue": "capacity"} (everyone
        qualified is at capacity)."""
        self.ensure_one()
        Member = self.env["service.team.member"]
        eligible = [member_id for member_id, verdict in verdicts.items() if not verdict["excluded"]]
        if not eligible:
            full = queue and any(v["excluded"][0] in ("capacity", "claimed") for v in verdicts.values())
            return Member, {"queue": "capacity"} if full else {}
        working = [m for m in eligible if verdicts[m]["working_now"]]
        if working:
            pool, why = working, {"soonest": None}
        elif queue:
            return Member, {"queue": "off_shift"}
        else:
            soonest = min(verdicts[m]["next_start"] for m in eligible)
            pool = [m for m in eligible if verdicts[m]["next_start"] == soonest]
            why = {"soonest": fields.Datetime.to_string(soonest)}
        preferred = self.partner_id.service_preferred_user_id or self.commercial_partner_id.service_preferred_user_id
        favourite = next((m for m in pool if preferred and verdicts[m]["user_id"] == preferred.id), None)
        if favourite:
            return Member.browse(favourite), dict(why, preferred=True)

        def rank(member_id):
            verdict = verdicts[member_id]
            return (verdict["ratio"], -verdict["margin"], verdict["last_assigned"] or datetime.min, member_id)

        ordered = sorted(pool, key=rank)
        winner = ordered[0]
        if len(ordered) == 1:
            return Member.browse(winner), why
        best, second = verdicts[winner], verdicts[ordered[1]]
        if best["ratio"] != second["ratio"]:
            tie = "load"
        elif best["margin"] != second["margin"]:
            tie = "margin"
        else:
            tie = "recent"
        return Member.browse(winner), dict(
            why, tie=tie, open=best["open"], ratio=round(best["ratio"] * 100), margin=best["margin"]
        )

    def _routing_facts_of(self, verdicts, winner, why, escalation, unlisted=None):
        """The facts of a decision (see service.ticket.routing.decision), as
        plain data: the winner, then the other candidates in the order
        routing ranked them, then the excluded ones. Large teams keep the
        first EXPLAINED_MEMBERS members and count the rest by reason, with
        the `unlisted` ones ({reason: count}, see _routing_verdicts)."""
        self.ensure_one()
        winner_id = winner.id
        eligible = sorted(
            (m for m, v in verdicts.items() if not v["excluded"] and m != winner_id),
            key=lambda m: (not verdicts[m]["working_now"], verdicts[m]["ratio"]),
        )
        excluded = [m for m, v in verdicts.items() if v["excluded"]]
        ordered = ([winner_id] if winner else []) + eligible + excluded

        def when(value):
            return fields.Datetime.to_string(value) if value else None

        rows = [
            {
                "user": verdicts[m]["user_id"],
                "open": verdicts[m]["open"],
                "margin": verdicts[m]["margin"],
                "excluded": verdicts[m]["excluded"],
                "working_now": verdicts[m]["working_now"],
                "next_start": when(verdicts[m]["next_start"]),
                "time_off_until": when(verdicts[m]["time_off_until"]),
            }
            for m in ordered[:EXPLAINED_MEMBERS]
        ]
        unlisted = Counter(unlisted)
        rest = Counter(verdicts[m]["excluded"] for m in ordered[EXPLAINED_MEMBERS:]) + unlisted
        others = Counter(verdicts[m]["excluded"] for m in ordered if m != winner_id) + unlisted
        return {
            "escalation": escalation,
            "why": why,
            "rows": rows,
            "rest": rest.most_common(),
            "others": others.most_common(),
        }

    def _agent_loads(self):
        """{(team id, user id)}: the members whose load these tickets weigh
        on, open or not (see service.team.member._recount_open_units)."""
        return {(ticket.team_id.id, ticket.user_id.id) for ticket in self if ticket.team_id and ticket.user_id}

    def _count_agent_loads(self, before=()):
        """Count again the open units of the members these tickets weigh on
        and of those of `before` (where they weighed before a change)."""
        self.env["service.team.member"]._recount_open_units_of(self._agent_loads() | set(before))

    def _count_new_agent_loads(self, claimed):
        """Add these new tickets to the load of the members they weigh on,
        but those routing `claimed` (its claim added them): open tickets
        given by hand to a member of their team, in one statement; none
        when nobody in the team holds one (the staff cache says so, without
        a query). A claimed ticket saved closed or archived weighs nothing:
        its member counts again."""
        Member = self.env["service.team.member"]
        added, again = [], set()
        for ticket in self:
            if not (ticket.team_id and ticket.user_id):
                continue
            weighs = ticket.active and not ticket.is_closed
            if ticket in claimed:
                if not weighs:
                    again.add((ticket.team_id.id, ticket.user_id.id))
            elif weighs and ticket.user_id.id in Member._team_user_ids(ticket.team_id):
                added.append((ticket.team_id.id, ticket.user_id.id, ticket.channel or "web"))
        Member._add_open_units(added)
        Member._recount_open_units_of(again)

    def _routing_ask_seniors(self):
        self.ensure_one()
        for user in self._escalation_users():
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=user.id,
                summary=self.env._("Nobody could take this ticket"),
                note=self.env._("Routing found no qualified, available agent: see the Routing tab."),
            )


def _queued(facts):
    """Whether a decision's `facts` leave the ticket waiting in its team's queue."""
    return bool((facts.get("why") or {}).get("queue"))
