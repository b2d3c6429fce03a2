import json

from markupsafe import Markup, escape
from psycopg2.extras import Json as PsycopgJson

from odoo import api, fields, models
from odoo.tools import SQL, html2plaintext, html_sanitize
from odoo.tools.json import json_default
from odoo.tools.sql import column_exists

from .append_rows import insert_rows


def _dumps(value):
    """JSON of a decision's facts, as the Json field writes them."""
    return json.dumps(value, ensure_ascii=False, default=json_default)


ROUTING_KINDS = [
    ("routing", "Routing"),
    ("reroute", "Re-route"),
    ("escalation", "Escalation"),
    ("queue", "From the queue"),
]


class ServiceTicketRoutingDecision(models.Model):
    """One routing decision on a ticket: who decided when, who got the
    ticket, and the facts routing weighed. The facts are kept as data (ids,
    figures, UTC datetimes) and put into words for whoever reads them, in
    their language and time zone.

    `facts` holds:

    - ``escalation``: whether only seniors (or the escalation team) were
      candidates;
    - ``why``: why the winner won, {"soonest": UTC datetime string when
      nobody worked, "preferred": bool, "tie": "load" / "margin" /
      "recent" / None, "open", "ratio" (percent), "margin"}; without a
      winner in a team that queues, why the ticket waits in the queue:
      {"queue": "off_shift" (nobody qualified works now) / "capacity"
      (everyone qualified is at capacity)};
    - ``rows``: the first candidates in the order routing ranked them, the
      winner first: {"user", "open", "margin", "excluded", "working_now",
      "next_start", "time_off_until"}, the working hours (working_now,
      next_start) weighed only for members not excluded by skills or
      capacity;
    - ``rest`` and ``others``: [[reason, count]] of the candidates beyond
      the rows, and of every candidate but the winner;

    a reason being None (qualified, not chosen) or a list: ["skills",
    [[skill id, level id], ...]], ["capacity", open, max], ["no_time"],
    ["claimed"];

    - ``text``: instead of all the above, an explanation written before
      decisions were kept (sanitized HTML, shown as it was written)."""

    _name = "service.ticket.routing.decision"
    _description = "Routing Decision"
    _order = "id desc"

    ticket_id = fields.Many2one("service.ticket", required=True, index=True, ondelete="cascade")
    # precomputed: a decision is saved with its company, not updated right after
    company_id = fields.Many2one(related="ticket_id.company_id", store=True, index=True, precompute=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    kind = fields.Selection(ROUTING_KINDS, required=True, default="routing", readonly=True)
    decided_by_id = fields.Many2one(
        "res.users", default=lambda self: self.env.user, readonly=True, help="Who routed, or escalated."
    )
    user_id = fields.Many2one("res.users", string="Assigned To", readonly=True)
    team_id = fields.Many2one("service.team", string="Routed In", readonly=True)
    facts = fields.Json(readonly=True)
    summary = fields.Char(compute="_compute_explanation")
    explanation = fields.Html(compute="_compute_explanation")

    @api.depends_context("lang", "tz")
    @api.depends("facts", "user_id", "team_id")
    def _compute_explanation(self):
        for decision in self:
            facts = decision._facts()  # read once: each read of a Json field copies it
            decision.summary = decision._render_headline(facts)
            decision.explanation = decision._render_explanation(facts)

    @api.model
    def _keep(self, ticket, kind, user, team, facts):
        """Keep the decision of `kind` routing just took for `ticket`: the
        `user` it was given to (none when nobody), the `team` routed in, the
        `facts` weighed; decided now by the current user. Routing keeps one
        on every ticket it routes: in one INSERT (insert_rows), as a
        decision is never changed once kept (its company the ticket's); the
        ORM's create would convert the facts three times. The ticket's
        history read before is read again."""
        [decision_id] = insert_rows(
            self.env,
            "service_ticket_routing_decision",
            ("ticket_id", "company_id", "date", "kind", "decided_by_id", "user_id", "team_id", "facts"),
            [
                (
                    ticket.id,
                    ticket.company_id.id or None,
                    fields.Datetime.now(),
                    kind,
                    self.env.uid,
                    user.id or None,
                    team.id or None,
                    PsycopgJson(facts, dumps=_dumps),
                )
            ],
        )
        ticket.invalidate_recordset(["routing_decision_ids", "routing_explanation"])
        return self.browse(decision_id)

    # ------------------------------------------------------------------
    # Words, for the reader
    # ------------------------------------------------------------------

    def _facts(self):
        """The facts, as a copy of their own (each read copies them: read
        once and pass them to the _render_* methods)."""
        return self.facts or {}

    def _when(self, value):
        return self.env["service.ticket"]._service_format_datetime(fields.Datetime.to_datetime(value))

    def _render_reason(self, reason):
        """A reason a candidate was excluded (None: qualified, not chosen)."""
        if not reason:
            return self.env._("qualified, not chosen")
        kind = reason[0]
        if kind == "skills":
            # sudo: names of the skills a decision the reader may read names
            skills = self.env["hr.skill"].sudo().browse([skill for skill, __ in reason[1]])
            levels = self.env["hr.skill.level"].sudo().browse([level for __, level in reason[1]])  # sudo: as above
            return ", ".join(
                self.env._("missing skill %(skill)s at level %(level)s", skill=skill.name, level=level.name)
                for skill, level in zip(skills, levels, strict=True)
            )
        if kind == "capacity":
            return self.env._("at capacity %(open)s/%(max)s", open=reason[1], max=reason[2])
        if kind == "no_time":
            return self.env._("no working time in the next two weeks")
        return self.env._("reached capacity while routing")

    def _render_why(self, facts):
        why = facts.get("why") or {}
        if why.get("soonest"):
            text = self.env._("nobody works now; available soonest (%s)", self._when(why["soonest"]))
        else:
            text = self.env._("works now")
        if why.get("preferred"):
            return self.env._("%s, and is the customer's preferred agent", text)
        tie = why.get("tie")
        if tie == "load":
            tie_break = self.env._("lowest load (%(open)s open, %(ratio)s%%)", open=why["open"], ratio=why["ratio"])
        elif tie == "margin":
            tie_break = self.env._("same load, larger skill margin (+%s)", why["margin"])
        elif tie == "recent":
            tie_break = self.env._("same load and skills, least recently assigned")
        else:
            return text
        return f"{text}; {tie_break}"

    def _render_headline(self, facts):
        self.ensure_one()
        if not facts:
            return ""
        if facts.get("text"):
            return html2plaintext(facts["text"]).strip().split("\n", 1)[0]
        team = self.team_id.name or ""
        if self.user_id:
            headline = self.env._(
                "Assigned to %(agent)s: %(why)s.", agent=self.user_id.name, why=self._render_why(facts)
            )
        elif not facts.get("rows") and facts.get("escalation"):
            headline = self.env._(
                "No senior agent of %s other than the current one, and no escalation team to take over.", team
            )
        elif not facts.get("rows"):
            headline = self.env._("Nobody to route to: team %s has no active member.", team)
        elif (facts.get("why") or {}).get("queue") == "off_shift":
            headline = self.env._(
                "Waiting in the queue of %s: nobody qualified works now; the first agent to start work takes it.",
                team,
            )
        elif (facts.get("why") or {}).get("queue"):
            headline = self.env._(
                "Waiting in the queue of %s: every qualified member is at capacity; the first to free some takes it.",
                team,
            )
        else:
            headline = self.env._("Left unassigned: no member of %s qualifies now.", team)
        if facts.get("escalation"):
            headline = self.env._("Escalation. %s", headline)
        return headline

    def _render_status(self, row, facts):
        """What became of one candidate."""
        if row["excluded"]:
            status = self.env._("excluded: %s", self._render_reason(row["excluded"]))
            if row.get("time_off_until"):
                status += self.env._(" (on time off until %s)", self._when(row["time_off_until"]))
            return status
        if self.user_id and row["user"] == self.user_id.id:
            return self.env._("assigned: %s", self._render_why(facts))
        if row.get("time_off_until"):
            return self.env._("on time off until %s", self._when(row["time_off_until"]))
        if not row.get("working_now"):
            return self.env._("not working now (next: %s)", self._when(row["next_start"]))
        return self.env._("qualified, not chosen")

    def _render_counts(self, counts):
        return "; ".join(f"{count} × {self._render_reason(reason)}" for reason, count in counts)

    def _render_explanation(self, facts):
        """The table of the Routing tab: the winner, then the other
        candidates in the order routing ranked them, then the excluded
        ones with their reason; the members beyond the listed ones counted
        by reason."""
        self.ensure_one()
        if not facts:
            return False
        if facts.get("text"):
            return Markup(facts["text"])  # sanitized when it was kept (_adopt_written_explanations)
        rows = facts.get("rows") or []
        # sudo: names of the candidates of a decision the reader may read
        names = {user.id: user.name for user in self.env["res.users"].sudo().browse([row["user"] for row in rows])}
        lines = [
            Markup("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>")
            % (names.get(row["user"], ""), row["open"], row["margin"], self._render_status(row, facts))
            for row in rows
        ]
        rest = facts.get("rest") or []
        if rest:
            lines.append(
                Markup('<tr><td colspan="4">%s</td></tr>')
                % self.env._(
                    "and %(count)s more: %(summary)s",
                    count=sum(count for __, count in rest),
                    summary=self._render_counts(rest),
                )
            )
        header = Markup("<tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>") % (
            self.env._("Agent"),
            self.env._("Open tickets"),
            self.env._("Skill margin"),
            self.env._("Decision"),
        )
        return Markup('<p>%s</p><table class="table table-sm o_service_routing">%s%s</table>') % (
            escape(self._render_headline(facts)),
            header,
            Markup("").join(lines),
        )

    def _render_note(self, facts):
        """The chatter's note: who got the ticket and why, the others
        counted by reason, from the decision's `facts`."""
        self.ensure_one()
        note = Markup("<p>%s</p>") % self._render_headline(facts)
        others = facts.get("others") or []
        if others:
            note += Markup("<p>%s</p>") % self.env._(
                "Other candidates: %(summary)s. Each one is in the Routing tab.",
                summary=self._render_counts(others),
            )
        return note

    # ------------------------------------------------------------------
    # Upgrade
    # ------------------------------------------------------------------

    @api.model
    def _adopt_written_explanations(self):
        """Before decisions were kept, each ticket stored its latest routing
        explanation as text in service_ticket.routing_explanation. Keep each
        of those texts as the ticket's first decision, dated when the ticket
        was created, then drop the column: its texts would
        otherwise stay where neither the desk nor an erasure reaches them.
        Called by the upgrade to 19.0.1.1.0; does nothing without the column."""
        cr = self.env.cr
        if not column_exists(cr, "service_ticket", "routing_explanation"):
            return self.browse()
        cr.execute(
            SQL(
                """SELECT id, routing_explanation, create_date, user_id, team_id
                     FROM service_ticket
                    WHERE COALESCE(routing_explanation, '') != ''"""
            )
        )
        decisions = self.create(
            [
                {
                    "ticket_id": ticket_id,
                    "facts": {"text": html_sanitize(text)},
                    "date": date,
                    "decided_by_id": False,
                    "user_id": user_id,
                    "team_id": team_id,
                }
                for ticket_id, text, date, user_id, team_id in cr.fetchall()
            ]
        )
        cr.execute(SQL("ALTER TABLE service_ticket DROP COLUMN routing_explanation"))
        return decisions
