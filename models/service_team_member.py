from odoo import api, fields, models

# what makes a user work in a team (res.users.service_team_ids), and whose
# open tickets the member's load counts (service_team_member_routing.py)
MEMBERSHIP_FIELDS = {"team_id", "user_id", "active"}


class ServiceTeamMember(models.Model):
    _name = "service.team.member"
    _description = "Service Team Member"
    _order = "team_id, seniority desc, id"
    _rec_name = "user_id"

    team_id = fields.Many2one("service.team", required=True, index=True, ondelete="cascade")
    user_id = fields.Many2one(
        "res.users",
        string="Agent",
        required=True,
        index=True,
        ondelete="cascade",
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
    )
    company_id = fields.Many2one(related="team_id.company_id", store=True, index=True)
    active = fields.Boolean(default=True)
    employee_id = fields.Many2one(
        "hr.employee",
        compute="_compute_employee_id",
        help="Employee of the agent in the team's company: skills, calendar and time off come from it.",
    )
    max_open_tickets = fields.Integer(
        string="Capacity",
        default=0,
        help="Open tickets this agent can hold in the team before routing skips them. 0 means no cap.",
    )
    seniority = fields.Selection(
        [("junior", "Junior"), ("regular", "Regular"), ("senior", "Senior")],
        default="regular",
        required=True,
    )
    open_ticket_count = fields.Integer(compute="_compute_open_ticket_count")
    last_assigned_date = fields.Datetime(readonly=True, copy=False)

    _team_user_uniq = models.UniqueIndex("(team_id, user_id)", "This agent is already a member of the team.")
    _max_open_tickets_positive = models.Constraint(
        "CHECK(max_open_tickets >= 0)",
        "The capacity cannot be negative.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        members = super().create(vals_list)
        members._agent_teams_changed()
        # an agent may join a team holding some of its tickets
        members._count_open_units()
        return members

    def write(self, vals):
        result = super().write(vals)
        if MEMBERSHIP_FIELDS & vals.keys():
            self._agent_teams_changed()
            self._count_open_units()
        return result

    def unlink(self):
        result = super().unlink()
        self._agent_teams_changed()
        return result

    def _agent_teams_changed(self):
        """The teams these members' agents work in changed: the agents'
        record rules name those teams (res.users.service_team_ids), and
        ir.rule keeps each user's rules, teams included, in the registry's
        cache. Clearing it makes every worker compute them again at its next
        request (as Odoo does when a user's groups change): an agent added to
        a team sees its tickets at once, a removed one stops at once.
        Memberships change rarely; ticket creation and reads never clear it."""
        self.env.registry.clear_cache()

    @api.depends("user_id", "company_id")
    def _compute_employee_id(self):
        employees = self.env["hr.employee"].search(
            [
                ("user_id", "in", self.user_id.ids),
                ("company_id", "in", self.company_id.ids),
            ]
        )
        by_key = {(emp.user_id.id, emp.company_id.id): emp for emp in employees}
        for member in self:
            member.employee_id = by_key.get((member.user_id.id, member.company_id.id), False)

    def _compute_open_ticket_count(self):
        counts = {
            (team.id, user.id): count
            for team, user, count in self.env["service.ticket"]._read_group(
                [("team_id", "in", self.team_id.ids), ("user_id", "in", self.user_id.ids), ("is_closed", "=", False)],
                ["team_id", "user_id"],
                ["__count"],
            )
        }
        for member in self:
            member.open_ticket_count = counts.get((member.team_id.id, member.user_id.id), 0)
