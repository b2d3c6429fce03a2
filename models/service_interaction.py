from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import formatLang, plaintext2html

INTERACTION_CHANNELS = [
    ("phone", "Phone"),
    ("email", "Email"),
    ("chat", "Chat"),
    ("web", "Website"),
    ("fax", "Fax"),
    ("visit", "Visit"),
    ("other", "Other"),
]


class ServiceInteraction(models.Model):
    """One contact with a customer on any channel: a call, a chat, a visit,
    a fax... with its time, duration and content."""

    _name = "service.interaction"
    _description = "Customer Interaction"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _rec_name = "summary"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True, tracking=True)
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id",
        string="Customer Company",
        store=True,
        index=True,
    )
    ticket_id = fields.Many2one("service.ticket", index="btree_not_null", ondelete="set null")
    user_id = fields.Many2one(
        "res.users",
        string="Agent",
        required=True,
        index=True,
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    channel = fields.Selection(INTERACTION_CHANNELS, required=True, default="phone", index=True)
    direction = fields.Selection([("inbound", "Inbound"), ("outbound", "Outbound")], required=True, default="inbound")
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    duration_minutes = fields.Float(string="Duration (minutes)", aggregator="avg")
    summary = fields.Char(required=True)
    transcript = fields.Text(help="Full text of a chat, or notes of a call.")
    attachment_ids = fields.Many2many("ir.attachment", string="Attachments")
    interaction_count = fields.Integer(
        default=1, aggregator="sum", string="Contacts", help="1 per interaction, for reports."
    )

    _duration_positive = models.Constraint("CHECK(duration_minutes >= 0)", "A duration cannot be negative.")

    @api.constrains("ticket_id", "partner_id")
    def _check_ticket_customer(self):
        for interaction in self:
            ticket = interaction.ticket_id
            if ticket.partner_id and ticket.commercial_partner_id != interaction.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "The contact with %(partner)s cannot be logged on ticket %(ticket)s of another customer.",
                        partner=interaction.partner_id.display_name,
                        ticket=ticket.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        interactions = super().create(vals_list)
        interactions._register_on_tickets()
        interactions._log_on_tickets()
        for interaction in interactions:
            interaction.partner_id._service_touch_contact(interaction.date)
        return interactions

    def _register_on_tickets(self):
        """An outbound contact logged on a ticket answers the customer: it
        meets the first (and next) response target like a public reply."""
        for interaction in self.filtered(lambda i: i.ticket_id and i.direction == "outbound"):
            interaction.ticket_id._service_agent_replied(interaction.date)
        for interaction in self.filtered(lambda i: i.ticket_id and i.direction == "inbound"):
            interaction.ticket_id._service_customer_wrote(
                interaction.partner_id,
                interaction.date,
                subject=interaction.summary,
                body=plaintext2html(interaction.transcript) if interaction.transcript else None,
                channel=interaction._ticket_channel(),
            )

    def _log_on_tickets(self):
        """Leave an internal note in the ticket's chatter for each contact
        logged on a ticket, so the conversation shows the call next to the
        emails. A note: the customer is not emailed."""
        for interaction in self.filtered("ticket_id"):
            interaction.ticket_id.message_post(
                body=interaction._ticket_note_body(),
                author_id=interaction.user_id.partner_id.id,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )

    def _ticket_note_body(self):
        """Who contacted whom, how, for how long, and what it was about."""
        self.ensure_one()
        channel = self._selection_label("channel")
        if self.direction == "inbound":
            who = self.env._(
                "%(channel)s from %(customer)s to %(agent)s",
                channel=channel,
                customer=self.partner_id.display_name,
                agent=self.user_id.name,
            )
        else:
            who = self.env._(
                "%(channel)s from %(agent)s to %(customer)s",
                channel=channel,
                customer=self.partner_id.display_name,
                agent=self.user_id.name,
            )
        details = [self._selection_label("direction")]
        if self.duration_minutes:
            details.append(self.env._("%(minutes)s min", minutes=formatLang(self.env, self.duration_minutes, digits=0)))
        # not the transcript: it stays on the contact, where erasing a customer's data clears it
        return Markup("<p><b>%s</b> (%s)</p><p>%s</p>") % (who, ", ".join(details), self.summary)

    def _selection_label(self, field_name):
        """The label of a selection field's value, in the user's language."""
        return dict(self._fields[field_name]._description_selection(self.env)).get(self[field_name], "")

    def action_create_ticket(self):
        """Open a ticket from this contact, on the channel it came from."""
        self.ensure_one()
        if self.ticket_id:
            return self.ticket_id._get_records_action()
        ticket = self.env["service.ticket"].create(self._ticket_values())
        self.ticket_id = ticket
        self._log_on_tickets()
        return ticket._get_records_action()

    def _ticket_channel(self):
        """The ticket channel this contact came by."""
        self.ensure_one()
        channels = dict(self.env["service.ticket"]._fields["channel"].selection)
        channel = {"visit": "walk_in", "other": "phone"}.get(self.channel, self.channel)
        return channel if channel in channels else "phone"

    def _ticket_values(self):
        self.ensure_one()
        return {
            "name": self.summary,
            "partner_id": self.partner_id.id,
            "channel": self._ticket_channel(),
            "description": plaintext2html(self.transcript) if self.transcript else False,
        }
