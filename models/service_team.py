import ast

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ServiceTeam(models.Model):
    _name = "service.team"
    _description = "Service Team"
    _inherit = ["mail.alias.mixin", "mail.thread"]
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    description = fields.Html(translate=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    member_ids = fields.One2many("service.team.member", "team_id", string="Members")
    user_ids = fields.Many2many(
        "res.users",
        string="Agents",
        compute="_compute_user_ids",
        search="_search_user_ids",
    )
    resource_calendar_id = fields.Many2one(
        "resource.calendar",
        string="Business Hours",
        default=lambda self: self.env.company.resource_calendar_id,
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        help="Working time used for this team's SLA deadlines and durations.",
    )
    assignment_method = fields.Selection(
        [("manual", "Manual"), ("balanced", "Balanced workload"), ("skills", "Skills")],
        default="manual",
        required=True,
        tracking=True,
        help="Manual: agents take tickets themselves. Balanced: the least loaded available "
        "member gets the ticket. Skills: the best qualified available member gets it.",
    )
    stage_ids = fields.Many2many(
        "service.stage",
        "service_stage_team_rel",
        "team_id",
        "stage_id",
        string="Own Stages",
        help="Stages only some teams use. Stages linked to no team serve every team.",
    )
    portal_visible = fields.Boolean(
        string="Visible on Portal",
        default=True,
        help="Customers can address their requests to this team from the portal.",
    )
    escalation_team_id = fields.Many2one(
        "service.team",
        index="btree_not_null",
        domain="[('id', '!=', id), ('company_id', '=', company_id)]",
        help="Team that takes escalated tickets when this team has no senior agent.",
    )
    reopen_window_days = fields.Integer(
        string="Reopen Window (days)",
        default=14,
        help="Days after closing during which a customer can reopen a ticket; "
        "after that a new linked ticket is created.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    credit_note_approval_amount = fields.Monetary(
        string="Credit Note Approval Above",
        currency_field="currency_id",
        help="A credit note issued from a ticket of this team for more than this amount (tax "
        "included) waits for a service manager's approval. 0 means no approval is needed.",
    )
    repair_done_resolves = fields.Boolean(
        string="Finished Repairs Resolve Tickets",
        default=True,
        help="When the last repair of a ticket is done, the ticket moves to the team's resolved stage.",
    )
    ticket_ids = fields.One2many("service.ticket", "team_id", string="Tickets")
    open_ticket_count = fields.Integer(compute="_compute_ticket_counters")
    unassigned_ticket_count = fields.Integer(compute="_compute_ticket_counters")
    urgent_ticket_count = fields.Integer(compute="_compute_ticket_counters")

    _reopen_window_days_positive = models.Constraint(
        "CHECK(reopen_window_days >= 0)",
        "The reopen window cannot be negative.",
    )
    _credit_note_approval_amount_positive = models.Constraint(
        "CHECK(credit_note_approval_amount >= 0)",
        "The credit note approval amount cannot be negative.",
    )

    def write(self, vals):
        result = super().write(vals)
        if "stage_ids" in vals:
            self.env["service.stage"]._stages_changed()
        return result

    @api.depends("member_ids.user_id", "member_ids.active")
    def _compute_user_ids(self):
        for team in self:
            team.user_ids = team.member_ids.user_id

    def _search_user_ids(self, operator, value):
        return [("member_ids", "any", [("user_id", operator, value)])]

    def _compute_ticket_counters(self):
        Ticket = self.env["service.ticket"]
        open_domain = [("team_id", "in", self.ids), ("is_closed", "=", False)]
        groups = Ticket._read_group(open_domain, ["team_id", "user_id", "priority"], ["__count"])
        counters = {team.id: {"open": 0, "unassigned": 0, "urgent": 0} for team in self}
        for team, user, priority, count in groups:
            counter = counters[team.id]
            counter["open"] += count
            if not user:
                counter["unassigned"] += count
            if priority == "3":
                counter["urgent"] += count
        for team in self:
            team.open_ticket_count = counters[team.id]["open"]
            team.unassigned_ticket_count = counters[team.id]["unassigned"]
            team.urgent_ticket_count = counters[team.id]["urgent"]

    def _seniors(self):
        """The team's active senior members: they take its escalations and
        follow up its poor ratings."""
        return self.member_ids.filtered(lambda m: m.active and m.seniority == "senior")

    @api.constrains("escalation_team_id")
    def _check_escalation_team(self):
        if self._has_cycle("escalation_team_id"):
            raise ValidationError(self.env._("Escalation teams cannot escalate to each other in a loop."))

    def _alias_get_creation_values(self):
        values = super()._alias_get_creation_values()
        values["alias_model_id"] = self.env["ir.model"]._get_id("service.ticket")
        if self.id:
            defaults = ast.literal_eval(self.alias_defaults or "{}")
            defaults["team_id"] = self.id
            values["alias_defaults"] = defaults
        return values

    def _get_open_tickets_action(self, domain, name):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("service_desk.service_ticket_action")
        action.update(
            name=name,
            domain=[("team_id", "=", self.id), ("is_closed", "=", False), *domain],
            context={"default_team_id": self.id, "search_default_group_by_stage": 0},
        )
        return action

    def action_open_tickets(self):
        return self._get_open_tickets_action([], self.env._("Open Tickets"))

    def action_open_unassigned_tickets(self):
        return self._get_open_tickets_action([("user_id", "=", False)], self.env._("Unassigned Tickets"))

    def action_open_urgent_tickets(self):
        return self._get_open_tickets_action([("priority", "=", "3")], self.env._("Urgent Tickets"))
