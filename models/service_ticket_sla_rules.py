from odoo import api, fields, models

from .service_sla_policy import TARGET_FIELDS

TICKET_SLA_STATUSES = [
    ("none", "No SLA"),
    ("ongoing", "On Track"),
    ("at_risk", "At Risk"),
    ("breached", "Breached"),
    ("met", "Met"),
]
# a change of one of these re-evaluates the policy while a target is open (a contract
# chosen by hand too)
SLA_CONDITION_FIELDS = ("team_id", "category_id", "ticket_type", "priority", "partner_id", "contract_id")


class ServiceTicket(models.Model):
    """SLA behaviour of the ticket: which policy applies, its targets and
    their clock."""

    _inherit = "service.ticket"

    sla_policy_id = fields.Many2one(
        "service.sla.policy",
        string="SLA Policy",
        readonly=True,
        index="btree_not_null",
        tracking=True,
    )
    sla_policy_reason = fields.Char(string="Why this Policy", readonly=True)
    sla_line_ids = fields.One2many("service.ticket.sla", "ticket_id", string="SLA Targets")
    sla_status = fields.Selection(
        TICKET_SLA_STATUSES,
        string="SLA Status",
        compute="_compute_sla_summary",
        store=True,
        index=True,
    )
    sla_deadline = fields.Datetime(
        string="SLA Deadline",
        compute="_compute_sla_summary",
        store=True,
        index=True,
        help="Earliest deadline of the targets still running.",
    )
    first_response_hours = fields.Float(
        readonly=True,
        aggregator="avg",
        help="Working hours from creation to the first response.",
    )
    resolution_hours = fields.Float(
        readonly=True,
        aggregator="avg",
        help="Working hours from creation to resolution, time paused or resolved excluded.",
    )

    @api.depends("sla_line_ids.status", "sla_line_ids.deadline", "sla_line_ids.reached_date")
    def _compute_sla_summary(self):
        for ticket in self:
            # cancelled targets (of a ticket merged into another) count neither way
            lines = ticket.sla_line_ids.filtered(lambda line: line.status != "cancelled")
            running = lines.filtered(lambda line: not line.reached_date)
            statuses = set(running.mapped("status"))
            if "breached" in statuses:
                status = "breached"
            elif "at_risk" in statuses:
                status = "at_risk"
            elif running:
                status = "ongoing"
            elif lines:
                status = "breached" if "breached" in lines.mapped("status") else "met"
            else:
                status = "none"
            ticket.sla_status = status
            deadlines = running.filtered(lambda line: line.status != "paused").mapped("deadline")
            ticket.sla_deadline = min(deadlines) if deadlines else False

    # ------------------------------------------------------------------
    # Which policy
    # ------------------------------------------------------------------

    def _sla_customer_tier(self):
        self.ensure_one()
        return self.partner_id.service_tier_id or self.commercial_partner_id.service_tier_id

    def _sla_contract_policy(self):
        """(policy, reason) from the customer's active service contract;
        contracts extend this."""
        self.ensure_one()
        return self.env["service.sla.policy"], ""

    def _sla_facts(self):
        """What the policies' conditions read of this ticket, as plain values
        (service.sla.policy._first_matching_policy)."""
        self.ensure_one()
        categories = {int(cid) for cid in (self.category_id.parent_path or "").split("/") if cid}
        return {
            "company_id": self.company_id.id,
            "team_id": self.team_id.id,
            "category_ids": categories | {self.category_id.id} - {False},
            "ticket_type": self.ticket_type,
            "priority": self.priority,
            "tier_id": self._sla_customer_tier().id,
            "customer_ids": {self.partner_id.id, self.commercial_partner_id.id} - {False},
        }

    def _sla_find_policies(self):
        """{ticket: (policy, reason)} by service.sla.policy._select."""
        Policy = self.env["service.sla.policy"]
        return {ticket: Policy._select(ticket._sla_facts(), *ticket._sla_contract_policy()) for ticket in self}

    def _sla_calendar(self, policy=None):
        self.ensure_one()
        return (
            (policy and policy.resource_calendar_id)
            or self.team_id.resource_calendar_id
            or self.company_id.resource_calendar_id
        )

    # ------------------------------------------------------------------
    # Targets
    # ------------------------------------------------------------------

    def _sla_line_values(self, policy, target_type, start, replaced=None):
        self.ensure_one()
        values = {
            "ticket_id": self.id,
            "policy_id": policy.id,
            "target_type": target_type,
            "calendar_id": self._sla_calendar(policy).id,
            "target_hours": policy[TARGET_FIELDS[target_type]],
            "warning_percent": policy.warning_percent,
            "start_date": start,
        }
        if replaced:
            # the clock and what was already done about it carry over: a
            # breach stays escalated once, a warning given is not given again
            values.update(
                paused_hours=replaced.paused_hours,
                pause_start=replaced.pause_start,
                warned=replaced.warned,
                escalated=replaced.escalated,
                status=replaced.status if replaced.status in ("paused", "breached", "at_risk") else "ongoing",
            )
        elif target_type == "first_response" and self.first_response_date:
            values["reached_date"] = self.first_response_date
        elif target_type == "resolution" and self.resolved_date:
            values["reached_date"] = self.resolved_date
        elif self._sla_clock_stopped(self.stage_id):
            values.update(pause_start=fields.Datetime.now(), status="paused")
        return values

    @api.model
    def _sla_clock_stopped(self, stage):
        return stage.sla_pause or stage.is_resolved or stage.is_closed

    def _sla_apply_policies(self):
        """Set each ticket's policy and replace its open targets by the
        policy's: start dates kept, reached targets kept. SLA bookkeeping
        runs as superuser: agents and customers only read it."""
        # sudo: SLA bookkeeping of tickets the user creates or changes; agents and customers only read it
        tickets = self.sudo()
        values_list = []
        stale = tickets.env["service.ticket.sla"]
        changed = tickets.browse()  # tickets whose policy changed (else it is applied a first time)
        for ticket, (policy, reason) in tickets._sla_find_policies().items():
            if policy == ticket.sla_policy_id and (ticket.sla_line_ids or not policy):
                if reason != ticket.sla_policy_reason:
                    ticket.sla_policy_reason = reason
                continue
            if ticket.sla_policy_id and ticket.sla_policy_id != policy:
                changed |= ticket
            ticket.write({"sla_policy_id": policy.id, "sla_policy_reason": reason})
            open_lines = ticket.sla_line_ids.filtered(lambda line: not line.reached_date and line.status != "cancelled")
            reached_types = set(ticket.sla_line_ids.filtered("reached_date").mapped("target_type"))
            stale |= open_lines
            if not policy or not ticket._sla_calendar(policy):
                continue
            open_by_type = {line.target_type: line for line in open_lines}
            for target_type, fname in TARGET_FIELDS.items():
                replaced = open_by_type.get(target_type)
                if not policy[fname] or (target_type in reached_types and not replaced):
                    continue
                if target_type == "next_response" and not replaced:
                    continue  # opened by the customer's next message
                start = replaced.start_date if replaced else ticket.create_date
                values_list.append(ticket._sla_line_values(policy, target_type, start, replaced))
        stale._ladder_close(self.env._("The ticket's SLA policy changed."))
        stale.unlink()
        lines = stale.create(values_list)
        stale.env["service.ticket.sla.event"]._log_policy(lines, changed)

    def action_sla_recompute(self):
        """Rebuild the SLA targets of these tickets from their history: the
        policy that applies now, targets started at creation and reached at
        the recorded first response and resolution (after importing tickets
        or changing policies). Managers only: it runs as superuser."""
        self._service_check_manager()
        self.check_access("write")
        # sudo: managers rebuild the SLA targets of tickets they may change (checked above)
        tickets = self.sudo()
        tickets.sla_line_ids.unlink()
        tickets.write({"sla_policy_id": False, "sla_policy_reason": False})
        tickets._sla_apply_policies()
        for ticket in tickets:
            lines = {line.target_type: line for line in ticket.sla_line_ids if line.target_type != "next_response"}
            ticket.write(
                {
                    "first_response_hours": ticket.first_response_date
                    and ticket._sla_elapsed_hours(ticket.first_response_date, lines.get("first_response")),
                    "resolution_hours": ticket.resolved_date
                    and ticket._sla_elapsed_hours(ticket.resolved_date, lines.get("resolution")),
                }
            )
        return True

    # ------------------------------------------------------------------
    # Events
    # ------------------------------------------------------------------

    def _sla_reevaluate(self, vals):
        """A step of write: choose the policy again when `vals` changed one
        of its conditions (or the contract) while a target is still open."""
        if not any(fname in vals for fname in SLA_CONDITION_FIELDS):
            return
        self.filtered(
            lambda t: (
                not t.merged_into_id
                and (
                    any(not line.reached_date and line.status != "cancelled" for line in t.sla_line_ids)
                    or not t.sla_line_ids
                )
            )
        )._sla_apply_policies()

    def _sla_on_stage_change(self, old_stages, now):
        # sudo: SLA clocks of tickets the user just moved (write checked)
        for ticket in self.sudo():
            old, new = old_stages[ticket], ticket.stage_id
            lines = ticket.sla_line_ids
            was_stopped, is_stopped = self._sla_clock_stopped(old), self._sla_clock_stopped(new)
            resolution = lines.filtered(lambda line: line.target_type == "resolution")
            if (old.is_resolved or old.is_closed) and not (new.is_resolved or new.is_closed):
                resolution._reopen(now)
            if was_stopped and not is_stopped:
                lines._resume(now)
            if new.is_resolved and not old.is_resolved:
                resolution._reach(now)
            if is_stopped and not was_stopped:
                lines._pause(now)
            if new.is_resolved and not old.is_resolved:
                ticket.resolution_hours = ticket._sla_elapsed_hours(now, resolution)

    def _sla_elapsed_hours(self, when, line=None):
        """Working hours from creation to `when`, pauses of `line` excluded."""
        self.ensure_one()
        if line:
            return line.elapsed_hours if line.reached_date else 0.0
        calendar = self._sla_calendar(self.sla_policy_id)
        if not calendar:
            return 0.0
        return self.env["service.ticket.sla"]._working_hours(calendar, self.create_date, when)

    def _sla_agent_replied(self, when, first_time):
        """An agent answered at `when`: the open response targets are
        reached; `first_time` tickets get their first-response duration."""
        # the targets of all these tickets reached together: one calendar walk per start (_reach)
        # sudo: response targets an agent's answer reached, bookkeeping
        self.sudo().sla_line_ids.filtered(
            lambda line: line.target_type in ("first_response", "next_response") and not line.reached_date
        )._reach(when)  # (cancelled targets are not reached: _reach)
        # sudo: first-response hours of the same tickets, bookkeeping
        for ticket in first_time.sudo():
            line = ticket.sla_line_ids.filtered(lambda line: line.target_type == "first_response")[:1]
            ticket.first_response_hours = ticket._sla_elapsed_hours(when, line)

    def _sla_customer_wrote(self, when):
        """The customer wrote at `when` on these open tickets: once answered
        a first time, each gets a next-response target if its policy has
        one and none is running."""
        values_list = []
        # sudo: next-response targets the customer's message opens, bookkeeping
        for ticket in self.sudo():
            policy = ticket.sla_policy_id
            if not (policy.next_response_hours and ticket.first_response_date) or ticket.is_resolved:
                continue
            if ticket.merged_into_id or ticket.sla_line_ids.filtered(
                lambda line: (
                    line.target_type == "next_response" and not line.reached_date and line.status != "cancelled"
                )
            ):
                continue
            values_list.append(ticket._sla_line_values(policy, "next_response", when))
        # sudo: the targets built just above
        self.env["service.ticket.sla"].sudo().create(values_list)
