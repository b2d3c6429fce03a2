"""19.0.1.5.0 keeps on every ticket when it entered its current stage
(`waiting_since`, until then kept only while the ticket waited on the
customer): tickets without it take the date of their last stage change in
the chatter's tracking, else their creation."""

from odoo.tools import SQL


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            """
        UPDATE service_ticket ticket
           SET waiting_since = COALESCE(
                   (SELECT MAX(message.date)
                      FROM mail_tracking_value tracking
                      JOIN mail_message message ON message.id = tracking.mail_message_id
                      JOIN ir_model_fields field ON field.id = tracking.field_id
                     WHERE message.model = 'service.ticket' AND message.res_id = ticket.id
                       AND field.model = 'service.ticket' AND field.name = 'stage_id'),
                   ticket.create_date)
         WHERE ticket.waiting_since IS NULL
            """
        )
    )
