import logging

from odoo import api, fields, models
from odoo.tools import email_normalize, email_split

_logger = logging.getLogger(__name__)

# Headers by which mail servers and programs mark a message nobody typed:
# out-of-office replies, delivery reports, mailing lists (RFC 3834 and common practice).
AUTOMATIC_HEADERS = {
    "Auto-Submitted": lambda value: value.strip().lower() != "no",
    "X-Autoreply": lambda value: bool(value.strip()),
    "X-Autorespond": lambda value: bool(value.strip()),
    "X-Auto-Response-Suppress": lambda value: "oof" in value.lower() or "all" in value.lower(),
    "Precedence": lambda value: value.strip().lower() in ("bulk", "junk", "list", "auto_reply"),
    # a null return path marks delivery reports and other automatic mail (RFC 5321)
    "Return-Path": lambda value: value.strip() in ("<>", ""),
}


class ServiceTicket(models.Model):
    _inherit = "service.ticket"

    @api.model
    def _is_automatic_email(self, message):
        """Whether an incoming email was sent by a program rather than a person."""
        return any(
            message.get(header) is not None and is_automatic(str(message.get(header)))
            for header, is_automatic in AUTOMATIC_HEADERS.items()
        )

    @api.model
    def _is_oversized_email(self, message):
        """Whether an incoming email is larger than the system parameter
        service_desk.max_email_mb (25 MB by default) allows."""
        limit_mb = self.env["ir.config_parameter"].sudo().get_param("service_desk.max_email_mb", "25")
        try:
            limit = float(limit_mb) * 1024 * 1024
        except ValueError:
            limit = 25 * 1024 * 1024
        return len(message.as_bytes()) > limit

    @api.model
    def _routing_check_route(self, message, message_dict, route, raise_exception=True):
        """Automatic replies and bulk mail never open a ticket: answering them
        with an acknowledgement is how reply loops start."""
        route = super()._routing_check_route(message, message_dict, route, raise_exception=raise_exception)
        if route and not route[1] and not email_split(message_dict.get("email_from") or ""):
            # no sender: nobody to serve nor to answer, and a ticket without customer helps nobody
            _logger.warning("Email %s refused: no sender address, no ticket created", message_dict.get("message_id"))
            return ()
        if route and not route[1] and self._is_oversized_email(message):
            _logger.warning(
                "Email %s from %s refused: larger than the service desk accepts (service_desk.max_email_mb), "
                "no ticket created",
                message_dict.get("message_id"),
                message_dict.get("email_from"),
            )
            return ()
        if route and not route[1] and self._is_automatic_email(message):
            self._routing_warn(
                self.env._("automatic reply, no ticket created"),
                message_dict.get("message_id"),
                route,
                raise_exception=False,
            )
            return ()
        return route

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        values = dict(custom_values or {})
        email_from = msg_dict.get("email_from")
        if not msg_dict.get("author_id") and email_from:
            author = self.env["mail.thread"]._partner_find_from_emails_single([email_from], no_create=False)
            msg_dict["author_id"] = author.id
        values.setdefault("name", msg_dict.get("subject") or self.env._("No Subject"))
        values.setdefault("channel", "email")
        values.setdefault("partner_id", msg_dict.get("author_id"))
        values.setdefault("description", msg_dict.get("body"))
        if email_from:
            values.setdefault("partner_email", email_normalize(email_from) or email_from)
        values["email_cc"] = ", ".join(self._mail_cc_sanitized_raw_dict(msg_dict.get("cc")).values())
        ticket = super(ServiceTicket, self.with_context(mail_create_nolog=True)).message_new(
            msg_dict,
            custom_values=values,
        )
        ticket._subscribe_correspondents(msg_dict)
        return ticket

    def message_update(self, msg_dict, update_vals=None):
        self._subscribe_correspondents(msg_dict)
        result = super().message_update(msg_dict, update_vals=update_vals)
        self._reopen_on_customer_email(msg_dict)
        return result

    def _reopen_on_customer_email(self, msg_dict):
        """A customer writing on a finished ticket: within the team's reopen
        window it goes back to work, after it a new ticket linked to it
        takes the request."""
        author = self.env["res.partner"].browse(msg_dict.get("author_id")).exists()
        if author and any(not user.share for user in author.user_ids):
            return  # colleagues writing in are not customers
        for ticket in self.filtered(lambda t: t.is_resolved or t.is_closed):
            if fields.Datetime.now() <= ticket._reopen_window_end():
                ticket.action_reopen()
                continue
            followup = ticket.create(
                {
                    "name": msg_dict.get("subject") or ticket.name,
                    "description": msg_dict.get("body"),
                    "partner_id": (author or ticket.partner_id).id,
                    "team_id": ticket.team_id.id,
                    "category_id": ticket.category_id.id,
                    "product_id": ticket.product_id.id,
                    "lot_id": ticket.lot_id.id,
                    "channel": "email",
                    "origin_ticket_id": ticket.id,
                }
            )
            ticket.message_post(
                body=self.env._("The customer wrote after the reopen window: follow-up %s.", followup.number),
                subtype_xmlid="mail.mt_note",
            )

    def _subscribe_correspondents(self, msg_dict):
        """The customer and the known contacts in copy follow the ticket, so
        they get its answers; internal users in copy are left out."""
        in_copy = self._partner_find_from_emails_single(email_split(msg_dict.get("cc") or ""), no_create=True)
        customers = in_copy.filtered(lambda partner: not any(not user.share for user in partner.user_ids))
        for ticket in self:
            ticket.message_subscribe((ticket.partner_id | customers).ids)
