"""The JSON API answers an error without leaving anything behind.

Odoo commits a request's transaction whenever the controller returns a
response, an error response included: what the API wrote before deciding
to refuse (a new contact, a ticket) must be undone by the API itself."""

import json
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import ServiceDeskCommon

URL = "/service_desk/api/v1/tickets"


@tagged("post_install", "-at_install")
class TestApiAtomicity(HttpCase, ServiceDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        expiration = fields.Datetime.now() + timedelta(hours=12)
        cls.key = cls.env["res.users.apikeys"].with_user(cls.user_agent_a).sudo()._generate(None, "pbx", expiration)

    def _post(self, payload, headers=None):
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json", **(headers or {})}
        return self.url_open(URL, data=json.dumps(payload), headers=headers)

    def test_refused_request_creates_no_contact(self):
        # the new customer is looked up and created before the unknown serial number is found out
        response = self._post({"email": "first.contact@newcomer.example.org", "name": "Broken", "serial": "NOPE-1"})
        self.assertEqual(response.status_code, 422, response.text)
        self.assertIn("serial", response.json()["error"])
        self.assertFalse(
            self.env["res.partner"]
            .with_context(active_test=False)
            .search([("email", "=", "first.contact@newcomer.example.org")]),
            "the refused request left no contact behind",
        )

    def test_same_key_in_flight_elsewhere_leaves_no_duplicate(self):
        """Two requests with one Idempotency-Key at once (a client that timed
        out and sent again while the first was still running): the second
        does not see the first's key, uncommitted, creates its ticket, then
        finds the key taken when it records it. Its ticket must go."""
        key = "pbx-call-77"
        first = self._create_ticket(name="Line down", partner_id=self.customer_a_contact.id)
        self.env["service.api.request"].create(
            {
                "idempotency_key": key,
                "user_id": self.user_agent_a.id,
                "ticket_id": first.id,
                "response_status": 201,
                "response_body": first._api_status(),
            }
        )
        Requests = self.registry["service.api.request"]
        search = Requests.search

        def search_without_the_other_transaction(records, domain, *args, **kwargs):
            if ("idempotency_key", "=", key) in domain:
                return records.browse()  # the other request's key is not committed yet: invisible
            return search(records, domain, *args, **kwargs)

        with (
            patch.object(Requests, "search", search_without_the_other_transaction),
            mute_logger("odoo.sql_db"),  # the unique index refusing the key
        ):
            response = self._post(
                {"email": "carla@customer-a.example.com", "name": "Line down"}, headers={"Idempotency-Key": key}
            )
        self.assertEqual(response.status_code, 409, response.text)
        tickets = self.env["service.ticket"].search([("name", "=", "Line down")])
        self.assertEqual(tickets, first, "the answer was an error: the second request's ticket is gone")
