from odoo import api, fields, models

from .service_team_member_routing import routing_schedule
from .service_ticket_sla import TARGET_TYPES

# a schedule entry: [level id (0: the policy's single at-risk notice), due
# (UTC string), acted, user id (0: the level's recipients; else a notice
# deferred to this user's next working period)]
LEVEL, DUE, ACTED, USER = range(4)


class MailActivity(models.Model):
    _inherit = "mail.activity"

    service_sla_line_id = fields.Many2one(
        "service.ticket.sla",
        string="Escalation of SLA Target",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
    )
    service_sla_escalation_id = fields.Many2one(
        "service.sla.escalation",
        string="Escalation Level",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
    )


class ServiceTicketSla(models.Model):
    """The escalation ladder of an SLA target: when each level of its
    policy's ladder is due (planned on the target's calendar with its
    deadline, again after a pause), which levels acted, and the notices
    waiting for an agent's next working period."""

    _inherit = "service.ticket.sla"

    ladder_schedule = fields.Json(readonly=True, copy=False)
    ladder_due_date = fields.Datetime(readonly=True, copy=False, help="When the next level of the ladder acts.")

    # the ladder cron reads the due levels through this index: its cost
    # follows the levels due, not the targets open
    _ladder_due_idx = models.Index(
        "(ladder_due_date) WHERE reached_date IS NULL AND status IN ('ongoing', 'at_risk', 'breached')"
    )

    # ------------------------------------------------------------------
    # Planning
    # ------------------------------------------------------------------

    @api.model
    def _ladder_hours(self, policy_id, target_hours, paused_hours):
        """[(level id, working hours from the start)] of the policy's ladder."""
        levels = self.env["service.sla.policy"]._ladder_rules().get(policy_id, ())
        return [
            (
                level_id,
                target_hours * value / 100.0 + paused_hours
                if trigger == "percent_used"
                else target_hours + paused_hours + value,
            )
            for level_id, trigger, value in levels
        ]

    @api.model
    def _ladder_values(self, levels_hours, planned, previous=None):
        """Schedule and next due date from the planned moments of the
        levels; levels that acted stay acted, deferred notices keep their
        moment."""
        previous = previous or []
        acted = {entry[LEVEL] for entry in previous if entry[ACTED] and not entry[USER]}
        schedule = [
            [level_id, planned[hours] and fields.Datetime.to_string(planned[hours]), level_id in acted, 0]
            for level_id, hours in levels_hours
        ]
        schedule += [list(entry) for entry in previous if entry[USER] and not entry[ACTED]]
        return {"ladder_schedule": schedule or False, "ladder_due_date": _next_due(schedule)}

    def _ladder_acted(self):
        """The lines of which a level acted: they may hold open activities."""
        return self.filtered(lambda line: any(entry[ACTED] for entry in line.ladder_schedule or ()))

    # ------------------------------------------------------------------
    # Acting
    # ------------------------------------------------------------------

    @api.model
    def _ladder_due_domain(self, now):
        return [
            ("ladder_due_date", "<=", now),
            ("reached_date", "=", False),
            ("status", "in", ("ongoing", "at_risk", "breached")),
        ]

    def _ladder_act(self, now):
        """Act on the levels (and deferred notices) of these lines due at
        `now`, each once: activities created in one batch; a notice before
        the breach to someone off shift waits for their next working period."""
        Level = self.env["service.sla.escalation"]
        schedules, notices = {}, []
        for line in self:
            schedule = [list(entry) for entry in line.ladder_schedule or ()]
            schedules[line] = schedule
            for entry in schedule:
                if entry[ACTED] or not entry[DUE] or fields.Datetime.to_datetime(entry[DUE]) > now:
                    continue
                entry[ACTED] = True
                level = Level.browse(entry[LEVEL]).exists() if entry[LEVEL] else Level
                if entry[LEVEL] and not level:
                    continue  # the level was removed from the policy
                if entry[USER]:  # deferred to this moment: sent now
                    notices.append((line, level, self.env["res.users"].browse(entry[USER]), False))
                    continue
                for user in line._ladder_recipients(level):
                    # a breach's escalation goes at once, a notice before it waits for working hours
                    notices.append((line, level, user, level.trigger != "after_breach"))
        deferred = self._notice_deferrals([(line, user) for line, __, user, may_wait in notices if may_wait], now)
        sent = []
        for line, level, user, may_wait in notices:
            later = deferred.get((line.ticket_id, user), now) if may_wait else now
            if later > now:
                schedules[line].append([level.id, fields.Datetime.to_string(later), False, user.id])
            else:
                sent.append((line, level, user))
        for line, schedule in schedules.items():
            line.write({"ladder_schedule": schedule, "ladder_due_date": _next_due(schedule)})
        self._ladder_notify(sent)

    def _ladder_recipients(self, level):
        """Who a level asks: its user, else the team's leads when it says so
        (ticket._escalation_users), else the ticket's agent (the leads when
        nobody has it)."""
        self.ensure_one()
        ticket = self.ticket_id
        if level.user_id:
            return level.user_id
        if level.notify_manager:
            return ticket._escalation_users()
        return ticket.user_id or ticket._escalation_users()

    @api.model
    def _ladder_notify(self, notices):
        """One activity for each (line, level, user) of `notices`, created
        at once; level empty: the policy's at-risk notice."""
        labels = dict(TARGET_TYPES)
        todo = self.env["ir.model.data"]._xmlid_to_res_id("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id("service.ticket")
        values = []
        for line, level, user in notices:
            ticket = line.ticket_id
            # written for the user who reads it: their language and time zone
            reader = ticket.with_context(**ticket._service_reader_context(user))
            target = labels[line.target_type]
            deadline = reader._service_format_datetime(line.deadline)
            if level.trigger == "after_breach":
                summary = reader.env._("%(target)s breached", target=target)
                note = reader.env._(
                    "The %(target)s target of %(ticket)s was due on %(deadline)s.",
                    target=target,
                    ticket=ticket.display_name,
                    deadline=deadline,
                )
            elif level:
                summary = reader.env._(
                    "%(target)s: %(percent)s %% of the time used", target=target, percent=round(level.value)
                )
                note = reader.env._(
                    "The %(target)s target of %(ticket)s is due on %(deadline)s.",
                    target=target,
                    ticket=ticket.display_name,
                    deadline=deadline,
                )
            else:
                summary = reader.env._("%(target)s at risk", target=target)
                note = reader.env._(
                    "The %(target)s target of %(ticket)s is due on %(deadline)s.",
                    target=target,
                    ticket=ticket.display_name,
                    deadline=deadline,
                )
            values.append(
                {
                    "res_model_id": model_id,
                    "res_id": ticket.id,
                    "activity_type_id": todo,
                    "summary": summary,
                    "note": note,
                    "user_id": user.id,
                    "date_deadline": fields.Date.context_today(reader, line.deadline),
                    # the policy's single notice stays as it always was; ladder levels are closed by de-escalation
                    "service_sla_line_id": line.id if level else False,
                    "service_sla_escalation_id": level.id,
                }
            )
        # sudo: activities the SLA clock gives agents about their tickets
        return self.env["mail.activity"].sudo().create(values)

    @api.model
    def _notice_deferrals(self, pairs, now):
        """{(ticket, user): start of the user's next working period} for the
        users of `pairs` who are off shift at `now` as members of the
        ticket's team (their employee's calendar, public holidays, their time
        off: the availability routing computes); users on shift or not in
        the team are not listed."""
        by_team = {}
        for line, user in pairs:
            by_team.setdefault(line.ticket_id.team_id, set()).add((line.ticket_id, user))
        Member = self.env["service.team.member"]
        result = {}
        for team, wanted in by_team.items():
            users = {user for __, user in wanted}
            members = team.member_ids.filtered(lambda m, users=users: m.active and m.user_id in users)
            if not members:
                continue
            facts, __ = Member._routing_facts(team, set(members.ids), [], now)
            schedules = {member_id: routing_schedule(fact) for member_id, fact in facts.items()}
            calendar = team.resource_calendar_id or team.company_id.resource_calendar_id
            availability = Member._routing_availability(schedules, now, calendar)
            next_start = {}
            for member in members:
                working, start = availability.get(member.id, (True, False))
                if not working and start:
                    next_start[member.user_id] = start
            for ticket, user in wanted:
                if user in next_start:
                    result[ticket, user] = next_start[user]
        return result

    # ------------------------------------------------------------------
    # De-escalation
    # ------------------------------------------------------------------

    def _ladder_close(self, feedback):
        """Mark done the open activities the ladder gave about these lines
        (their history stays in the chatter)."""
        lines = self._ladder_acted()
        if lines:
            self._ladder_mark_done([("service_sla_line_id", "in", lines.ids)], feedback)

    @api.model
    def _ladder_mark_done(self, domain, feedback):
        """Mark done the ladder's open activities matching `domain`, with
        `feedback` as their note; returns the lines they were about."""
        # sudo: the ladder's own activities, closed by the SLA clock
        activities = self.env["mail.activity"].sudo().search(domain)
        lines = activities.service_sla_line_id
        if activities:
            activities.action_feedback(feedback=feedback)
        return lines


def _next_due(schedule):
    due = [entry[DUE] for entry in schedule if not entry[ACTED] and entry[DUE]]
    return fields.Datetime.to_datetime(min(due)) if due else False
