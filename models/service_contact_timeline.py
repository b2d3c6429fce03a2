from odoo import fields, models
from odoo.tools import SQL

from .service_interaction import INTERACTION_CHANNELS


class ServiceContactTimeline(models.Model):
    """Every contact with a customer in one list, newest first: the emails
    and portal messages of its tickets and the logged interactions."""

    _name = "service.contact.timeline"
    _description = "Customer Contact Timeline"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "summary"

    date = fields.Datetime(readonly=True)
    partner_id = fields.Many2one("res.partner", string="Contact", readonly=True)
    commercial_partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Agent", readonly=True)
    ticket_id = fields.Many2one("service.ticket", readonly=True)
    channel = fields.Selection(INTERACTION_CHANNELS, readonly=True)
    direction = fields.Selection([("inbound", "Inbound"), ("outbound", "Outbound")], readonly=True)
    summary = fields.Char(readonly=True)
    source = fields.Selection([("message", "Ticket message"), ("interaction", "Logged contact")], readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)

    @property
    def _table_query(self):
        comment = self.env.ref("mail.mt_comment").id
        return SQL(
            """
            SELECT message.id * 2 AS id, message.date, ticket.partner_id, ticket.commercial_partner_id,
                   author_user.id AS user_id, ticket.id AS ticket_id,
                   CASE WHEN message.message_type = 'email' THEN 'email' ELSE 'web' END AS channel,
                   CASE WHEN author_user.id IS NULL THEN 'inbound' ELSE 'outbound' END AS direction,
                   COALESCE(NULLIF(message.subject, ''), ticket.name) AS summary,
                   'message' AS source, ticket.company_id
              FROM mail_message message
              JOIN service_ticket ticket ON ticket.id = message.res_id AND message.model = 'service.ticket'
         LEFT JOIN LATERAL (
                    SELECT users.id FROM res_users users
                     WHERE users.partner_id = message.author_id AND users.share IS NOT TRUE
                     LIMIT 1
                   ) author_user ON TRUE
             WHERE message.message_type IN ('email', 'comment') AND message.subtype_id = %s
            UNION ALL
            SELECT interaction.id * 2 + 1, interaction.date, interaction.partner_id,
                   interaction.commercial_partner_id, interaction.user_id, interaction.ticket_id,
                   interaction.channel, interaction.direction, interaction.summary,
                   'interaction', interaction.company_id
              FROM service_interaction interaction
            """,
            comment,
        )

    def action_open_source(self):
        self.ensure_one()
        if self.source == "interaction":
            return self.env["service.interaction"].browse(self.id // 2)._get_records_action()
        return self.ticket_id._get_records_action()
