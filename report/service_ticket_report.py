from odoo import api, fields, models
from odoo.tools import SQL

from ..models.service_ticket import TICKET_CHANNELS, TICKET_PRIORITIES, TICKET_TYPES

SLA_OUTCOMES = [("none", "No target"), ("running", "Running"), ("met", "Met"), ("breached", "Breached")]
AGE_BUCKETS = [
    ("0_1", "Under a day"),
    ("1_3", "1 to 3 days"),
    ("3_7", "3 to 7 days"),
    ("7_30", "1 to 4 weeks"),
    ("30", "Over 4 weeks"),
]


class ServiceTicketReport(models.Model):
    """One row per ticket with what managers measure: durations in working
    and calendar hours, SLA outcomes, reopens, escalations, rating, age.
    Rates are averages of 0/100 columns (empty where they do not apply), so
    pivots show them as percentages; medians and p90 come from the
    percentile mixin. Archived tickets count too."""

    _name = "service.ticket.report"
    _inherit = ["service.percentile.mixin"]
    _description = "Service Ticket Analysis"
    _auto = False
    _order = "create_date desc"
    _rec_name = "number"
    _percentile_measures = {
        "first_response_hours_median": "first_response_hours",
        "first_response_hours_p90": "first_response_hours",
        "resolution_hours_median": "resolution_hours",
        "resolution_hours_p90": "resolution_hours",
    }

    ticket_id = fields.Many2one("service.ticket", readonly=True)
    number = fields.Char(readonly=True)
    name = fields.Char(string="Subject", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    team_id = fields.Many2one("service.team", readonly=True)
    user_id = fields.Many2one("res.users", string="Agent", readonly=True)
    stage_id = fields.Many2one("service.stage", readonly=True)
    category_id = fields.Many2one("service.category", readonly=True)
    ticket_type = fields.Selection(TICKET_TYPES, string="Type", readonly=True)
    channel = fields.Selection(TICKET_CHANNELS, readonly=True)
    priority = fields.Selection(TICKET_PRIORITIES, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    tier_id = fields.Many2one("service.tier", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    sla_policy_id = fields.Many2one("service.sla.policy", string="SLA Policy", readonly=True)
    create_date = fields.Datetime(string="Created On", readonly=True)
    first_response_date = fields.Datetime(readonly=True)
    resolved_date = fields.Datetime(readonly=True)
    closed_date = fields.Datetime(readonly=True)
    is_open = fields.Boolean(readonly=True)
    ticket_count = fields.Integer(string="Tickets", readonly=True, aggregator="sum")
    first_response_hours = fields.Float(string="First Response (working h)", readonly=True, aggregator="avg")
    resolution_hours = fields.Float(string="Resolution (working h)", readonly=True, aggregator="avg")
    first_response_calendar_hours = fields.Float(string="First Response (calendar h)", readonly=True, aggregator="avg")
    resolution_calendar_hours = fields.Float(string="Resolution (calendar h)", readonly=True, aggregator="avg")
    first_response_hours_median = fields.Float(
        string="Median First Response (working h)", compute="_compute_percentile_measures", aggregator="median"
    )
    first_response_hours_p90 = fields.Float(
        string="P90 First Response (working h)", compute="_compute_percentile_measures", aggregator="p90"
    )
    resolution_hours_median = fields.Float(
        string="Median Resolution (working h)", compute="_compute_percentile_measures", aggregator="median"
    )
    resolution_hours_p90 = fields.Float(
        string="P90 Resolution (working h)", compute="_compute_percentile_measures", aggregator="p90"
    )
    first_response_sla = fields.Selection(SLA_OUTCOMES, string="First Response SLA", readonly=True)
    resolution_sla = fields.Selection(SLA_OUTCOMES, string="Resolution SLA", readonly=True)
    sla_compliance = fields.Float(
        string="SLA Compliance (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the ticket's reached targets that were met.",
    )
    reopen_count = fields.Integer(readonly=True, aggregator="sum")
    reopen_rate = fields.Float(string="Reopen Rate (%)", readonly=True, aggregator="avg")
    fcr_rate = fields.Float(
        string="First Contact Resolution (%)",
        readonly=True,
        aggregator="avg",
        help="Resolved with at most one agent reply and never reopened.",
    )
    escalation_level = fields.Integer(string="Escalations", readonly=True, aggregator="sum")
    rating = fields.Float(
        string="Rating (1-5)",
        readonly=True,
        aggregator="avg",
        help="The customer's latest rating of the ticket; empty when not rated.",
    )
    age_days = fields.Float(string="Age (days)", readonly=True, aggregator="avg")
    age_bucket = fields.Selection(AGE_BUCKETS, readonly=True)

    @property
    def _table_query(self):
        comment = self.env.ref("mail.mt_comment").id
        return SQL(
            """
            SELECT ticket.id, ticket.id AS ticket_id, ticket.number, ticket.name, ticket.company_id,
                   ticket.team_id, ticket.user_id, ticket.stage_id, ticket.category_id, ticket.ticket_type,
                   ticket.channel, ticket.priority, ticket.commercial_partner_id AS partner_id,
                   COALESCE(contact.service_tier_id, customer.service_tier_id) AS tier_id,
                   ticket.product_id, ticket.sla_policy_id, ticket.create_date, ticket.first_response_date,
                   ticket.resolved_date, ticket.closed_date, ticket.is_closed IS NOT TRUE AS is_open,
                   1 AS ticket_count,
                   ticket.first_response_hours, ticket.resolution_hours,
                   EXTRACT(EPOCH FROM ticket.first_response_date - ticket.create_date) / 3600
                       AS first_response_calendar_hours,
                   EXTRACT(EPOCH FROM ticket.resolved_date - ticket.create_date) / 3600
                       AS resolution_calendar_hours,
                   COALESCE(sla.first_response, 'none') AS first_response_sla,
                   COALESCE(sla.resolution, 'none') AS resolution_sla,
                   sla.compliance AS sla_compliance,
                   COALESCE(ticket.reopen_count, 0) AS reopen_count,
                   CASE WHEN ticket.resolved_date IS NULL AND COALESCE(ticket.reopen_count, 0) = 0 THEN NULL
                        WHEN ticket.reopen_count > 0 THEN 100.0 ELSE 0.0 END AS reopen_rate,
                   CASE WHEN ticket.resolved_date IS NULL THEN NULL
                        WHEN COALESCE(ticket.reopen_count, 0) = 0 AND COALESCE(replies.count, 0) <= 1 THEN 100.0
                        ELSE 0.0 END AS fcr_rate,
                   COALESCE(ticket.escalation_level, 0) AS escalation_level,
                   rated.rating,
                   EXTRACT(EPOCH FROM COALESCE(ticket.closed_date, now() AT TIME ZONE 'UTC')
                                      - ticket.create_date) / 86400 AS age_days,
                   CASE
                       WHEN age.days < 1 THEN '0_1' WHEN age.days < 3 THEN '1_3' WHEN age.days < 7 THEN '3_7'
                       WHEN age.days < 30 THEN '7_30' ELSE '30'
                   END AS age_bucket
              FROM service_ticket ticket
         LEFT JOIN res_partner contact ON contact.id = ticket.partner_id
         LEFT JOIN res_partner customer ON customer.id = ticket.commercial_partner_id
         LEFT JOIN LATERAL (
                   SELECT EXTRACT(EPOCH FROM COALESCE(ticket.closed_date, now() AT TIME ZONE 'UTC')
                                              - ticket.create_date) / 86400 AS days
                   ) age ON TRUE
         LEFT JOIN (
                   SELECT line.ticket_id,
                          MAX(CASE WHEN line.target_type = 'first_response' THEN
                                   CASE WHEN line.status IN ('met', 'breached') THEN line.status ELSE 'running' END
                              END) AS first_response,
                          MAX(CASE WHEN line.target_type = 'resolution' THEN
                                   CASE WHEN line.status IN ('met', 'breached') THEN line.status ELSE 'running' END
                              END) AS resolution,
                          100.0 * COUNT(*) FILTER (WHERE line.status = 'met')
                              / NULLIF(COUNT(*) FILTER (WHERE line.status IN ('met', 'breached')), 0)
                              AS compliance
                     FROM service_ticket_sla line
                    WHERE line.status != 'cancelled'
                 GROUP BY line.ticket_id
                   ) sla ON sla.ticket_id = ticket.id
         LEFT JOIN (
                   SELECT message.res_id, COUNT(*) AS count
                     FROM mail_message message
                     JOIN res_users author ON author.partner_id = message.author_id AND author.share IS NOT TRUE
                    WHERE message.model = 'service.ticket'
                      AND message.message_type IN ('comment', 'email') AND message.subtype_id = %s
                 GROUP BY message.res_id
                   ) replies ON replies.res_id = ticket.id
         LEFT JOIN (
                   SELECT DISTINCT ON (rating.res_id) rating.res_id, rating.rating
                     FROM (%s) rating
                 ORDER BY rating.res_id, rating.rated_date DESC, rating.id DESC
                   ) rated ON rated.res_id = ticket.id
            """,
            comment,
            self.env["service.rating.report"]._ticket_ratings_query(),
        )

    @api.readonly
    def action_open_ticket(self):
        self.ensure_one()
        return self.ticket_id._get_records_action()
