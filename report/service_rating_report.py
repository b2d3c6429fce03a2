from odoo import api, fields, models
from odoo.tools import SQL

# ratings are 1 (unhappy), 3 (okay) and 5 (happy): at or below this, a rating is low
LOW_RATING = 2
# at or above this, the customer is satisfied (CSAT is the share of satisfied ratings)
SATISFIED_RATING = 4


class ServiceRatingReport(models.Model):
    """One row per rating a customer gave a ticket, with the ticket's team,
    agent, category and customer: CSAT by any of them, and the low ratings
    with their comment and whether someone followed them up (an activity
    planned on the ticket, or one done, since the rating)."""

    _name = "service.rating.report"
    _description = "Customer Satisfaction Analysis"
    _auto = False
    _order = "rated_date desc"
    _rec_name = "ticket_id"

    rating_id = fields.Many2one("rating.rating", readonly=True)
    ticket_id = fields.Many2one("service.ticket", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    team_id = fields.Many2one("service.team", readonly=True)
    user_id = fields.Many2one("res.users", string="Agent", readonly=True)
    category_id = fields.Many2one("service.category", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    rated_date = fields.Datetime(string="Rated On", readonly=True)
    rating = fields.Float(string="Rating (1-5)", readonly=True, aggregator="avg")
    rating_count = fields.Integer(string="Ratings", readonly=True, aggregator="sum")
    csat = fields.Float(
        string="CSAT (%)", readonly=True, aggregator="avg", help="Share of ratings where the customer was satisfied."
    )
    feedback = fields.Text(string="Comment", readonly=True)
    is_low = fields.Boolean(string="Low Rating", readonly=True)
    has_followup = fields.Boolean(
        string="Followed Up",
        readonly=True,
        help="An activity was planned or done on the ticket since the rating.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT rating.id, rating.id AS rating_id, ticket.id AS ticket_id, ticket.company_id, ticket.team_id,
                   ticket.user_id, ticket.category_id, ticket.commercial_partner_id AS partner_id,
                   rating.rated_date, rating.rating, 1 AS rating_count,
                   CASE WHEN rating.rating >= %(satisfied)s THEN 100.0 ELSE 0.0 END AS csat,
                   rating.feedback, rating.rating <= %(low)s AS is_low,
                   (EXISTS (SELECT 1 FROM mail_activity activity
                             WHERE activity.res_model = 'service.ticket' AND activity.res_id = ticket.id
                               AND activity.create_date >= rating.recorded_date)
                    OR EXISTS (SELECT 1 FROM mail_message message
                                WHERE message.model = 'service.ticket' AND message.res_id = ticket.id
                                  AND message.mail_activity_type_id IS NOT NULL
                                  AND message.create_date >= rating.recorded_date)) AS has_followup
              FROM (%(ratings)s) rating
              JOIN service_ticket ticket ON ticket.id = rating.res_id
            """,
            ratings=self._ticket_ratings_query(),
            satisfied=SATISFIED_RATING,
            low=LOW_RATING,
        )

    @api.model
    def _ticket_ratings_query(self):
        """The ratings customers gave tickets (filled in, with a value), each
        dated when the customer rated: the one source of every satisfaction
        figure. A rating's write date moves whenever the record is touched,
        and a ticket's last rating value forgets the earlier ones. Records
        written with the rating (its follow-up activity) are stamped with the
        transaction's time, a moment before rated_on: recorded_date is the
        earlier of the two."""
        return SQL(
            """
            SELECT id, res_id, rating, feedback, COALESCE(rated_on, create_date) AS rated_date,
                   LEAST(rated_on, write_date) AS recorded_date
              FROM rating_rating
             WHERE res_model = 'service.ticket' AND consumed AND rating > 0
            """
        )

    @api.readonly
    def action_open_ticket(self):
        self.ensure_one()
        return self.ticket_id._get_records_action()

    @api.readonly
    def action_schedule_followup(self):
        """Plan a follow-up on the ticket, in the activity dialog."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Follow up"),
            "res_model": "mail.activity.schedule",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "active_model": "service.ticket",
                "active_id": self.ticket_id.id,
                "active_ids": self.ticket_id.ids,
                "default_summary": self.env._("Follow up a poor rating"),
            },
        }
