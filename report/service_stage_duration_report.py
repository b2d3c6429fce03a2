from odoo import fields, models
from odoo.tools import SQL


class ServiceStageDurationReport(models.Model):
    """Time tickets spent in each stage they left, from the stage tracking
    of the chatter: where tickets wait, per team, agent and category."""

    _name = "service.stage.duration.report"
    _description = "Time in Stage"
    _auto = False
    _order = "left_date desc"

    ticket_id = fields.Many2one("service.ticket", readonly=True)
    stage_id = fields.Many2one("service.stage", readonly=True)
    team_id = fields.Many2one("service.team", readonly=True)
    user_id = fields.Many2one("res.users", string="Agent", readonly=True)
    category_id = fields.Many2one("service.category", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    left_date = fields.Datetime(string="Left On", readonly=True)
    hours = fields.Float(string="Hours in Stage", readonly=True, aggregator="avg")
    stay_count = fields.Integer(string="Stays", readonly=True, aggregator="sum")

    @property
    def _table_query(self):
        stage_field = self.env["ir.model.fields"]._get("service.ticket", "stage_id")
        return SQL(
            """
            SELECT tracking.id, ticket.id AS ticket_id, tracking.old_value_integer AS stage_id, ticket.team_id,
                   ticket.user_id, ticket.category_id, ticket.company_id, tracking.create_date AS left_date,
                   EXTRACT(EPOCH FROM tracking.create_date - COALESCE(
                       LAG(tracking.create_date) OVER (PARTITION BY ticket.id ORDER BY tracking.id),
                       ticket.create_date)) / 3600 AS hours,
                   1 AS stay_count
              FROM mail_tracking_value tracking
              JOIN mail_message message ON message.id = tracking.mail_message_id
              JOIN service_ticket ticket ON ticket.id = message.res_id AND message.model = 'service.ticket'
             WHERE tracking.field_id = %s AND tracking.old_value_integer IS NOT NULL
            """,
            stage_field.id,
        )
