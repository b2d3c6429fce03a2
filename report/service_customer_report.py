from odoo import api, fields, models
from odoo.tools import SQL


class ServiceCustomerReport(models.Model):
    """One row per customer (commercial partner) and company with tickets:
    volume, tickets per month over the last twelve months, open issues, SLA
    compliance received, CSAT, and the customer's risk score with its
    reasons (read from the customer, as the 360° view computes it)."""

    _name = "service.customer.report"
    _description = "Customer Service Indicators"
    _auto = False
    _order = "ticket_count_12m desc, partner_id"
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    tier_id = fields.Many2one("service.tier", readonly=True)
    ticket_count = fields.Integer(string="Tickets", readonly=True, aggregator="sum")
    ticket_count_12m = fields.Integer(string="Tickets (12 months)", readonly=True, aggregator="sum")
    tickets_per_month = fields.Float(
        string="Tickets per Month",
        readonly=True,
        aggregator="sum",
        help="Tickets of the last twelve months, divided by twelve.",
    )
    open_ticket_count = fields.Integer(string="Open Tickets", readonly=True, aggregator="sum")
    sla_reached_count = fields.Integer(string="SLA Targets Reached", readonly=True, aggregator="sum")
    sla_met_count = fields.Integer(string="SLA Targets Met", readonly=True, aggregator="sum")
    sla_compliance = fields.Float(
        string="SLA Compliance (%)",
        readonly=True,
        aggregator="avg",
        help="Share of the customer's reached SLA targets that were met.",
    )
    rating_count = fields.Integer(
        string="Ratings (12 months)",
        readonly=True,
        aggregator="sum",
        help="Ratings the customer gave in the last twelve months.",
    )
    csat_avg = fields.Float(
        string="Average Rating (1-5)",
        readonly=True,
        aggregator="avg",
        help="Average of the ratings the customer gave in the last twelve months; empty without any.",
    )
    last_ticket_date = fields.Datetime(string="Last Ticket", readonly=True, aggregator="max")
    risk_score = fields.Integer(compute="_compute_risk")
    risk_explanation = fields.Text(compute="_compute_risk", string="Risk Reasons")

    @property
    def _table_query(self):
        return SQL(
            """
            WITH sla AS (
                SELECT line.ticket_id,
                       COUNT(*) FILTER (WHERE line.status IN ('met', 'breached')) AS reached,
                       COUNT(*) FILTER (WHERE line.status = 'met') AS met
                  FROM service_ticket_sla line
              GROUP BY line.ticket_id
            ), rated AS (
                SELECT rating.res_id AS ticket_id, COUNT(*) AS count, SUM(rating.rating) AS total
                  FROM (%(ratings)s) rating
                 WHERE rating.rated_date >= %(since)s
              GROUP BY rating.res_id
            )
            SELECT MIN(ticket.id) AS id, ticket.commercial_partner_id AS partner_id, ticket.company_id,
                   MIN(customer.service_tier_id) AS tier_id,
                   COUNT(*) AS ticket_count,
                   COUNT(*) FILTER (WHERE ticket.create_date >= %(since)s) AS ticket_count_12m,
                   COUNT(*) FILTER (WHERE ticket.create_date >= %(since)s) / 12.0 AS tickets_per_month,
                   COUNT(*) FILTER (WHERE ticket.active AND ticket.is_closed IS NOT TRUE
                                      AND ticket.is_resolved IS NOT TRUE) AS open_ticket_count,
                   COALESCE(SUM(sla.reached), 0) AS sla_reached_count,
                   COALESCE(SUM(sla.met), 0) AS sla_met_count,
                   100.0 * SUM(sla.met) / NULLIF(SUM(sla.reached), 0) AS sla_compliance,
                   COALESCE(SUM(rated.count), 0) AS rating_count,
                   SUM(rated.total) / NULLIF(SUM(rated.count), 0) AS csat_avg,
                   MAX(ticket.create_date) AS last_ticket_date
              FROM service_ticket ticket
              JOIN res_partner customer ON customer.id = ticket.commercial_partner_id
         LEFT JOIN sla ON sla.ticket_id = ticket.id
         LEFT JOIN rated ON rated.ticket_id = ticket.id
          GROUP BY ticket.commercial_partner_id, ticket.company_id
            """,
            since=fields.Datetime.subtract(fields.Datetime.now(), months=12),
            ratings=self.env["service.rating.report"]._ticket_ratings_query(),
        )

    def _compute_risk(self):
        # one batch for all rows: the customer computes its risk in a few grouped queries
        # sudo: risk scores of the rows' customers; the report is the managers' only
        risks = {
            partner.id: (partner.service_risk_score, partner.service_risk_explanation)
            for partner in self.partner_id.sudo()
        }
        for row in self:
            row.risk_score, row.risk_explanation = risks.get(row.partner_id.id, (0, False))

    @api.readonly
    def action_open_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("service_desk.service_ticket_report_action")
        action["domain"] = [("partner_id", "=", self.partner_id.id)]
        action["context"] = {"group_by": ["create_date:month"]}
        return action

    @api.readonly
    def action_open_trend(self):
        self.ensure_one()
        return self.partner_id.action_open_service_trend()


class ServiceCustomerTrendReport(models.Model):
    """Tickets and confirmed sales of customers side by side per period: one
    row per ticket and one per confirmed order (amount untaxed, in the
    company's currency), so that a pivot by month shows the buying trend
    next to the service trend."""

    _name = "service.customer.trend.report"
    _description = "Service and Sales Trend"
    _auto = False
    _order = "date desc"

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    date = fields.Datetime(readonly=True)
    ticket_count = fields.Integer(string="Tickets", readonly=True, aggregator="sum")
    order_count = fields.Integer(string="Confirmed Orders", readonly=True, aggregator="sum")
    sales_amount = fields.Monetary(
        string="Sales (untaxed)", readonly=True, aggregator="sum", currency_field="currency_id"
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT ticket.id * 2 AS id, ticket.commercial_partner_id AS partner_id, ticket.company_id,
                   company.currency_id, ticket.create_date AS date,
                   1 AS ticket_count, 0 AS order_count, 0.0 AS sales_amount
              FROM service_ticket ticket
              JOIN res_company company ON company.id = ticket.company_id
             WHERE ticket.commercial_partner_id IS NOT NULL
         UNION ALL
            SELECT sale.id * 2 + 1, customer.commercial_partner_id, sale.company_id,
                   company.currency_id, sale.date_order,
                   0, 1, sale.amount_untaxed / COALESCE(NULLIF(sale.currency_rate, 0), 1.0)
              FROM sale_order sale
              JOIN res_partner customer ON customer.id = sale.partner_id
              JOIN res_company company ON company.id = sale.company_id
             WHERE sale.state = 'sale'
            """
        )
