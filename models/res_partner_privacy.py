import io
import json
import re
import zipfile

from markupsafe import escape

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, email_split

# fewer digits than this are no phone number worth looking for in free text
PHONE_MIN_DIGITS = 6
# what separates the words of a name in text and HTML
NAME_SPACE = r"(?:\s|&nbsp;|&#160;|\xa0)+"
# what may separate the digits of a phone number as people write it
PHONE_SEPARATORS = r"[\s().\/-]*"
# text columns of other modules' tables holding what the desk's records say:
# (table, columns, which rows: "messages" of the desk's models, or rows whose
# "res_model" is one of them)
LINKED_TEXT_COLUMNS = (
    (
        "mail_message",
        ("subject", "body", "email_from", "reply_to", "incoming_email_to", "incoming_email_cc", "outgoing_email_to"),
        "model",
    ),
    ("mail_tracking_value", ("old_value_char", "new_value_char", "old_value_text", "new_value_text"), "messages"),
    ("mail_mail", ("body_html", "email_to", "email_cc", "headers", "failure_reason"), "messages"),
    ("mail_notification", ("mail_email_address", "failure_reason"), "messages"),
    ("mail_activity", ("res_name", "summary", "note", "feedback"), "res_model"),
    ("rating_rating", ("res_name", "parent_res_name", "feedback", "publisher_comment"), "res_model"),
    ("ir_attachment", ("name", "description", "index_content"), "res_model"),
)
# stored text fields of the desk's models that never hold what someone wrote
TECHNICAL_FIELDS = frozenset({"parent_path", "access_token"})


def _regex_literal(text):
    """``text`` matched literally, by PostgreSQL's and Python's regular
    expressions alike: every character but letters and digits escaped."""
    return "".join(char if char.isalnum() else "\\" + char for char in text)


def _name_regex(name):
    words = name.split()
    if len("".join(words)) < 2:
        return None
    return r"(?<!\w)" + NAME_SPACE.join(_regex_literal(word) for word in words) + r"(?!\w)"


def _email_regex(email):
    return r"(?<![\w.+-])" + _regex_literal(email) + r"(?![\w-])"


def _replace_sql(column, is_json, regex, label):
    """The column as text, and the column with what ``regex`` matches
    replaced by ``label`` (JSON columns: as JSON text, cast back)."""
    if is_json:
        text = SQL("%s::text", SQL.identifier(column))
        label = json.dumps(label)[1:-1]
    else:
        text = SQL.identifier(column)
    # regexp_replace reads \ and & in the replacement
    replacement = label.replace("\\", "\\\\").replace("&", "\\&")
    replaced = SQL("regexp_replace(%s, %s, %s, 'gi')", text, regex, replacement)
    return text, SQL("(%s)::jsonb", replaced) if is_json else replaced


def _phone_regex(phone):
    digits = re.sub(r"\D", "", phone)
    if len(digits) < PHONE_MIN_DIGITS:
        return None
    return r"(?<!\d)\+?" + PHONE_SEPARATORS.join(digits) + r"(?!\d)"


class ResPartner(models.Model):
    """A customer's right to a copy of their service data and to its erasure
    (PDPA, LGPD, GDPR)."""

    _inherit = "res.partner"

    # ------------------------------------------------------------------
    # Export
    # ------------------------------------------------------------------

    def _service_export_data(self, portal=False):
        """Everything the service desk keeps about this customer (its
        commercial entity and contacts): tickets with their public messages
        and ratings, logged contacts, and warranties and contracts where the
        addon keeps them; no internal note, nothing of other customers.

        With `portal`, this contact downloads its own copy and gets what the
        portal shows it: when its company does not share tickets among its
        contacts (`service_portal_share_tickets` off, as the portal record rule
        reads it), only its own tickets and logged contacts, none of its
        colleagues'; and only its own help center activity, whatever the
        setting (the managers' export holds every contact's)."""
        self.ensure_one()
        customer = self.commercial_partner_id
        # sudo: one customer's data in the companies the reader may open, no internal note
        env = self.env(su=True)
        public = env.ref("mail.mt_comment")
        own_only = portal and not customer.service_portal_share_tickets
        whose = [("partner_id", "=", self.id)] if own_only else [("commercial_partner_id", "=", customer.id)]
        whose.append(("company_id", "in", self.env.companies.ids))
        tickets = env["service.ticket"].with_context(active_test=False).search(whose, order="id")
        messages = env["mail.message"].search(
            [
                ("model", "=", "service.ticket"),
                ("res_id", "in", tickets.ids),
                ("subtype_id", "=", public.id),
                ("message_type", "in", ("comment", "email")),
            ],
            order="id",
        )
        by_ticket = {}
        for message in messages:
            by_ticket.setdefault(message.res_id, []).append(message)
        ratings = env["rating.rating"].search(
            [("res_model", "=", "service.ticket"), ("res_id", "in", tickets.ids), ("consumed", "=", True)]
        )
        interactions = env["service.interaction"].search(whose, order="id")
        people = (
            self
            if portal
            else env["res.partner"].with_context(active_test=False).search([("id", "child_of", customer.id)])
        )
        events, votes = self._service_help_center_activity(people, tickets.filtered(lambda t: t.partner_id in people))
        data = {
            "customer": {
                "name": customer.name,
                "email": customer.email,
                "phone": customer.phone,
                "tier": customer.service_tier_id.name or None,
            },
            "tickets": [
                {
                    "number": ticket.number,
                    "subject": ticket.name,
                    "created": fields.Datetime.to_string(ticket.create_date),
                    "stage": ticket.stage_id.name,
                    "channel": ticket.channel,
                    "type": ticket.ticket_type,
                    "resolved": fields.Datetime.to_string(ticket.resolved_date) if ticket.resolved_date else None,
                    "closed": fields.Datetime.to_string(ticket.closed_date) if ticket.closed_date else None,
                    "description": str(ticket.description) if ticket.description else None,
                    "messages": [
                        {
                            "date": fields.Datetime.to_string(message.date),
                            "author": message.author_id.name,
                            "body": str(message.body or ""),
                            "attachments": message.attachment_ids.mapped("name"),
                        }
                        for message in by_ticket.get(ticket.id, [])
                    ],
                    "ratings": [
                        {"rating": rating.rating, "comment": rating.feedback or None}
                        for rating in ratings
                        if rating.res_id == ticket.id
                    ],
                }
                for ticket in tickets
            ],
            "contacts": [
                {
                    "date": fields.Datetime.to_string(interaction.date),
                    "channel": interaction.channel,
                    "direction": interaction.direction,
                    "duration_minutes": interaction.duration_minutes,
                    "summary": interaction.summary,
                    "transcript": interaction.transcript or None,
                }
                for interaction in interactions
            ],
            "help_center": {
                "events": [
                    {
                        "date": fields.Datetime.to_string(event.create_date),
                        "kind": event.kind,
                        "article": event.article_id.name or None,
                        "query": event.query or None,
                        "ticket": event.ticket_id.number or None,
                    }
                    for event in events
                ],
                "votes": [
                    {
                        "date": fields.Datetime.to_string(vote.create_date),
                        "article": vote.article_id.name,
                        "helpful": vote.helpful,
                        "comment": vote.comment or None,
                    }
                    for vote in votes
                ],
            },
        }
        for model, key in (("service.warranty", "warranties"), ("service.contract", "contracts")):
            if model in env:
                records = env[model].with_context(active_test=False).search([("partner_id", "child_of", customer.id)])
                data[key] = records.read(
                    [
                        name
                        for name in (
                            "display_name",
                            "product_id",
                            "lot_id",
                            "start_date",
                            "end_date",
                            "date_start",
                            "date_end",
                            "state",
                        )
                        if name in records._fields
                    ]
                )
        attachments = messages.attachment_ids | interactions.attachment_ids
        return data, attachments

    @api.model
    def _service_help_center_activity(self, people, tickets):
        """Help center events and votes of these contacts: those of their
        users, of their tickets' submissions, and of the browser sessions
        these happened in (what they searched before logging in included)."""
        # sudo: help center logs of these contacts only: their users, tickets and sessions
        env = self.env(su=True)
        users = env["res.users"].with_context(active_test=False).search([("partner_id", "in", people.ids)])
        Event = env["service.article.event"]
        theirs = Domain("user_id", "in", users.ids) | Domain("ticket_id", "in", tickets.ids)
        sessions = [key for (key,) in Event._read_group(theirs & Domain("session_key", "!=", False), ["session_key"])]
        events = Event.search(theirs | Domain("session_key", "in", sessions), order="id")
        votes = env["service.article.vote"].search(
            Domain("user_id", "in", users.ids) | Domain("session_key", "in", sessions), order="id"
        )
        return events, votes

    def _service_export_zip(self, portal=False):
        data, attachments = self._service_export_data(portal=portal)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("service_data.json", json.dumps(data, indent=2, ensure_ascii=False, default=str))
            for attachment in attachments:
                archive.writestr(f"attachments/{attachment.id}-{attachment.name}", attachment.raw or b"")
        return buffer.getvalue()

    def _service_check_export_right(self):
        """Only service managers export a customer's data."""
        if not self.env.user.has_group("service_desk.group_service_manager"):
            raise UserError(self.env._("Only service managers can export a customer's data."))

    def action_service_export(self):
        """Managers download a customer's service data as a ZIP, streamed by
        the export route: never stored where other users could read it."""
        self.ensure_one()
        self._service_check_export_right()
        return {
            "type": "ir.actions.act_url",
            "url": f"/service_desk/partner/{self.id}/export",
            "target": "download",
        }

    # ------------------------------------------------------------------
    # Erasure
    # ------------------------------------------------------------------

    def _service_erase_blockers(self):
        """Why this contact cannot be erased now, or an empty list."""
        self.ensure_one()
        self.check_access("read")
        # sudo: what blocks the erasure of a contact the manager may read: numbers, logins and names only
        env = self.env(su=True)
        blockers = []
        open_tickets = env["service.ticket"].search([("partner_id", "=", self.id), ("is_closed", "=", False)])
        if open_tickets:
            blockers.append(self.env._("open tickets %s", ", ".join(open_tickets.mapped("number"))))
        elsewhere = (
            env["service.ticket"]
            .with_context(active_test=False)
            ._read_group(
                [("partner_id", "=", self.id), ("company_id", "not in", self.env.companies.ids)], ["company_id"]
            )
        )
        if elsewhere:
            blockers.append(
                self.env._(
                    "tickets of %s, which only their managers may erase",
                    ", ".join(company.name for (company,) in elsewhere),
                )
            )
        queued = env["service.api.request"]._queued_for_contact(self)
        if queued:
            blockers.append(
                self.env._(
                    "requests received by the API and not made into tickets yet (%s): try again in a few minutes",
                    ", ".join(queued.mapped("number")),
                )
            )
        users = env["res.users"].search([("partner_id", "=", self.id)])
        if users:
            blockers.append(self.env._("an active user (%s): archive it first", ", ".join(users.mapped("login"))))
        if "service.contract" in env:
            contracts = env["service.contract"].search([("partner_id", "=", self.id), ("state", "=", "active")])
            if contracts:
                blockers.append(self.env._("active contracts %s", ", ".join(contracts.mapped("display_name"))))
        return blockers

    def action_service_erase(self, reason):
        """Anonymise this contact's service data: their name, email and
        phone wherever the desk's records wrote them (subjects, descriptions,
        messages, tracked changes, logged contacts, help center activity...),
        their address, the attachments and transcripts they sent, their help
        center searches and votes; archive them and keep the statistics.
        Refused while tickets or contracts are open."""
        self.ensure_one()
        if not self.env.user.has_group("service_desk.group_service_manager"):
            raise UserError(self.env._("Only service managers can erase a customer's data."))
        if not (reason or "").strip():
            raise UserError(self.env._("Say why this contact's data is erased."))
        blockers = self._service_erase_blockers()
        if blockers:
            raise UserError(
                self.env._(
                    "%(contact)s cannot be erased yet: %(why)s.", contact=self.display_name, why="; ".join(blockers)
                )
            )
        self.check_access("read")  # another company's contact is out of reach (managers may not write contacts)
        # sudo: erasure by a manager who may read this contact, of tickets in their companies only (blockers)
        env = self.env(su=True)
        # sudo: the contact to erase, checked above
        partner = self.sudo()
        label = self.env._("Anonymous customer %s", partner.id)
        company = partner.commercial_partner_id if partner.commercial_partner_id != partner else partner.parent_id
        tickets = (
            env["service.ticket"]
            .with_context(active_test=False, mail_notrack=True)
            .search([("partner_id", "=", partner.id)])
        )
        traces = partner._service_traces_regex(tickets)
        tickets.write({"partner_email": False, "partner_phone": False, "email_cc": False})
        messages = env["mail.message"].search([("author_id", "=", partner.id)])
        messages.write({"email_from": label})
        interactions = env["service.interaction"].search([("partner_id", "=", partner.id)])
        (messages.attachment_ids | interactions.attachment_ids).unlink()
        interactions.write({"transcript": False})
        partner._service_forget_help_center(tickets)
        partner.write(
            {
                "name": label,
                "email": False,
                "phone": False,
                "street": False,
                "street2": False,
                "zip": False,
                "city": False,
                "state_id": False,
                "website": False,
                "comment": False,
                "vat": False,
                "service_preferred_channel": False,
                "service_preferred_user_id": False,
            }
        )
        partner.action_archive()
        if traces:
            partner._service_replace_in_text(traces, label)
            # the searched words of what was just rewritten (service_ticket_search.py)
            rewritten = (
                env["service.ticket"]
                .with_context(active_test=False)
                .search(Domain("name", "ilike", label) | Domain("description", "ilike", label))
            )
            rewritten._segment_search_words()
            reason = re.sub(traces, lambda _match: label, reason, flags=re.IGNORECASE)
        note = self.env._(
            "Service data of contact %(id)s erased by %(user)s: %(reason)s",
            id=partner.id,
            user=self.env.user.name,
            reason=reason,
        )
        (company or partner).message_post(body=note, subtype_xmlid="mail.mt_note")
        return True

    def _service_forget_help_center(self, tickets):
        """Their help center events stay for the statistics, without who and
        what they typed; their votes stay counted, without who and comment."""
        events, votes = self._service_help_center_activity(self, tickets)
        events.write({"user_id": False, "query": False})
        votes.write({"user_id": False, "session_key": False, "comment": False})

    def _service_traces_regex(self, tickets):
        """One regular expression, PostgreSQL's and Python's alike, matching
        this contact's name, email addresses and phone numbers as people write
        them in text, HTML and JSON (any case; words of the name apart by any
        spaces; digits of the phone apart by spaces, dots, dashes, slashes or
        brackets), or None when there is nothing to look for. Only the whole
        name is looked for: a first name alone is also a word of other texts."""
        self.ensure_one()
        emails = {
            email.lower()
            for text in [self.email, self.email_normalized, *tickets.mapped("partner_email")]
            for email in email_split(text or "")
        }
        phones = {phone for phone in [self.phone, *tickets.mapped("partner_phone")] if phone}
        names = {self.name.strip(), str(escape(self.name.strip()))} if self.name else set()
        alternatives = [
            *(_email_regex(email) for email in sorted(emails)),
            *(_phone_regex(phone) for phone in sorted(phones)),
            *(_name_regex(name) for name in sorted(names)),
        ]
        alternatives = [regex for regex in alternatives if regex]
        return "|".join(alternatives) or None

    def _service_text_columns(self):
        """(table, [(column, is_json)], which rows) of every text column of
        the desk's tables (all rows) and of the text columns of messages,
        tracked changes, emails, notifications, activities, ratings and
        attachments of the desk's records."""
        desk_models = []
        for name in sorted(self.env.registry.models):
            Model = self.env[name]
            if Model._original_module != "service_desk" or Model._abstract or not Model._auto:
                continue
            desk_models.append(name)
            columns = [
                (field.name, field.column_type[0] == "jsonb")
                for field in Model._fields.values()
                if field.store
                and field.column_type
                and not field.inherited
                and field.type in ("char", "text", "html", "json")
                and field.name not in TECHNICAL_FIELDS
            ]
            if columns:
                yield Model._table, columns, SQL("TRUE")
        models = tuple(desk_models)
        rows = {
            "model": SQL("model IN %s", models),
            "messages": SQL("mail_message_id IN (SELECT id FROM mail_message WHERE model IN %s)", models),
            "res_model": SQL("res_model IN %s", models),
        }
        for table, columns, which in LINKED_TEXT_COLUMNS:
            yield table, [(column, False) for column in columns], rows[which]

    def _service_replace_in_text(self, traces, label):
        """Replace what ``traces`` matches by ``label`` in every text column
        of ``_service_text_columns``: one UPDATE per table, whatever the
        number of records."""
        self.env.flush_all()
        for table, columns, rows in self._service_text_columns():
            assignments, matches = [], []
            for column, is_json in columns:
                text, replaced = _replace_sql(column, is_json, traces, label)
                assignments.append(SQL("%s = %s", SQL.identifier(column), replaced))
                matches.append(SQL("%s ~* %s", text, traces))
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET %s WHERE (%s) AND (%s)",
                    SQL.identifier(table),
                    SQL(", ").join(assignments),
                    rows,
                    SQL(" OR ").join(matches),
                )
            )
        self.env.invalidate_all()
