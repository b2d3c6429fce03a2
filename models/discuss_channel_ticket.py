from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext, plaintext2html


class DiscussChannel(models.Model):
    """A chat (a live chat session when im_livechat is installed, or any
    discussion with a customer) turned into a ticket with its transcript."""

    _inherit = "discuss.channel"

    def action_service_create_ticket(self):
        self.ensure_one()
        ticket = self._service_ticket_from_conversation()
        return ticket._get_records_action()

    def _service_ticket_from_conversation(self):
        self.ensure_one()
        messages = self.message_ids.filtered(lambda m: m.message_type == "comment" and m.body).sorted("id")
        if not messages:
            raise UserError(self.env._("This conversation has no message to make a ticket of."))
        customers = messages.author_id.filtered(lambda partner: partner._service_is_customer_side())
        customer = (
            customers[:1]
            or self.channel_member_ids.partner_id.filtered(lambda partner: partner._service_is_customer_side())[:1]
        )
        lines = [
            f"{fields.Datetime.to_string(message.date)} {message.author_id.name or message.email_from or ''}: "
            f"{html2plaintext(message.body).strip()}"
            for message in messages
        ]
        transcript = "\n".join(lines)
        first_words = html2plaintext((messages.filtered(lambda m: m.author_id in customers)[:1] or messages[:1]).body)
        ticket = self.env["service.ticket"].create(
            {
                "name": (first_words.strip().splitlines() or [self.name or self.env._("Chat")])[0][:80],
                "partner_id": customer.id,
                "channel": "chat",
                "description": plaintext2html(transcript),
            }
        )
        if customer:
            self.env["service.interaction"].create(
                {
                    "partner_id": customer.id,
                    "ticket_id": ticket.id,
                    "channel": "chat",
                    "direction": "inbound",
                    "date": messages[0].date,
                    "duration_minutes": (messages[-1].date - messages[0].date).total_seconds() / 60,
                    "summary": ticket.name,
                    "transcript": transcript,
                }
            )
        self.message_post(
            body=self.env._("Service ticket %s created from this conversation.", ticket.number),
            message_type="notification",
        )
        return ticket
