import io
import json
import zipfile

from odoo import fields, models
from odoo.exceptions import UserError


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
        colleagues'."""
        self.ensure_one()
        customer = self.commercial_partner_id
        env = self.env(su=True)
        public = env.ref("mail.mt_comment")
        own_only = portal and not customer.service_portal_share_tickets
        whose = [("partner_id", "=", self.id)] if own_only else [("commercial_partner_id", "=", customer.id)]
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
        env = self.env(su=True)
        blockers = []
        open_tickets = env["service.ticket"].search([("partner_id", "=", self.id), ("is_closed", "=", False)])
        if open_tickets:
            blockers.append(self.env._("open tickets %s", ", ".join(open_tickets.mapped("number"))))
        if "service.contract" in env:
            contracts = env["service.contract"].search([("partner_id", "=", self.id), ("state", "=", "active")])
            if contracts:
                blockers.append(self.env._("active contracts %s", ", ".join(contracts.mapped("display_name"))))
        return blockers

    def action_service_erase(self, reason):
        """Anonymise this contact's service data: name, email, phone and
        address in the addon's records and as author of ticket messages,
        delete the attachments and transcripts they sent, archive them, and
        keep the statistics. Refused while tickets or contracts are open."""
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
        env = self.env(su=True)
        partner = self.sudo()
        label = self.env._("Anonymous customer %s", partner.id)
        company = partner.commercial_partner_id if partner.commercial_partner_id != partner else partner.parent_id
        tickets = env["service.ticket"].with_context(active_test=False).search([("partner_id", "=", partner.id)])
        tickets.write({"partner_email": False, "partner_phone": False, "email_cc": False})
        messages = env["mail.message"].search([("author_id", "=", partner.id)])
        messages.write({"email_from": label})
        interactions = env["service.interaction"].search([("partner_id", "=", partner.id)])
        (messages.attachment_ids | interactions.attachment_ids).unlink()
        interactions.write({"transcript": False})
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
        note = self.env._(
            "Service data of contact %(id)s erased by %(user)s: %(reason)s",
            id=partner.id,
            user=self.env.user.name,
            reason=reason,
        )
        (company or partner).message_post(body=note, subtype_xmlid="mail.mt_note")
        return True
