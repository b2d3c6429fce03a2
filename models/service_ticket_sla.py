from datetime import timedelta

from odoo import api, fields, models

# how far ahead a deadline is looked for, in weeks of working time
PLANNING_WEEKS = 104

TARGET_TYPES = [
    ("first_response", "First Response"),
    ("next_response", "Next Response"),
    ("resolution", "Resolution"),
]
SLA_LINE_STATUSES = [
    ("ongoing", "Ongoing"),
    ("paused", "Paused"),
    ("at_risk", "At Risk"),
    ("met", "Met"),
    ("breached", "Breached"),
    # the ticket was merged into another, whose targets count: neither met nor breached
    ("cancelled", "Cancelled"),
]


class ServiceTicketSla(models.Model):
    """One SLA target of one ticket. Its clock runs in working time of
    `calendar_id`; pauses push the deadline by the working time they last."""

    _name = "service.ticket.sla"
    _inherit = ["service.percentile.mixin"]
    _description = "Ticket SLA Target"
    _order = "deadline, id"
    _rec_name = "target_type"
    _percentile_measures = {"elapsed_hours_median": "elapsed_hours", "elapsed_hours_p90": "elapsed_hours"}

    ticket_id = fields.Many2one("service.ticket", required=True, index=True, ondelete="cascade")
    policy_id = fields.Many2one("service.sla.policy", required=True, index=True, ondelete="restrict")
    target_type = fields.Selection(TARGET_TYPES, string="Target", required=True)
    company_id = fields.Many2one(related="ticket_id.company_id", store=True, index=True)
    team_id = fields.Many2one(related="ticket_id.team_id", store=True, string="Team")
    user_id = fields.Many2one(related="ticket_id.user_id", store=True, string="Agent")
    partner_id = fields.Many2one(related="ticket_id.commercial_partner_id", store=True, string="Customer")
    calendar_id = fields.Many2one("resource.calendar", string="Business Hours", required=True, ondelete="restrict")
    target_hours = fields.Float(required=True, help="Working hours allowed for this target.")
    warning_percent = fields.Integer(required=True, default=80)
    start_date = fields.Datetime(required=True)
    deadline = fields.Datetime(readonly=True)
    warning_date = fields.Datetime(readonly=True, help="When the target becomes at risk.")
    reached_date = fields.Datetime(readonly=True)
    status = fields.Selection(SLA_LINE_STATUSES, default="ongoing", required=True, readonly=True, index=True)
    paused_hours = fields.Float(readonly=True, help="Working hours during which the clock was stopped.")
    pause_start = fields.Datetime(readonly=True)
    warned = fields.Boolean(readonly=True, help="The agent was told the target is at risk.")
    escalated = fields.Boolean(readonly=True, help="The breach was escalated.")
    elapsed_hours = fields.Float(
        readonly=True,
        aggregator="avg",
        string="Working Hours to Reach",
        help="Working hours from start to reach, pauses excluded.",
    )
    elapsed_hours_median = fields.Float(
        string="Median Working Hours",
        compute="_compute_percentile_measures",
        aggregator="median",
    )
    elapsed_hours_p90 = fields.Float(
        string="P90 Working Hours",
        compute="_compute_percentile_measures",
        aggregator="p90",
    )
    met_count = fields.Integer(compute="_compute_outcome_counts", store=True, aggregator="sum", string="Met")
    breached_count = fields.Integer(compute="_compute_outcome_counts", store=True, aggregator="sum", string="Breached")

    # the deadline cron reads these through partial indexes: its cost follows
    # the lines that are due, not the tickets that are open
    _deadline_open_idx = models.Index("(deadline) WHERE reached_date IS NULL AND status IN ('ongoing', 'at_risk')")
    _warning_open_idx = models.Index("(warning_date) WHERE reached_date IS NULL AND status = 'ongoing'")

    @api.depends("status")
    def _compute_outcome_counts(self):
        for line in self:
            line.met_count = int(line.status == "met")
            line.breached_count = int(line.status == "breached")

    @api.depends("target_type", "ticket_id")
    def _compute_display_name(self):
        labels = dict(TARGET_TYPES)
        for line in self:
            line.display_name = f"{line.ticket_id.number} {labels.get(line.target_type, '')}"

    # ------------------------------------------------------------------
    # Working-time arithmetic (the calendar's own planning functions)
    # ------------------------------------------------------------------

    @api.model
    def _plan(self, calendar, start, hours_list):
        """{hours: datetime reached after that many working hours from
        `start`} for every value of `hours_list`, walking the calendar's
        working periods (its holidays excluded, weekly windows cached by the
        calendar) once, as plan_hours does for one value. Naive UTC in and out."""
        pending = sorted(set(hours_list))
        reached = {}
        done = 0.0
        for begin, end in calendar._service_periods_from(start, PLANNING_WEEKS + 1):
            length = (end - begin).total_seconds() / 3600
            while pending and pending[0] <= done + length:
                hours = pending.pop(0)
                reached[hours] = begin + timedelta(seconds=round((hours - done) * 3600))
            done += length
            if not pending:
                return reached
        return dict(reached, **dict.fromkeys(pending, False))

    @api.model
    def _working_hours(self, calendar, start, end):
        if not start or not end or end <= start:
            return 0.0
        return calendar.get_work_hours_count(start, end, compute_leaves=True)

    def _schedule_hours(self):
        """Working hours from the start to the deadline and to the warning."""
        self.ensure_one()
        return _schedule_hours(self.target_hours, self.paused_hours, self.warning_percent)

    def _schedule_values(self, planned=None):
        """Deadline and warning date of this line from its start, target and
        pauses; `planned` holds the calendar walk when several lines share it."""
        self.ensure_one()
        deadline_hours, warning_hours = self._schedule_hours()
        ladder = self._ladder_hours(self.policy_id.id, self.target_hours, self.paused_hours)
        if planned is None:
            planned = self._plan(
                self.calendar_id, self.start_date, [deadline_hours, warning_hours] + [hours for __, hours in ladder]
            )
        return {
            "deadline": planned[deadline_hours],
            "warning_date": planned[warning_hours],
            **self._ladder_values(ladder, planned, self.ladder_schedule),
        }

    # ------------------------------------------------------------------
    # Clock events
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # deadlines are planned before the lines are written; lines sharing a
        # calendar and a start (a new ticket's targets) share one calendar walk
        # (their escalation ladder's levels too)
        walks, schedules = {}, []
        for vals in vals_list:
            key = (vals["calendar_id"], fields.Datetime.to_datetime(vals["start_date"]))
            hours = _schedule_hours(
                vals["target_hours"],
                vals.get("paused_hours") or 0.0,
                vals.get("warning_percent") or self._fields["warning_percent"].default(self),
            )
            ladder = self._ladder_hours(vals["policy_id"], vals["target_hours"], vals.get("paused_hours") or 0.0)
            walks.setdefault(key, []).extend(hours)
            walks[key].extend(level_hours for __, level_hours in ladder)
            schedules.append((key, hours, ladder))
        Calendar = self.env["resource.calendar"]
        planned = {key: self._plan(Calendar.browse(key[0]), key[1], hours) for key, hours in walks.items()}
        Ticket = self.env["service.ticket"]
        for vals, (key, (deadline_hours, warning_hours), ladder) in zip(vals_list, schedules, strict=True):
            vals["deadline"] = planned[key][deadline_hours]
            vals["warning_date"] = planned[key][warning_hours]
            if ladder and not vals.get("reached_date"):
                vals.update(self._ladder_values(ladder, planned[key], vals.get("ladder_schedule")))
            # stored related and computed values given at once: no second UPDATE of the new lines
            ticket = Ticket.browse(vals["ticket_id"])
            status = vals.get("status", "ongoing")
            vals.update(
                company_id=ticket.company_id.id,
                team_id=ticket.team_id.id,
                user_id=ticket.user_id.id,
                partner_id=ticket.commercial_partner_id.id,
                met_count=int(status == "met"),
                breached_count=int(status == "breached"),
            )
        lines = super().create(vals_list)
        for line in lines.filtered("reached_date"):
            line.write(line._reach_values(line.reached_date, line.deadline))
        return lines

    def _reach_values(self, when, deadline, working_hours=None):
        """`working_hours`: the working hours from the line's start to
        `when`, when already counted (see _reach)."""
        self.ensure_one()
        if working_hours is None:
            working_hours = self._working_hours(self.calendar_id, self.start_date, when)
        elapsed = working_hours - self.paused_hours
        return {
            "reached_date": when,
            "pause_start": False,
            "elapsed_hours": max(elapsed, 0.0),
            "status": "met" if deadline and when <= deadline and not self.escalated else "breached",
        }

    def _reach(self, when):
        """The target is met (or reached late) at `when`, each once: logged,
        and the ladder's activities about it are closed."""
        reached = self.filtered(lambda line: not line.reached_date and line.status != "cancelled")
        reached.filtered("pause_start")._resume(when)
        # lines started together on one calendar (the tickets of one create) share one calendar walk
        working_hours = {}
        for line in reached:
            key = (line.calendar_id, line.start_date)
            if key not in working_hours:
                working_hours[key] = self._working_hours(line.calendar_id, line.start_date, when)
            line.write(line._reach_values(when, line.deadline, working_hours[key]))
        self.env["service.ticket.sla.event"]._log_reached(reached, when)
        reached._ladder_close(self.env._("Target reached."))

    def _cancel(self):
        """The ticket was merged into another: its open targets count
        neither way, their ladder stops."""
        self.write({"status": "cancelled", "pause_start": False})
        self.env["service.ticket.sla.event"]._log("cancelled", self)
        self._ladder_close(self.env._("Ticket merged into another."))

    def _pause(self, when):
        """Stop the clock of the running lines at `when`."""
        # a target already past its deadline is breached: a pause cannot save it
        running = self.filtered(
            lambda line: (
                not line.reached_date
                and not line.pause_start
                and line.status not in ("breached", "cancelled")
                and (not line.deadline or line.deadline > when)
            )
        )
        running.write({"pause_start": when, "status": "paused"})
        self.env["service.ticket.sla.event"]._log("paused", running, when)

    def _resume(self, when):
        """Restart the clock of paused lines: the working time of the pause
        moves the deadline."""
        paused_lines = self.filtered("pause_start")
        for line in paused_lines:
            paused = self._working_hours(line.calendar_id, line.pause_start, when)
            line.write({"paused_hours": line.paused_hours + paused, "pause_start": False})
            line.write(line._schedule_values())
            line.status = line._status_after_resume(when)
        self.env["service.ticket.sla.event"]._log("resumed", paused_lines, when)

    def _reopen(self, when):
        """A reached resolution target runs again: the time it spent reached
        does not count."""
        for line in self.filtered(lambda line: line.reached_date and line.status != "cancelled"):
            stopped = self._working_hours(line.calendar_id, line.reached_date, when)
            line.write(
                {
                    "paused_hours": line.paused_hours + stopped,
                    "reached_date": False,
                    "elapsed_hours": False,
                }
            )
            line.write(line._schedule_values())
            line.status = line._status_after_resume(when)

    def _status_after_resume(self, when):
        self.ensure_one()
        if self.escalated:
            return "breached"
        if self.warned:
            return "at_risk"
        return "ongoing"

    # ------------------------------------------------------------------
    # Deadline watch
    # ------------------------------------------------------------------

    @api.model
    def _due_domain(self, kind, now):
        if kind == "breach":
            return [("reached_date", "=", False), ("status", "in", ("ongoing", "at_risk")), ("deadline", "<=", now)]
        return [
            ("reached_date", "=", False),
            ("status", "=", "ongoing"),
            ("warning_date", "<=", now),
            ("deadline", ">", now),
        ]

    @api.model
    def _cron_check_deadlines(self, batch_size=200):
        """Breach the lines past their deadline, then warn about those past
        their warning date, then act on the escalation ladders' levels due
        (and the notices deferred to an agent's working hours). Each line
        (each level) acts once (its status leaves the due
        domain), so an interrupted run resumes where it stopped."""
        now = fields.Datetime.now()
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        for kind in ("breach", "warning", "ladder"):
            while True:
                if kind == "ladder":
                    domain, order = self._ladder_due_domain(now), "ladder_due_date, id"
                else:
                    domain, order = self._due_domain(kind, now), "deadline, id"
                lines = self.search(domain, order=order, limit=batch_size)
                if not lines:
                    break
                if kind == "breach":
                    lines._escalate_breaches()
                elif kind == "warning":
                    lines._warn_at_risk(now)
                else:
                    lines._ladder_act(now)
                if in_cron:
                    self.env["ir.cron"]._commit_progress(len(lines))
                else:
                    self.env.flush_all()

    def _warn_at_risk(self, now=None):
        """The lines are at risk: the agent (else whom escalation asks) is
        told, unless the policy's ladder has levels before the breach (they
        tell instead); someone off shift is told at the start of their next
        working period (the ladder's schedule keeps the notice)."""
        now = now or fields.Datetime.now()
        self.write({"status": "at_risk", "warned": True})
        self.env["service.ticket.sla.event"]._log("at_risk", self, now)
        rules = self.env["service.sla.policy"]._ladder_rules()
        pairs = []
        for line in self:
            if any(trigger == "percent_used" for __, trigger, __ in rules.get(line.policy_id.id, ())):
                continue
            ticket = line.ticket_id
            pairs += [(line, user) for user in ticket.user_id or ticket._escalation_users()]
        deferred = self._notice_deferrals(pairs, now)
        Level, sent = self.env["service.sla.escalation"], []
        for line, user in pairs:
            later = deferred.get((line.ticket_id, user), now)
            if later > now:
                schedule = [*(line.ladder_schedule or []), [0, fields.Datetime.to_string(later), False, user.id]]
                line.write({"ladder_schedule": schedule, "ladder_due_date": min(later, line.ladder_due_date or later)})
            else:
                sent.append((line, Level, user))
        self._ladder_notify(sent)

    def _escalate_breaches(self):
        """The lines are breached: the ticket is escalated at once, unless
        the policy's ladder has levels after the breach (they act instead,
        from the ladder's schedule)."""
        self.write({"status": "breached", "escalated": True})
        self.env["service.ticket.sla.event"]._log("breached", self)
        labels = dict(TARGET_TYPES)
        rules = self.env["service.sla.policy"]._ladder_rules()
        # escalating may move a ticket to another team and replace its open
        # targets: decide everything before acting
        escalations = []
        for line in self:
            if any(trigger == "after_breach" for __, trigger, __ in rules.get(line.policy_id.id, ())):
                continue
            ticket = line.ticket_id
            # written for the ticket's agent (else whom escalation asks): their language and time zone
            reader = ticket.with_context(
                **ticket._service_reader_context(ticket.user_id or ticket._escalation_users()[:1])
            )
            reason = reader.env._(
                "%(target)s target of policy %(policy)s breached (deadline %(deadline)s).",
                target=labels[line.target_type],
                policy=line.policy_id.name,
                deadline=reader._service_format_datetime(line.deadline),
            )
            escalations.append((ticket, line.policy_id.escalation_user_id, reason))
        for ticket, escalation_user, reason in escalations:
            ticket.action_escalate(reason, notify_users=escalation_user)


def _schedule_hours(target_hours, paused_hours, warning_percent):
    """Working hours from a target's start to its deadline and to its warning."""
    return target_hours + paused_hours, target_hours * warning_percent / 100.0 + paused_hours
