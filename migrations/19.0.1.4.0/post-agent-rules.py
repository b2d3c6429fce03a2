"""19.0.1.4.0: the agents' record rules name the teams the agent works in
(res.users.service_team_ids) instead of searching every member of the
ticket's team; the rules are kept from updates, so they are rewritten here."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if version:
        api.Environment(cr, SUPERUSER_ID, {})["res.users"]._service_name_agent_teams_in_rules()
