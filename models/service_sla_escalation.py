from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from .append_rows import insert_rows

LADDER_TRIGGERS = [
    ("percent_used", "Share of the Target Used"),
    ("after_breach", "Working Hours after the Breach"),
]
SLA_EVENT_KINDS = [
    ("applied", "Policy Applied"),
    ("paused", "Paused"),
    ("resumed", "Resumed"),
    ("at_risk", "At Risk"),
    ("breached", "Breached"),
    # "met" is met in time, as the target's status says; reached after the deadline is "reached_late"
    ("met", "Met"),
    ("reached_late", "Reached Late"),
    ("policy_changed", "Policy Changed"),
    ("cancelled", "Cancelled"),
    ("level_removed", "Escalation Level Removed"),
]


class ServiceSlaEscalation(models.Model):
    """One level of a policy's escalation ladder: at a moment relative to a
    target's deadline, in working time of the target's calendar, someone
    gets an activity about the ticket, once.

    The rule for the levels after the breach: each has its own delay; only
    one level may act at the breach itself (0 hours), every other one needs
    a delay, and two levels of a policy never share one."""

    _name = "service.sla.escalation"
    _inherit = ["service.sla.rule.mixin"]
    _description = "SLA Escalation Level"
    _order = "policy_id, sequence, id"

    policy_id = fields.Many2one("service.sla.policy", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="policy_id.company_id")
    sequence = fields.Integer(default=10)
    trigger = fields.Selection(LADDER_TRIGGERS, required=True, default="percent_used")
    value = fields.Float(
        required=True,
        help="Share of the target's working time used (1 to 100), "
        "or working hours after the breach (0: at the breach).",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Notify",
        domain="[('share', '=', False)]",
        help="Gets the activity. Empty: the ticket's agent, unless the team's leads are notified.",
    )
    notify_manager = fields.Boolean(
        string="Notify the Team's Leads",
        help="The team's senior agents (else its escalation team, else the service managers) get the activity.",
    )

    @api.depends("policy_id.name", "trigger", "value")
    def _compute_display_name(self):
        """The policy and the moment the level acts, as its activities and
        its events name it."""
        for level in self:
            if level.trigger == "percent_used":
                moment = self.env._("%s %% of the target used", f"{level.value:g}")
            elif level.value:
                moment = self.env._("%s working hours after the breach", f"{level.value:g}")
            else:
                moment = self.env._("at the breach")
            level.display_name = f"{level.policy_id.name}: {moment}"

    @api.constrains("trigger", "value", "policy_id")
    def _check_ladder(self):
        for level in self:
            if level.trigger == "percent_used" and not 1 <= level.value <= 100:
                raise ValidationError(
                    self.env._(
                        "A level before the breach acts when 1 to 100 %% of the target is used, not %(value)s %%.",
                        value=level.value,
                    )
                )
            if level.trigger == "after_breach" and level.value < 0:
                raise ValidationError(
                    self.env._("A level after the breach cannot act before it: its delay is 0 working hours or more.")
                )
        for policy in self.policy_id:
            delays = [lvl.value for lvl in policy.escalation_ids if lvl.trigger == "after_breach"]
            if len(delays) != len(set(delays)):
                raise ValidationError(
                    self.env._(
                        "Policy %(policy)s: only one level may act at the breach itself; every other level after "
                        "the breach needs a delay of its own (working hours after the breach).",
                        policy=policy.name,
                    )
                )

    def unlink(self):
        self._deescalate()
        return super().unlink()

    def _deescalate(self):
        """These levels leave their policy: the open activities they gave are
        marked done (their note stays in the chatter) and each target they
        were about logs it; targets they never acted on are left alone."""
        lines = self.env["service.ticket.sla"]._ladder_mark_done(
            [("service_sla_escalation_id", "in", self.ids)],
            self.env._("Escalation level removed from the SLA policy."),
        )
        self.env["service.ticket.sla.event"]._log("level_removed", lines)


class ServiceSlaPolicy(models.Model):
    _inherit = "service.sla.policy"

    escalation_ids = fields.One2many("service.sla.escalation", "policy_id", string="Escalation Ladder", copy=True)

    @api.model
    @tools.ormcache("self.env.company.id", "self._rules_version()")
    def _ladder_rules(self):
        """{policy id: ((level id, trigger, value), ...)} of every policy with a
        ladder, cached like the matching rules (a change of a level renews
        them): planning a new ticket's targets reads no level."""
        # sudo: the levels as plain values, cached for every user
        # pylint: disable-next=no-search-all  # every level of every policy, a few dozen, cached
        levels = self.env["service.sla.escalation"].sudo().search([])
        rules = {}
        for level in levels:
            rules.setdefault(level.policy_id.id, []).append((level.id, level.trigger, level.value))
        return {policy_id: tuple(items) for policy_id, items in rules.items()}


class ServiceTicketSlaEvent(models.Model):
    """What happened to a ticket's SLA targets, one row per event, written
    by the SLA clock when it acts (service_ticket_sla.py)."""

    _name = "service.ticket.sla.event"
    _description = "Ticket SLA Event"
    _order = "date, id"
    _rec_name = "kind"

    ticket_id = fields.Many2one("service.ticket", required=True, index=True, ondelete="cascade", readonly=True)
    sla_line_id = fields.Many2one(
        "service.ticket.sla", string="SLA Target", index="btree_not_null", ondelete="set null", readonly=True
    )
    policy_id = fields.Many2one("service.sla.policy", string="SLA Policy", ondelete="set null", readonly=True)
    target_type = fields.Selection(related="sla_line_id.target_type", string="Target")
    kind = fields.Selection(SLA_EVENT_KINDS, required=True, readonly=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    company_id = fields.Many2one(related="ticket_id.company_id", store=True, index=True)
    team_id = fields.Many2one(related="ticket_id.team_id", string="Team")

    @api.model
    def _log_policy(self, lines, changed):
        """'applied' for the new `lines`, 'policy_changed' for those of the
        `changed` tickets (whose policy changed or was removed: one row
        without target when no target follows), in one insert."""
        now = fields.Datetime.now()
        values = [self._row("policy_changed" if line.ticket_id in changed else "applied", line, now) for line in lines]
        values += [
            {
                "ticket_id": ticket.id,
                "policy_id": ticket.sla_policy_id.id,
                "kind": "policy_changed",
                "date": now,
                "company_id": ticket.company_id.id,
            }
            for ticket in changed - lines.ticket_id
        ]
        return self._write_rows(values)

    @api.model
    def _log(self, kind, lines, when=None):
        """One row of `kind` for each of the SLA `lines`, in one insert."""
        when = when or fields.Datetime.now()
        return self._write_rows([self._row(kind, line, when) for line in lines])

    @api.model
    def _log_reached(self, lines, when):
        """'met' for the `lines` reached in time, 'reached_late' for those
        reached after their deadline (their status stays breached), in one
        insert."""
        return self._write_rows(
            [self._row("met" if line.status == "met" else "reached_late", line, when) for line in lines]
        )

    @api.model
    def _row(self, kind, line, when):
        return {
            "ticket_id": line.ticket_id.id,
            "sla_line_id": line.id,
            "policy_id": line.policy_id.id,
            "kind": kind,
            "date": when,
            "company_id": line.company_id.id,
        }

    @api.model
    def _write_rows(self, values):
        """Append the events `values` (as _row makes them) to the log in one
        INSERT (insert_rows). The SLA clock writes the log, on every new
        ticket too, as superuser; every value, the stored company included,
        is given. The tickets' logs read before are read again."""
        if not values:
            return self.browse()
        event_ids = insert_rows(
            self.env,
            "service_ticket_sla_event",
            ("ticket_id", "sla_line_id", "policy_id", "kind", "date", "company_id"),
            [
                (
                    row["ticket_id"],
                    row.get("sla_line_id") or None,
                    row.get("policy_id") or None,
                    row["kind"],
                    row["date"],
                    row.get("company_id") or None,
                )
                for row in values
            ],
        )
        self.env["service.ticket"].browse({row["ticket_id"] for row in values}).invalidate_recordset(["sla_event_ids"])
        # sudo: the log is written by the SLA clock; agents only read it
        return self.sudo().browse(event_ids)


class ServiceTicket(models.Model):
    _inherit = "service.ticket"

    sla_event_ids = fields.One2many("service.ticket.sla.event", "ticket_id", string="SLA Events", readonly=True)
