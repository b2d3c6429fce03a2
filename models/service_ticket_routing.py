from collections import Counter
from datetime import datetime

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.tools import SQL

from .service_team_member_routing import _load_ratio

# members listed one by one in an explanation; the others are counted by reason
EXPLAINED_MEMBERS = 15


class ServiceTicket(models.Model):
    """Routing of tickets to agents: who may take the ticket,
    who is free, who wins and why, written down for the people who ask."""

    _inherit = "service.ticket"

    def action_assign_agent(self):
        """Route each ticket to the best agent of its team, or explain why
        nobody; an escalated ticket stays among its seniors (else its
        escalation team). For agents who may change these tickets: routing
        itself writes as superuser."""
        self._service_check_agent_write()
        for ticket in self:
            ticket._route(escalation=bool(ticket.escalation_level))
        return True

    def action_reroute(self):
        """Route again, whoever has the ticket now (button and server action)."""
        self.write({"user_id": False})
        return self.action_assign_agent()

    # ------------------------------------------------------------------
    # The routing itself
    # ------------------------------------------------------------------

    def _routing_candidates(self, escalation):
        """(team, SQL condition on `member`, i.e. service_team_member) saying
        who may take the ticket: the team's active members; on escalation
        the members `_escalation_members` names."""
        self.ensure_one()
        if escalation:
            members = self._escalation_members()
            return members.team_id[:1] or self.team_id, SQL("member.id = ANY(%s)", members.ids)
        return self.team_id, SQL("member.team_id = %s AND member.active IS TRUE", self.team_id.id or 0)

    def _route(self, escalation=False):
        """Route an existing ticket (on demand, on escalation)."""
        self.ensure_one()
        winner, explanation, note = self._routing_decide(escalation)
        values = {"routing_explanation": explanation}
        if winner:
            values["user_id"] = winner.user_id.id
            if winner.team_id != self.team_id:
                values["team_id"] = winner.team_id.id
        # the note of _routing_record records the assignment and why: no separate tracking message
        # sudo: the routed agent, after action_assign_agent's check or action_escalate's write
        self.sudo().with_context(mail_notrack=True).write(values)
        self._routing_record(winner, note)
        return winner

    @api.model
    def _prepare_routing(self, vals, team):
        """Route a ticket about to be created in `team`, from its values; fill
        in its agent and explanation and return (winner, note) to record
        once it exists, or None when the ticket is not routed (agent given,
        team assigning by hand)."""
        if vals.get("user_id") or not team or team.assignment_method == "manual":
            return None
        # sudo: a draft of the ticket being created, to decide its agent
        draft = self.sudo().new(
            {fname: vals[fname] for fname in ("category_id", "partner_id") if vals.get(fname)} | {"team_id": team.id}
        )
        winner, explanation, note = draft._routing_decide(escalation=False)
        vals["routing_explanation"] = explanation
        if winner:
            vals["user_id"] = winner.user_id.id
        return winner, note

    def _routing_decide(self, escalation):
        """(winner member, explanation, note) for this ticket, the winner's
        capacity claimed; no winner when nobody qualifies."""
        self.ensure_one()
        # sudo: members' loads and calendars for the decision; the user's own write or create is checked
        ticket = self.sudo()
        now = fields.Datetime.now()
        verdicts = ticket._routing_verdicts(*ticket._routing_candidates(escalation), now)
        winner, why = ticket._routing_pick(verdicts)
        while winner and not winner._routing_claim(now):
            verdicts[winner.id]["excluded"] = self.env._("reached capacity while routing")
            winner, why = ticket._routing_pick(verdicts)
        return (winner, *ticket._routing_render(verdicts, winner, why, escalation))

    def _routing_record(self, winner, note):
        """Keep the decision in the chatter as an internal note that
        notifies nobody (the assignment itself notifies the agent), and when
        nobody could take the ticket, ask the seniors."""
        self.ensure_one()
        self._message_log(body=note)
        if not winner:
            self._routing_ask_seniors()

    def _routing_verdicts(self, team, candidates, now):
        """{member id: verdict} where a verdict says whether the member is
        excluded and why, and the figures the ranking uses. Members are
        handled as ids and plain values: large teams stay cheap."""
        self.ensure_one()
        required = (
            self.category_id.skill_line_ids
            if self.team_id.assignment_method == "skills"
            else self.env["service.category.skill"]
        )
        # each reason is translated once, whatever the number of members it excludes
        requirements = [
            (
                line.skill_id.id,
                line.level_progress,
                self.env._(
                    "missing skill %(skill)s at level %(level)s",
                    skill=line.skill_id.name,
                    level=line.skill_level_id.name,
                ),
            )
            for line in required
        ]
        no_working_time = self.env._("no working time in the next two weeks")
        Member = self.env["service.team.member"]
        facts = Member._routing_facts(team, candidates, required.skill_id, now)
        availability = Member._routing_availability(
            {member_id: (fact[5], fact[6], fact[9]) for member_id, fact in facts.items()},
            now,
            self.team_id.resource_calendar_id,
        )
        verdicts = {}
        for member_id, fact in facts.items():
            user_id, capacity, last_assigned, __, __, __, __, open_count, levels, time_off_until = fact
            working_now, next_start = availability[member_id]
            missing, margin = [], 0
            for skill_id, required_progress, missing_skill in requirements:
                level = levels.get(skill_id)
                if level is None or level < required_progress:
                    missing.append(missing_skill)
                else:
                    margin += level - required_progress
            if missing:
                excluded = ", ".join(missing)
            elif capacity and open_count >= capacity:
                excluded = self.env._("at capacity %(open)s/%(max)s", open=open_count, max=capacity)
            elif not next_start:
                excluded = no_working_time
            else:
                excluded = False
            verdicts[member_id] = {
                "user_id": user_id,
                "excluded": excluded,
                "open": open_count,
                "ratio": _load_ratio(open_count, capacity),
                "margin": margin,
                "working_now": working_now,
                "next_start": next_start,
                "time_off_until": time_off_until,
                "last_assigned": last_assigned,
            }
        return verdicts

    def _routing_pick(self, verdicts):
        """(winner member, why) among the members not excluded."""
        self.ensure_one()
        eligible = [member_id for member_id, verdict in verdicts.items() if not verdict["excluded"]]
        if not eligible:
            return self.env["service.team.member"], ""
        working = [m for m in eligible if verdicts[m]["working_now"]]
        if working:
            pool, availability_why = working, self.env._("works now")
        else:
            soonest = min(verdicts[m]["next_start"] for m in eligible)
            pool = [m for m in eligible if verdicts[m]["next_start"] == soonest]
            availability_why = self.env._(
                "nobody works now; available soonest (%s)", fields.Datetime.to_string(soonest)
            )
        preferred = self.partner_id.service_preferred_user_id or self.commercial_partner_id.service_preferred_user_id
        Member = self.env["service.team.member"]
        favourite = next((m for m in pool if preferred and verdicts[m]["user_id"] == preferred.id), None)
        if favourite:
            return Member.browse(favourite), self.env._("%s, and is the customer's preferred agent", availability_why)

        def rank(member_id):
            verdict = verdicts[member_id]
            return (verdict["ratio"], -verdict["margin"], verdict["last_assigned"] or datetime.min, member_id)

        ordered = sorted(pool, key=rank)
        winner = ordered[0]
        if len(ordered) == 1:
            return Member.browse(winner), availability_why
        runner_up = ordered[1]
        best, second = verdicts[winner], verdicts[runner_up]
        if best["ratio"] != second["ratio"]:
            tie_break = self.env._(
                "lowest load (%(open)s open, %(ratio)s%%)", open=best["open"], ratio=round(best["ratio"] * 100)
            )
        elif best["margin"] != second["margin"]:
            tie_break = self.env._("same load, larger skill margin (+%s)", best["margin"])
        else:
            tie_break = self.env._("same load and skills, least recently assigned")
        return Member.browse(winner), f"{availability_why}; {tie_break}"

    def _routing_render(self, verdicts, winner, why, escalation):
        """(explanation, note). The explanation, shown in the Routing tab, is
        a table: the winner, then the other candidates in the order routing
        ranked them, then the excluded ones with their reason. Large teams
        list the first EXPLAINED_MEMBERS members and count the rest by
        reason, so that the table stays readable. The note, kept in the
        chatter, says who got the ticket and why, and counts the others by
        reason."""
        self.ensure_one()
        winner_id = winner.id
        eligible = sorted(
            (m for m, v in verdicts.items() if not v["excluded"] and m != winner_id),
            key=lambda m: (not verdicts[m]["working_now"], verdicts[m]["ratio"]),
        )
        excluded = [m for m, v in verdicts.items() if v["excluded"]]
        ordered = ([winner.id] if winner else []) + eligible + excluded
        not_chosen = self.env._("qualified, not chosen")
        rows = []
        for member in self.env["service.team.member"].browse(ordered[:EXPLAINED_MEMBERS]):
            verdict = verdicts[member.id]
            rows.append(
                Markup("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>")
                % (
                    member.user_id.name,
                    verdict["open"],
                    verdict["margin"],
                    self._routing_decision(member, verdict, winner, why),
                )
            )
        rest = ordered[EXPLAINED_MEMBERS:]
        if rest:
            reasons = Counter(verdicts[m]["excluded"] or not_chosen for m in rest)
            summary = "; ".join(f"{count} × {reason}" for reason, count in reasons.most_common())
            rows.append(
                Markup('<tr><td colspan="4">%s</td></tr>')
                % self.env._(
                    "and %(count)s more: %(summary)s",
                    count=len(rest),
                    summary=summary,
                )
            )
        if winner:
            headline = self.env._("Assigned to %(agent)s: %(why)s.", agent=winner.user_id.name, why=why)
        elif not verdicts and escalation:
            headline = self.env._(
                "No senior agent of %s other than the current one, and no escalation team to take over.",
                self.team_id.name,
            )
        elif not verdicts:
            headline = self.env._("Nobody to route to: team %s has no active member.", self.team_id.name)
        else:
            headline = self.env._("Left unassigned: no member of %s qualifies now.", self.team_id.name)
        if escalation:
            headline = self.env._("Escalation. %s", headline)
        header = Markup("<tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>") % (
            self.env._("Agent"),
            self.env._("Open tickets"),
            self.env._("Skill margin"),
            self.env._("Decision"),
        )
        explanation = Markup('<p>%s</p><table class="table table-sm o_service_routing">%s%s</table>') % (
            escape(headline),
            header,
            Markup("").join(rows),
        )
        others = Counter(verdicts[m]["excluded"] or not_chosen for m in ordered if m != winner_id)
        note = Markup("<p>%s</p>") % headline
        if others:
            note += Markup("<p>%s</p>") % self.env._(
                "Other candidates: %(summary)s. Each one is in the Routing tab.",
                summary="; ".join(f"{count} × {reason}" for reason, count in others.most_common()),
            )
        return explanation, note

    def _routing_decision(self, member, verdict, winner, why):
        if verdict["excluded"]:
            status = self.env._("excluded: %s", verdict["excluded"])
            if verdict["time_off_until"]:
                status += self.env._(" (on time off until %s)", fields.Datetime.to_string(verdict["time_off_until"]))
            return status
        if member == winner:
            return self.env._("assigned: %s", why)
        if verdict["time_off_until"]:
            return self.env._("on time off until %s", fields.Datetime.to_string(verdict["time_off_until"]))
        if not verdict["working_now"]:
            return self.env._("not working now (next: %s)", fields.Datetime.to_string(verdict["next_start"]))
        return self.env._("qualified, not chosen")

    def _routing_ask_seniors(self):
        self.ensure_one()
        for user in self._escalation_users() or self.team_id._seniors().user_id:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=user.id,
                summary=self.env._("Nobody could take this ticket"),
                note=self.env._("Routing found no qualified, available agent: see the Routing tab."),
            )
