from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .service_ticket import TICKET_CHANNELS


class ServiceTeamChannelWeight(models.Model):
    """How much of an agent's capacity one open ticket of a channel takes in
    a team: a chat or a call holds the agent, an email waits. Channels a
    team sets no weight for take DEFAULT_CHANNEL_WEIGHTS (email 0.5, the
    others 1); routing counts them in TICKET_UNITS."""

    _name = "service.team.channel.weight"
    _description = "Channel Weight"
    _order = "team_id, channel"

    team_id = fields.Many2one("service.team", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="team_id.company_id", store=True, index=True, precompute=True)
    channel = fields.Selection(TICKET_CHANNELS, required=True)
    weight = fields.Float(
        required=True,
        default=1.0,
        digits=(16, 2),
        help="Capacity units one open ticket of this channel takes: an agent capped at 10 holds "
        "10 chats, or 20 emails at 0.5.",
    )

    _team_channel_unique = models.Constraint(
        "UNIQUE(team_id, channel)",
        "A team weighs each channel once.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        weights = super().create(vals_list)
        weights._count_team_loads(weights.team_id)
        return weights

    def write(self, vals):
        teams_before = self.team_id
        result = super().write(vals)
        self._count_team_loads(teams_before | self.team_id)
        return result

    def unlink(self):
        teams = self.team_id
        result = super().unlink()
        self._count_team_loads(teams)
        return result

    @api.model
    def _count_team_loads(self, teams):
        """A weight changed: the members of `teams` count their open units again."""
        if teams:
            self.env["service.team.member"]._recount_open_units(SQL("member.team_id = ANY(%s)", teams.ids))

    @api.constrains("weight")
    def _check_weight(self):
        for line in self:
            if line.weight <= 0:
                raise ValidationError(
                    self.env._(
                        "The weight of channel %(channel)s in team %(team)s must be greater than zero "
                        "(%(weight)s given): a ticket always takes some of an agent's capacity.",
                        channel=dict(self._fields["channel"]._description_selection(self.env))[line.channel],
                        team=line.team_id.display_name,
                        weight=line.weight,
                    )
                )


class ServiceTeam(models.Model):
    """Queued routing and capacity per channel, settings of the team's routing."""

    _inherit = "service.team"

    off_shift_routing = fields.Selection(
        [("soonest", "Agent available soonest"), ("queue", "Wait in the team's queue")],
        string="When Nobody Can Take a Ticket",
        default="soonest",
        required=True,
        tracking=True,
        help="Agent available soonest: when no qualified member works now, the ticket goes to the one "
        "whose shift starts first. Wait in the team's queue: when nobody qualified works now or "
        "everyone is at capacity, the ticket waits unassigned and is assigned, by priority then "
        "arrival, as soon as an agent starts work or closes a ticket.",
    )
    channel_weight_ids = fields.One2many(
        "service.team.channel.weight",
        "team_id",
        string="Channel Weights",
        help="Capacity units a ticket of each channel takes. Channels not listed: email 0.5, the others 1.",
    )
