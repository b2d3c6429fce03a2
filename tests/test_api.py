"""The JSON API for telephony, chat widgets and other systems."""

import json
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.base.models.res_users import KEY_CRYPT_CONTEXT

from ..controllers.api import ServiceDeskApi
from ..models.res_users_apikeys import CACHED_CHECK
from .common import ServiceDeskCommon

URL = "/service_desk/api/v1/tickets"


@tagged("post_install", "-at_install")
class TestTicketApi(HttpCase, ServiceDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        expiration = fields.Datetime.now() + timedelta(hours=12)
        cls.key_agent = (
            cls.env["res.users.apikeys"].with_user(cls.user_agent_a).sudo()._generate(None, "telephony", expiration)
        )
        cls.key_internal = (
            cls.env["res.users.apikeys"].with_user(cls.user_internal).sudo()._generate(None, "not an agent", expiration)
        )

    def _post(self, payload, key=None, headers=None, raw=None):
        headers = dict(headers or {})
        if key is not False:
            headers["Authorization"] = f"Bearer {key or self.key_agent}"
        headers.setdefault("Content-Type", "application/json")
        data = raw if raw is not None else json.dumps(payload)
        return self.url_open(URL, data=data, headers=headers)

    def _get(self, number, key=None):
        return self.opener.get(
            self.base_url() + f"{URL}/{number}",
            headers={"Authorization": f"Bearer {key or self.key_agent}"},
            timeout=30,
        )

    def test_create_ticket_for_known_customer(self):
        response = self._post(
            {
                "email": "Carla@Customer-A.example.com",
                "name": "Printer on fire",
                "description": "Smoke <script>x</script>",
                "channel": "phone",
                "external_ref": "CALL-42",
                "team": "SD Team A",
            }
        )
        self.assertEqual(response.status_code, 201, response.text)
        body = response.json()
        ticket = self.env["service.ticket"].search([("number", "=", body["number"])])
        self.assertEqual(ticket.partner_id, self.customer_a_contact)
        self.assertEqual(ticket.channel, "phone")
        self.assertEqual(ticket.external_ref, "CALL-42")
        self.assertEqual(ticket.team_id, self.team_a)
        self.assertEqual(ticket.create_uid, self.user_agent_a)
        self.assertNotIn("<script>", str(ticket.description))
        self.assertEqual(body["stage"], self.stage_new.name)

    def test_unknown_customer_created_or_refused_by_policy(self):
        response = self._post({"email": "newcomer@example.org", "name": "Hello"})
        self.assertEqual(response.status_code, 201, response.text)
        ticket = self.env["service.ticket"].search([("number", "=", response.json()["number"])])
        self.assertEqual(ticket.partner_id.email, "newcomer@example.org")
        self.assertEqual(ticket.channel, "api")
        self.env["ir.config_parameter"].sudo().set_param("service_desk.api_unknown_customer", "refuse")
        response = self._post({"email": "stranger@example.org", "name": "Hello"})
        self.assertEqual(response.status_code, 422)
        self.assertIn("Unknown customer", response.json()["error"])

    def test_idempotency_key_returns_first_answer(self):
        headers = {"Idempotency-Key": "call-2030-0001"}
        first = self._post({"email": "carla@customer-a.example.com", "name": "Retry me"}, headers=headers)
        second = self._post({"email": "carla@customer-a.example.com", "name": "Retry me"}, headers=headers)
        self.assertEqual(first.status_code, 201)
        self.assertEqual(second.status_code, 201)
        self.assertEqual(first.json(), second.json())
        self.assertEqual(self.env["service.ticket"].search_count([("name", "=", "Retry me")]), 1)
        third = self._post(
            {"email": "carla@customer-a.example.com", "name": "Retry me"}, headers={"Idempotency-Key": "call-2030-0002"}
        )
        self.assertNotEqual(third.json()["number"], first.json()["number"])

    def test_get_status(self):
        ticket = self._create_ticket(partner_id=self.customer_a_contact.id, name="Known ticket")
        response = self._get(ticket.number)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["number"], ticket.number)
        self.assertEqual(response.json()["stage"], ticket.stage_id.name)

    def test_get_other_team_ticket_is_not_found(self):
        ticket = self._create_ticket(team=self.team_b, partner_id=self.customer_b_contact.id)
        response = self._get(ticket.number)
        self.assertEqual(response.status_code, 404)
        self.assertNotIn(ticket.name, response.text)
        self.assertEqual(self._get("SD99999").status_code, 404)

    def test_authentication_errors(self):
        self.assertEqual(self._post({"name": "x"}, key=False).status_code, 401)
        response = self._post({"name": "x"}, key="not-a-key")
        self.assertEqual(response.status_code, 401)
        self.assertIn("error", response.json())
        response = self._post({"email": "carla@customer-a.example.com", "name": "x"}, key=self.key_internal)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/json")

    def test_revoked_or_expired_key_refused_at_once(self):
        """A key the API verified before is refused on the next request once
        it is removed or expired: its row is read on every request."""
        expiration = fields.Datetime.now() + timedelta(hours=12)
        key = self.env["res.users.apikeys"].with_user(self.user_agent_a).sudo()._generate(None, "pbx", expiration)
        ticket = self._create_ticket(partner_id=self.customer_a_contact.id)
        self.assertEqual(self._get(ticket.number, key=key).status_code, 200)
        row = (
            self.env["res.users.apikeys"].sudo().search([("user_id", "=", self.user_agent_a.id), ("name", "=", "pbx")])
        )
        self.env.cr.execute(
            "UPDATE res_users_apikeys SET expiration_date = now() at time zone 'utc' - interval '1 minute'"
            " WHERE id = %s",
            [row.id],
        )
        self.assertEqual(self._get(ticket.number, key=key).status_code, 401, "expired")
        self.env.cr.execute("UPDATE res_users_apikeys SET expiration_date = %s WHERE id = %s", [expiration, row.id])
        self.assertEqual(self._get(ticket.number, key=key).status_code, 200)
        row._remove()
        self.assertEqual(self._get(ticket.number, key=key).status_code, 401, "revoked")

    def test_access_error_is_forbidden(self):
        # an AccessError is a UserError too: it must still answer 403, without its message
        refused = AccessError("Secret details of the record rule")
        with patch.object(ServiceDeskApi, "_ticket_status", side_effect=refused):
            response = self._get("SD00001")
        self.assertEqual(response.status_code, 403)
        self.assertNotIn("Secret details", response.text)

    def test_bad_input_errors(self):
        cases = [
            ({"email": "carla@customer-a.example.com"}, 422, "name"),
            ({"name": "No customer"}, 422, "email"),
            ({"email": "not an email", "name": "x"}, 422, "valid email"),
            ({"email": "carla@customer-a.example.com", "name": "x", "channel": "pigeon"}, 422, "channel"),
            ({"email": "carla@customer-a.example.com", "name": "x", "serial": "NOPE-1"}, 422, "serial"),
            ({"email": "carla@customer-a.example.com", "name": "x", "colour": "red"}, 422, "Unknown fields"),
        ]
        for payload, status, text in cases:
            with self.subTest(payload=payload):
                response = self._post(payload)
                self.assertEqual(response.status_code, status, response.text)
                self.assertIn(text, response.json()["error"])
        self.assertEqual(self._post(None, raw="{not json").status_code, 400)
        self.assertEqual(self._post(None, raw="[1, 2]").status_code, 400)
        with mute_logger("werkzeug"):
            huge = self._post(None, raw=json.dumps({"name": "x", "description": "a" * 300_000}))
        self.assertEqual(huge.status_code, 413)
        self.assertFalse(self.env["service.ticket"].search([("description", "ilike", "aaaaaaaa")]))

    def _post_message(self, number, payload, key=None):
        return self.url_open(
            f"{URL}/{number}/messages",
            data=json.dumps(payload),
            headers={"Authorization": f"Bearer {key or self.key_agent}", "Content-Type": "application/json"},
        )

    def test_customer_message_wakes_waiting_ticket(self):
        """What the customer said on the telephony or chat system is their
        message on the ticket, handled as on every other channel."""
        ticket = self._create_ticket(partner_id=self.customer_a_contact.id)
        ticket.stage_id = self.stage_waiting
        response = self._post_message(ticket.number, {"message": "Here is the serial: X-42"})
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.json()["number"], ticket.number)
        self.assertEqual(ticket.stage_id, self.stage_in_progress)
        message = ticket.message_ids.filtered(lambda m: "X-42" in m.body)
        self.assertEqual(message.author_id, self.customer_a_contact)
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertTrue(ticket.last_customer_message_date)

    def test_customer_message_after_reopen_window_opens_followup(self):
        ticket = self._create_ticket(partner_id=self.customer_a_contact.id)
        ticket.action_close()
        ticket.closed_date = fields.Datetime.now() - timedelta(days=self.team_a.reopen_window_days + 1)
        response = self._post_message(ticket.number, {"message": "Broken again"})
        self.assertEqual(response.status_code, 201, response.text)
        followup = ticket.followup_ticket_ids
        self.assertEqual(response.json()["number"], followup.number)
        self.assertEqual(followup.channel, "api")

    def test_customer_message_errors(self):
        ticket = self._create_ticket(partner_id=self.customer_a_contact.id)
        other = self._create_ticket(team=self.team_b, partner_id=self.customer_b_contact.id)
        self.assertEqual(self._post_message(ticket.number, {"message": " "}).status_code, 422)
        self.assertEqual(self._post_message(ticket.number, {"message": "x", "author": "me"}).status_code, 422)
        self.assertEqual(self._post_message(other.number, {"message": "x"}).status_code, 404)
        self.assertEqual(self._post_message(ticket.number, {"message": "x"}, key="wrong").status_code, 401)
        self.assertEqual(len(ticket.message_ids.filtered(lambda m: m.author_id == self.customer_a_contact)), 0)

    def test_refusals_of_odoo_bearer_auth_are_json(self):
        """The routes are authenticated by Odoo's auth="bearer"; what it
        refuses is answered as JSON with the Bearer challenge, not as its
        HTML error page."""
        for route in (ServiceDeskApi.create_ticket, ServiceDeskApi.ticket_status, ServiceDeskApi.post_customer_message):
            self.assertEqual(route.original_routing["auth"], "bearer")
        for key, error in ((False, "Authentication required"), ("not-a-key", "Invalid or expired API key")):
            with self.subTest(key=key):
                response = self._post({"name": "x"}, key=key)
                self.assertEqual(response.status_code, 401)
                self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/json")
                self.assertEqual(response.headers.get("WWW-Authenticate"), "Bearer")
                self.assertIn(error, response.json()["error"])
        response = self._get("SD00001", key="not-a-key")
        self.assertEqual(response.status_code, 401)
        self.assertIn("error", response.json())
        self.assertFalse(self.env["service.ticket"].search([("name", "=", "x")]))


@tagged("post_install", "-at_install")
class TestApiKeyCheck(ServiceDeskCommon):
    """An API key is verified against its slow stored hash once per process;
    later checks only look at its row, and still refuse at once a key that
    was removed, expired, whose user was archived or whose scope differs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.expiration = fields.Datetime.now() + timedelta(hours=12)
        cls.Keys = cls.env["res.users.apikeys"]

    def _key(self, scope=None):
        return self.Keys.with_user(self.user_agent_a).sudo()._generate(scope, "telephony", self.expiration)

    def _check(self, key, scope="rpc", desk_route=True):
        """The key check as the desk's API routes do it (`api_key_cache`), or as the rest of Odoo does."""
        self.env.flush_all()
        return self.Keys.with_context(**{CACHED_CHECK: desk_route})._check_credentials(scope=scope, key=key)

    def _counting_verify(self):
        return patch("odoo.addons.base.models.res_users.KEY_CRYPT_CONTEXT", wraps=KEY_CRYPT_CONTEXT)

    def test_key_hash_verified_once(self):
        key = self._key()
        with self._counting_verify() as context:
            self.assertEqual(self._check(key), self.user_agent_a.id)
            self.assertEqual(self._check(key), self.user_agent_a.id)
            self.assertEqual(self._check(key), self.user_agent_a.id)
        self.assertEqual(context.verify.call_count, 1)

    def test_odoo_own_key_checks_verify_the_hash(self):
        """Outside the desk's API routes (Odoo's own bearer routes, XML-RPC,
        trusted devices), a key is checked by Odoo alone, every time."""
        key = self._key()
        self.assertEqual(self._check(key), self.user_agent_a.id)
        with self._counting_verify() as context:
            self.assertEqual(self._check(key, desk_route=False), self.user_agent_a.id)
            self.assertEqual(self._check(key, desk_route=False), self.user_agent_a.id)
        self.assertEqual(context.verify.call_count, 2)
        self.assertTrue(ServiceDeskApi.create_ticket.original_routing["api_key_cache"])

    def test_verified_key_refused_once_invalid(self):
        key = self._key()
        self.assertEqual(self._check(key), self.user_agent_a.id)
        self.assertFalse(self._check(key[:-1] + ("0" if key[-1] != "0" else "1")), "another key, same index")
        self.env.cr.execute(
            "UPDATE res_users_apikeys SET expiration_date = now() at time zone 'utc' - interval '1 minute'"
            " WHERE user_id = %s",
            [self.user_agent_a.id],
        )
        self.assertFalse(self._check(key), "expired")
        self.env.cr.execute(
            "UPDATE res_users_apikeys SET expiration_date = %s WHERE user_id = %s",
            [self.expiration, self.user_agent_a.id],
        )
        self.assertEqual(self._check(key), self.user_agent_a.id)
        self.user_agent_a.active = False
        self.assertFalse(self._check(key), "archived user")
        self.user_agent_a.active = True
        self.assertEqual(self._check(key), self.user_agent_a.id)
        self.Keys.sudo().search([("user_id", "=", self.user_agent_a.id)])._remove()
        self.assertFalse(self._check(key), "removed")

    def test_verified_key_keeps_its_scope(self):
        key = self._key(scope="telephony")
        self.assertEqual(self._check(key, scope="telephony"), self.user_agent_a.id)
        self.assertFalse(self._check(key, scope="rpc"))
