from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

# what decides the first stage of a team (service.ticket._first_stage_id_of)
STAGE_ORDER_FIELDS = {"sequence", "team_ids", "active"}


class ServiceStage(models.Model):
    _name = "service.stage"
    _description = "Service Ticket Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    fold = fields.Boolean(
        string="Folded in Kanban",
        help="Tickets in a folded stage are hidden from the kanban unless unfolded.",
    )
    team_ids = fields.Many2many(
        "service.team",
        "service_stage_team_rel",
        "stage_id",
        "team_id",
        string="Teams",
        help="Teams using this stage. A stage without team is offered to every team.",
    )
    sla_pause = fields.Boolean(
        string="Pause SLA",
        help="While a ticket is in this stage, its SLA targets do not run (e.g. waiting for the customer).",
    )
    is_resolved = fields.Boolean(
        string="Resolved",
        help="Entering this stage resolves the ticket and meets its resolution target.",
    )
    is_closed = fields.Boolean(
        string="Closed",
        help="Tickets in this stage are finished: they no longer count as open.",
    )
    template_id = fields.Many2one(
        "mail.template",
        string="Email Template",
        domain="[('model', '=', 'service.ticket')]",
        help="Email sent to the customer when a ticket reaches this stage.",
    )
    rating_request = fields.Boolean(
        string="Request Rating",
        help="Ask the customer to rate the service when a ticket reaches this stage.",
    )
    auto_close_days = fields.Integer(
        string="Auto-close After (days)",
        help="Tickets left in this stage that many working days of their team's calendar are closed "
        "automatically, the customer reminded half-way; a customer message starts the wait again. 0 disables it.",
    )
    ticket_count = fields.Integer(compute="_compute_ticket_count")

    _auto_close_days_positive = models.Constraint(
        "CHECK(auto_close_days >= 0)",
        "The auto-close delay cannot be negative.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        stages = super().create(vals_list)
        stages._stages_changed()
        return stages

    def write(self, vals):
        result = super().write(vals)
        if STAGE_ORDER_FIELDS & vals.keys():
            self._stages_changed()
        if "is_closed" in vals:
            self._count_agent_loads()
        return result

    def unlink(self):
        result = super().unlink()
        self._stages_changed()
        return result

    @api.model
    def _stages_changed(self):
        """Which stages teams use, or their order, changed: the first stage
        of each team, which new tickets start in, is looked up again
        (service.ticket._first_stage_id_of keeps it in the registry's
        cache). Stages change rarely."""
        self.env.registry.clear_cache()

    def _count_agent_loads(self):
        """These stages closed or reopened their tickets (their stored
        `is_closed` follows): the members holding tickets in them count
        their open units again."""
        self.env["service.team.member"]._recount_open_units(
            SQL(
                "EXISTS (SELECT 1 FROM service_ticket ticket WHERE ticket.stage_id = ANY(%s)"
                " AND ticket.team_id = member.team_id AND ticket.user_id = member.user_id)",
                self.ids,
            )
        )

    @api.constrains("sla_pause", "is_resolved", "is_closed")
    def _check_pause_not_final(self):
        for stage in self:
            if stage.sla_pause and (stage.is_resolved or stage.is_closed):
                raise ValidationError(
                    self.env._(
                        "Stage %(stage)s cannot pause the SLA and end the ticket at once.",
                        stage=stage.name,
                    )
                )

    def _compute_ticket_count(self):
        counts = dict(
            self.env["service.ticket"]._read_group(
                [("stage_id", "in", self.ids)],
                ["stage_id"],
                ["__count"],
            )
        )
        for stage in self:
            stage.ticket_count = counts.get(stage, 0)
