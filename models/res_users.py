import re

from odoo import api, fields, models

# the agents' record rules, by XML id: each gives what hangs off the tickets of
# the teams the agent works in (res.users.service_team_ids)
AGENT_RULES = (
    "service_ticket_rule_agent",
    "service_ticket_sla_rule_agent",
    "service_ticket_routing_decision_rule_agent",
    "service_interaction_rule_agent",
    "service_contact_timeline_rule_agent",
    "service_ticket_remedy_line_rule_agent",
    "stock_picking_rule_service_agent",
    "repair_order_rule_service_agent",
    "account_move_rule_service_agent",
    "account_move_line_rule_service_agent",
)
# how the rules before 19.0.1.4.0 found the agent's teams: through every member of the team
SEARCHED_MEMBERSHIP = re.compile(
    r"\('((?:\w+\.)*)team_id\.member_ids', 'any', \[\('user_id', '=', user\.id\), \('active', '=', True\)\]\)"
)
NAMED_TEAMS = r"('\1team_id', 'in', user.service_team_ids.ids)"


class ResUsers(models.Model):
    _inherit = "res.users"

    service_team_member_ids = fields.One2many(
        "service.team.member", "user_id", string="Service Team Memberships", groups="base.group_user"
    )
    service_team_ids = fields.Many2many(
        "service.team",
        string="Service Teams",
        compute="_compute_service_team_ids",
        compute_sudo=True,
        groups="base.group_user",
        context={"active_test": False},  # archived teams too
        help="The teams the user works in: those of their active memberships (an archived team "
        "included, so that its members still finish its tickets). The agents' record rules give "
        "them these teams' tickets.",
    )

    @api.depends("service_team_member_ids.team_id", "service_team_member_ids.active")
    def _compute_service_team_ids(self):
        """The one home of "the teams an agent works in". The record rules
        read it once per user and keep the domain in ir.rule's cache:
        service.team.member clears that cache whenever a membership
        changes (_agent_teams_changed)."""
        for user in self:
            user.service_team_ids = user.service_team_member_ids.filtered("active").team_id

    @api.model
    def _service_name_agent_teams_in_rules(self):
        """The agents' record rules as 19.0.1.4.0 writes them, in a database
        whose rules (kept from updates) still search the team's members:
        each such condition names the agent's teams instead. Rules changed
        by hand otherwise are left as they are. Called by the upgrade to
        19.0.1.4.0; returns the rules rewritten."""
        rewritten = self.env["ir.rule"]
        for xmlid in AGENT_RULES:
            rule = self.env.ref(f"service_desk.{xmlid}", raise_if_not_found=False)
            domain = rule and SEARCHED_MEMBERSHIP.sub(NAMED_TEAMS, rule.domain_force or "")
            if domain and domain != rule.domain_force:
                rule.domain_force = domain
                rewritten |= rule
        return rewritten
