"""19.0.1.6.0 keeps each team member's load (`open_units`: the agent's open
tickets in the team, weighted by channel) where routing reads it, instead of
counting it for every new ticket: every member counts it once."""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["service.team.member"]._recount_open_units(SQL("TRUE"))
