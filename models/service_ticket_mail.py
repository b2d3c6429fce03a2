import html
import logging
import re

from odoo import api, fields, models
from odoo.tools import email_normalize, email_split, plaintext2html

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


# the body mail.thread makes of a plain-text email: its escaped text in one <pre>
PLAIN_TEXT_BODY_RE = re.compile(r"^\s*<pre>(.*)</pre>\s*$", re.DOTALL)

# a ticket number in brackets in a subject, whatever the sequence's prefix: "[SD00040]"
SUBJECT_NUMBER_RE = re.compile(r"\[([^\[\]\s]{1,32})\]")


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
        # sudo: a system parameter, no user data
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
        if route and route[0] == self._name and not route[1]:
            ticket = self._ticket_named_in_subject(message_dict)
            if ticket:
                return self._merge_route((route[0], ticket.id, *route[2:]))
        return route

    def _is_notification_scheduled(self, notify_scheduled_date):
        """Queue the notifications of the messages a ticket's creation posts
        (creation, assignment, acknowledgement) in mail's own queue: the
        messages are in the chatter at once, but rendering and sending
        their emails, inbox entries and pushes is left to the cron
        mail.ir_cron_send_scheduled_message, which the commit wakes up (due
        now), out of the request that creates the ticket."""
        scheduled = super()._is_notification_scheduled(notify_scheduled_date)
        if not scheduled and self.env.context.get("service_queue_notifications"):
            return fields.Datetime.now()  # due now: the commit notifies the cron
        return scheduled

    @api.model
    def _ticket_named_in_subject(self, message_dict):
        """The sender's ticket whose number the subject carries in brackets
        ("[SD00040] one more detail"), as the acknowledgement asks: the
        email then joins that ticket even without In-Reply-To. A number of
        another customer's ticket is ignored."""
        numbers = SUBJECT_NUMBER_RE.findall(message_dict.get("subject") or "")
        sender = email_normalize(message_dict.get("email_from") or "")
        if not numbers or not sender:
            return self.browse()
        author = self.env["res.partner"].browse(message_dict.get("author_id")).exists()
        if not author:
            author = self._partner_find_from_emails_single([sender], no_create=True)
        tickets = self.sudo().search([("number", "in", numbers)], order="id desc")  # sudo: the gateway's lookup
        return tickets.filtered(
            lambda t: (
                (author and t.commercial_partner_id == author.commercial_partner_id)
                or email_normalize(t.partner_email or "") == sender
            )
        )[:1]

    @api.model
    def _readable_email_body(self, msg_dict):
        """Turn the body of a plain-text email into paragraphs that wrap.

        mail.thread keeps a plain-text email as one <pre> block, and the
        chatter shows email bodies in a shadow root that none of the page's
        styles reach: the customer's long lines ran off the side in one
        scrolling line. Line breaks are kept as <br/>, blank lines make
        paragraphs; HTML emails are left as they came."""
        plain = PLAIN_TEXT_BODY_RE.match(msg_dict.get("body") or "")
        if plain and "<" not in plain.group(1):
            msg_dict["body"] = plaintext2html(html.unescape(plain.group(1)))

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        self._readable_email_body(msg_dict)
        values = dict(custom_values or {})
        email_from = msg_dict.get("email_from")
        if not msg_dict.get("author_id") and email_from:
            author = self.env["mail.thread"]._partner_find_from_emails_single([email_from], no_create=False)
            msg_dict["author_id"] = author.id
        values.setdefault("name", msg_dict.get("subject") or self.env._("No Subject"))
        values.setdefault("channel", "email")
        values.setdefault("partner_id", msg_dict.get("author_id"))
        values.setdefault("description", msg_dict.get("body"))
        values["email_cc"] = ", ".join(self._mail_cc_sanitized_raw_dict(msg_dict.get("cc")).values())
        ticket = super(ServiceTicket, self.with_context(mail_create_nolog=True)).message_new(
            msg_dict,
            custom_values=values,
        )
        ticket._subscribe_correspondents(msg_dict)
        return ticket

    def message_update(self, msg_dict, update_vals=None):
        # what the customer's email changes is decided when it is posted (_service_customer_wrote)
        self._readable_email_body(msg_dict)
        self._subscribe_correspondents(msg_dict)
        return super().message_update(msg_dict, update_vals=update_vals)

    def _subscribe_correspondents(self, msg_dict):
        """The known contacts in copy follow the ticket's conversation, so
        they get its answers; internal users in copy are left out (the
        customer follows every ticket from its creation)."""
        in_copy = self._partner_find_from_emails_single(email_split(msg_dict.get("cc") or ""), no_create=True)
        self._follow_conversation(in_copy.filtered(lambda partner: partner._service_is_customer_side()))
