from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import email_normalize, plaintext2html

API_FIELDS = {"email", "phone", "name", "description", "channel", "product", "serial", "external_ref", "team"}


class ServiceTicket(models.Model):
    """Tickets created and read by other systems through the JSON API
    (controllers/api.py)."""

    _inherit = "service.ticket"

    external_ref = fields.Char(
        string="External Reference",
        index="btree_not_null",
        copy=False,
        help="Identifier of this request in the system that sent it (telephony, chat...).",
    )

    @api.model
    def _api_check_payload(self, payload):
        """Check an API payload completely, writing nothing: what the ticket
        will be made of, looked up with the caller's rights. A UserError says
        what is wrong. A request the API accepts for later
        (``service.api.request``) is checked here first, so that making its
        ticket later cannot fail for bad input. Returns a dict: name,
        channel, description, external_ref, team, product, lot, and the
        customer (`partner`, empty when a contact of `email`/`phone` is to
        be made)."""
        unknown = set(payload) - API_FIELDS
        if unknown:
            raise UserError(self.env._("Unknown fields: %s.", ", ".join(sorted(unknown))))
        # every field is text: a number, list or object is refused before anything is looked up or stored
        wrong = sorted(key for key, value in payload.items() if value is not None and not isinstance(value, str))
        if wrong:
            raise UserError(self.env._("These fields must be text (a JSON string): %s.", ", ".join(wrong)))
        name = payload.get("name")
        if not isinstance(name, str) or not name.strip():
            raise UserError(self.env._("'name' (the subject) is required."))
        channel = payload.get("channel") or "api"
        if channel not in dict(self._fields["channel"].selection):
            raise UserError(
                self.env._(
                    "Unknown channel %(channel)s; use one of %(channels)s.",
                    channel=channel,
                    channels=", ".join(dict(self._fields["channel"].selection)),
                )
            )
        email, phone = self._api_customer_contact(payload.get("email"), payload.get("phone"))
        partner = self._api_find_customer(email, phone)
        team = self.env["service.team"]
        if payload.get("team"):
            team = team.search([("name", "=ilike", str(payload["team"]))], limit=1)
            if not team:
                raise UserError(self.env._("No team named %s.", payload["team"]))
        product, lot = self._api_product_and_serial(payload.get("product"), payload.get("serial"), partner)
        return {
            "name": name.strip(),
            "channel": channel,
            "description": payload.get("description") or False,
            "external_ref": payload.get("external_ref") or False,
            "email": email,
            "phone": phone,
            "partner": partner,
            "team": team,
            "product": product,
            "lot": lot,
        }

    @api.model
    def _api_ticket_values(self, payload):
        """Ticket values from an API payload, checked by
        ``_api_check_payload`` (a UserError says what is wrong); the contact
        of an unknown customer is made here."""
        checked = self._api_check_payload(payload)
        partner = checked["partner"] or self._api_create_customer(checked["email"], checked["phone"])
        values = {
            "name": checked["name"],
            "partner_id": partner.id,
            "channel": checked["channel"],
            "external_ref": checked["external_ref"],
            "product_id": checked["product"].id,
            "lot_id": checked["lot"].id,
        }
        if checked["description"]:
            values["description"] = plaintext2html(checked["description"])
        if checked["team"]:
            values["team_id"] = checked["team"].id
        return values

    @api.model
    def _api_reserve_number(self, checked):
        """The number the ticket of a checked payload (``_api_check_payload``)
        will have, taken now from the ticket sequence of its team's company
        (the same steps as creation, ``_prepare_team`` and
        ``_prepare_company_stage_number``), for a ticket made later."""
        vals = {"team_id": checked["team"].id}
        team = self._prepare_team(vals)
        self._prepare_company_stage_number(vals, team)
        return vals["number"]

    @api.model
    def _api_customer(self, email, phone):
        """The customer of `email` or `phone`, made when unknown and the
        desk's policy allows it."""
        email, phone = self._api_customer_contact(email, phone)
        return self._api_find_customer(email, phone) or self._api_create_customer(email, phone)

    @api.model
    def _api_customer_contact(self, email, phone):
        """(normalized email, phone) of the customer; a UserError when neither is usable."""
        normalized = email_normalize(email) if email else False
        if email and not normalized:
            raise UserError(self.env._("%s is not a valid email address.", email))
        if not normalized and not phone:
            raise UserError(self.env._("Give the customer's 'email' or 'phone'."))
        return normalized, phone or False

    @api.model
    def _api_find_customer(self, email, phone):
        """The known contact of a normalized `email`, else of `phone`, in the
        key user's companies or shared; an empty recordset when there is none
        and the desk makes contacts of unknown customers, a UserError when it
        accepts only known customers."""
        # sudo: agents may not read every contact: the lookup is the API's own, returned without sudo
        Partner = self.env["res.partner"].sudo()
        # contacts of the key user's companies, or shared between companies
        mine = [("company_id", "in", [False, *self.env.companies.ids])]
        partner = Partner.search([*mine, ("email_normalized", "=", email)], limit=1) if email else Partner
        if not partner and phone:
            partner = (
                Partner.search([*mine, "|", ("phone", "=", phone), ("phone_sanitized", "=", phone)], limit=1)
                if "phone_sanitized" in Partner._fields
                else Partner.search([*mine, ("phone", "=", phone)], limit=1)
            )
        if partner:
            return partner.sudo(False)
        # sudo: a system parameter, no user data
        policy = self.env["ir.config_parameter"].sudo().get_param("service_desk.api_unknown_customer", "create")
        if policy != "create":
            raise UserError(self.env._("Unknown customer, and this service desk accepts only known customers."))
        return partner.sudo(False)

    @api.model
    def _api_create_customer(self, email, phone):
        """The minimal contact of an unknown customer (see ``_api_find_customer``)."""
        # sudo: agents may not create contacts: the minimal contact is the API's own
        partner = self.env["res.partner"].sudo().create({"name": email or phone, "email": email, "phone": phone})
        return partner.sudo(False)

    @api.model
    def _api_product_and_serial(self, product_ref, serial, partner):
        # sudo: looked up for any agent, whatever their inventory rights; returned without sudo
        Product, Lot = self.env["product.product"].sudo(), self.env["stock.lot"].sudo()
        mine = [("company_id", "in", [False, *self.env.companies.ids])]
        product = Product
        if product_ref:
            product = Product.search(
                [*mine, "|", ("default_code", "=", product_ref), ("name", "=", product_ref)], limit=1
            )
            if not product:
                raise UserError(self.env._("No product %s.", product_ref))
        lot = Lot
        if serial:
            domain = mine + [("name", "=", serial)] + ([("product_id", "=", product.id)] if product else [])
            lot = Lot.search(domain, limit=1)
            if not lot:
                raise UserError(self.env._("No serial number %s.", serial))
            product = product or lot.product_id
        return product.sudo(False), lot.sudo(False)

    def _api_customer_message(self, payload):
        """Post what the customer said on another system (`message`, text)
        as their message on this ticket; it is handled as every customer
        message (`_service_customer_wrote`). Returns the ticket that carries
        the request afterwards (a follow-up after the reopen window)."""
        self.ensure_one()
        unknown = set(payload) - {"message"}
        if unknown:
            raise UserError(self.env._("Unknown fields: %s.", ", ".join(sorted(unknown))))
        text = payload.get("message")
        if not isinstance(text, str) or not text.strip():
            raise UserError(self.env._("'message' (the customer's text) is required."))
        self.check_access("write")
        if not self.partner_id:
            raise UserError(self.env._("Ticket %s has no customer to post for.", self.number))
        message = self.with_context(service_customer_rule_applied=True).message_post(
            body=plaintext2html(text.strip()),
            author_id=self.partner_id.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        return self._service_customer_wrote(self.partner_id, message.date, body=message.body, channel="api")

    def _api_status(self):
        self.ensure_one()
        return {
            "number": self.number,
            "name": self.name,
            "stage": self.stage_id.name,
            "closed": self.is_closed,
            "resolved": self.is_resolved,
            "team": self.team_id.name,
            "agent": self.user_id.name or None,
            "sla_status": self.sla_status,
            "sla_deadline": fields.Datetime.to_string(self.sla_deadline) if self.sla_deadline else None,
            "external_ref": self.external_ref or None,
            "created": fields.Datetime.to_string(self.create_date),
        }
