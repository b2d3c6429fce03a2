"""Asynchronous intake: `Prefer: respond-async` on the API's ticket submission.

The request is checked completely, given its ticket number and queued
(service.api.request) in the request, answered 202; the cron
`_cron_create_queued_tickets` makes the tickets afterwards, through the one
create path, each request on its own."""

import json
import threading
import uuid
from contextlib import closing
from datetime import timedelta
from unittest.mock import patch

from odoo import api, fields
from odoo.tests import HttpCase, tagged, users, warmup
from odoo.tools import mute_logger

from .common import ServiceDeskCommon, WorkerCase

URL = "/service_desk/api/v1/tickets"
ASYNC = {"Prefer": "respond-async"}


class AsyncIntakeCommon(ServiceDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_a.assignment_method = "balanced"
        cls.policy = cls.env["service.sla.policy"].create(
            {
                "name": "API desk policy",
                "sequence": 1,
                "team_ids": [(6, 0, cls.team_a.ids)],
                "first_response_hours": 4,
                "resolution_hours": 24,
            }
        )
        cls.Requests = cls.env["service.api.request"]
        cls.payload = {"email": "carla@customer-a.example.com", "name": "Router drops the line", "team": "SD Team A"}

    def _drain(self):
        """What the cron does when the commit wakes it up."""
        self.Requests._cron_create_queued_tickets()
        self.env.invalidate_all()

    def _ticket(self, number):
        return self.env["service.ticket"].search([("number", "=", number)])


@tagged("post_install", "-at_install")
class TestAsyncIntake(HttpCase, AsyncIntakeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        expiration = fields.Datetime.now() + timedelta(hours=12)
        Keys = cls.env["res.users.apikeys"]
        cls.key_a = Keys.with_user(cls.user_agent_a).sudo()._generate(None, "telephony", expiration)
        cls.key_b = Keys.with_user(cls.user_agent_b).sudo()._generate(None, "chat", expiration)

    def _post(self, payload, key=None, headers=None, raw=None):
        sent = {"Authorization": f"Bearer {key or self.key_a}", "Content-Type": "application/json", **ASYNC}
        sent.update(headers or {})
        return self.url_open(URL, data=raw if raw is not None else json.dumps(payload), headers=sent)

    def _get(self, number, key=None):
        return self.opener.get(
            self.base_url() + f"{URL}/{number}", headers={"Authorization": f"Bearer {key or self.key_a}"}, timeout=30
        )

    def test_accepted_at_once_and_made_by_the_cron(self):
        response = self._post(dict(self.payload, description="It drops every hour", external_ref="CALL-7"))
        self.assertEqual(response.status_code, 202, response.text)
        body = response.json()
        number = body["number"]
        self.assertEqual(body, {"number": number, "status": "queued"})
        self.assertEqual(response.headers["Location"], f"{URL}/{number}")
        self.assertEqual(response.headers["Preference-Applied"], "respond-async")
        self.assertTrue(number.startswith("SD"), "the number is reserved from the ticket sequence")
        self.assertFalse(self._ticket(number), "not made in the request")
        queued = self.Requests.search([("number", "=", number)])
        self.assertEqual((queued.state, queued.user_id), ("queued", self.user_agent_a))
        cron = self.env.ref("service_desk.ir_cron_api_intake")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]), "the commit wakes its cron")

        waiting = self._get(number)
        self.assertEqual(waiting.status_code, 202)
        self.assertEqual(waiting.json(), {"number": number, "status": "queued"})

        self._drain()
        ticket = self._ticket(number)
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.partner_id, self.customer_a_contact)
        self.assertEqual(ticket.team_id, self.team_a)
        self.assertEqual(ticket.external_ref, "CALL-7")
        self.assertEqual(ticket.create_uid, self.user_agent_a, "made as the key's user")
        self.assertEqual(ticket.user_id, self.user_agent_a, "routed")
        self.assertEqual(ticket.sla_policy_id, self.policy)
        self.assertTrue(ticket.sla_line_ids, "its SLA targets")
        self.assertTrue(ticket.routing_explanation, "with the routing note")
        self.env["service.ticket"]._cron_post_stage_emails()
        acknowledgement = ticket.message_ids.filtered(lambda m: m.message_type == "auto_comment")
        self.assertEqual(len(acknowledgement), 1, "acknowledged")
        self.assertEqual(acknowledgement.partner_ids, self.customer_a_contact)
        self.assertEqual((queued.state, queued.ticket_id), ("done", ticket))

        answer = self._get(number)
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(answer.json()["number"], number)
        self.assertEqual(answer.json()["agent"], self.user_agent_a.name)

        self._drain()
        self.assertEqual(len(self._ticket(number)), 1, "made once")

    def test_bad_input_refused_at_once_nothing_queued(self):
        cases = [
            ({"email": "carla@customer-a.example.com"}, "name"),
            ({"name": "No customer"}, "email"),
            ({"email": "not an email", "name": "x"}, "valid email"),
            ({"email": "carla@customer-a.example.com", "name": "x", "channel": "pigeon"}, "channel"),
            ({"email": "carla@customer-a.example.com", "name": "x", "team": "No such team"}, "team"),
            ({"email": "newcomer@example.org", "name": "x", "serial": "NOPE-1"}, "serial"),
            ({"email": "carla@customer-a.example.com", "name": "x", "colour": "red"}, "Unknown fields"),
            ({"email": "carla@customer-a.example.com", "name": ["x"]}, "text"),
        ]
        for payload, text in cases:
            with self.subTest(payload=payload):
                response = self._post(payload)
                self.assertEqual(response.status_code, 422, response.text)
                self.assertIn(text, response.json()["error"])
        self.assertEqual(self._post(None, raw="{not json").status_code, 400)
        self.env["ir.config_parameter"].sudo().set_param("service_desk.api_unknown_customer", "refuse")
        response = self._post({"email": "stranger@example.org", "name": "Hello"})
        self.assertEqual(response.status_code, 422)
        self.assertIn("Unknown customer", response.json()["error"])
        self.assertFalse(self.Requests.search([("user_id", "=", self.user_agent_a.id)]), "nothing queued")
        self.assertFalse(
            self.env["res.partner"].with_context(active_test=False).search([("email", "=", "newcomer@example.org")]),
            "checking writes nothing",
        )

    def test_idempotency_key_gets_the_first_answer(self):
        headers = {"Idempotency-Key": "pbx-2030-0001"}
        first = self._post(self.payload, headers=headers)
        second = self._post(self.payload, headers=headers)
        self.assertEqual(first.status_code, 202)
        self.assertEqual((second.status_code, second.json()), (202, first.json()))
        self.assertEqual(second.headers["Location"], first.headers["Location"])
        self.assertEqual(self.Requests.search_count([("idempotency_key", "=", "pbx-2030-0001")]), 1)
        self._drain()
        after = self._post(self.payload, headers=headers)
        self.assertEqual((after.status_code, after.json()), (202, first.json()), "also once the ticket exists")
        self.assertEqual(self.env["service.ticket"].search_count([("name", "=", self.payload["name"])]), 1)
        other = self._post(self.payload, headers={"Idempotency-Key": "pbx-2030-0002"})
        self.assertNotEqual(other.json()["number"], first.json()["number"])
        synchronous = self._post(self.payload, headers={"Idempotency-Key": "pbx-2030-0001", "Prefer": ""})
        self.assertEqual((synchronous.status_code, synchronous.json()), (202, first.json()), "whatever it prefers")

    def test_synchronous_by_default(self):
        response = self._post(self.payload, headers={"Prefer": "return=representation"})
        self.assertEqual(response.status_code, 201, response.text)
        self.assertTrue(self._ticket(response.json()["number"]), "made in the request")
        self.assertNotIn("Preference-Applied", response.headers)
        self.assertFalse(self.Requests.search([("state", "=", "queued")]))

    def test_prefer_header_among_other_preferences(self):
        response = self._post(self.payload, headers={"Prefer": "wait=5, Respond-Async; foo=bar"})
        self.assertEqual(response.status_code, 202, response.text)

    def test_failure_recorded_and_answered_others_made(self):
        failing = self._post({"email": "new.caller@example.org", "name": "Unknown caller"})
        passing = self._post(self.payload)
        self.assertEqual((failing.status_code, passing.status_code), (202, 202))
        # the desk stops accepting unknown customers before the cron runs
        self.env["ir.config_parameter"].sudo().set_param("service_desk.api_unknown_customer", "refuse")
        self._drain()
        failed = self.Requests.search([("number", "=", failing.json()["number"])])
        self.assertEqual(failed.state, "failed")
        self.assertIn("Unknown customer", failed.error)
        self.assertFalse(failed.payload, "its personal data gone")
        self.assertFalse(self._ticket(failing.json()["number"]))
        self.assertTrue(self._ticket(passing.json()["number"]), "the other request is made")
        answer = self._get(failing.json()["number"])
        self.assertEqual(answer.status_code, 422)
        self.assertEqual(answer.json()["status"], "failed")
        self.assertIn("Unknown customer", answer.json()["error"])

    def test_unexpected_error_recorded(self):
        response = self._post(self.payload)
        Ticket = self.registry["service.ticket"]
        with (
            patch.object(Ticket, "_sla_apply_policies", side_effect=ZeroDivisionError),
            mute_logger("odoo.addons.service_desk.models.service_api_request"),
        ):
            self._drain()
        failed = self.Requests.search([("number", "=", response.json()["number"])])
        self.assertEqual(failed.state, "failed")
        self.assertIn("ZeroDivisionError", failed.error)
        self.assertFalse(self._ticket(response.json()["number"]), "nothing half made")

    def test_customer_message_waits_for_the_ticket(self):
        number = self._post(self.payload).json()["number"]
        message = {"message": "Also the fax"}
        headers = {"Authorization": f"Bearer {self.key_a}", "Content-Type": "application/json"}
        response = self.url_open(f"{URL}/{number}/messages", data=json.dumps(message), headers=headers)
        self.assertEqual(response.status_code, 409, "not made yet: retry")
        self._drain()
        response = self.url_open(f"{URL}/{number}/messages", data=json.dumps(message), headers=headers)
        self.assertEqual(response.status_code, 201, response.text)

    def test_other_users_request_not_found(self):
        number = self._post(self.payload).json()["number"]
        response = self._get(number, key=self.key_b)
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("queued", response.text)
        self.assertEqual(self._get(number).status_code, 202)

    def test_personal_data_cleared_once_made_rows_kept_a_week(self):
        number = self._post(dict(self.payload, description="Call me on +32 470 00 00 00")).json()["number"]
        queued = self.Requests.search([("number", "=", number)])
        self.assertEqual(queued.payload["description"], "Call me on +32 470 00 00 00")
        self._drain()
        self.assertEqual(queued.state, "done")
        self.assertFalse(queued.payload, "the ticket has the customer's data: the request keeps none")
        self.assertEqual(queued.response_body, {"number": number, "status": "queued"})
        waiting = self.Requests.search([("number", "=", self._post(self.payload).json()["number"])])
        self.env.cr.execute(
            "UPDATE service_api_request SET create_date = now() - interval '8 days' WHERE id IN %s",
            [(queued.id, waiting.id)],
        )
        self.Requests._gc_old_requests()
        self.assertFalse(queued.exists(), "a week later the request goes")
        self.assertTrue(waiting.exists(), "a request still queued stays until its ticket is made")


@tagged("post_install", "-at_install")
class TestAsyncIntakeQueries(AsyncIntakeCommon):
    @users("sd_agent_a")
    @warmup
    def test_queries_of_an_accepted_request(self):
        """Fails when accepting a request costs more queries than today: it
        checks the payload (customer, team), reserves the number, stores the
        request and wakes the cron, and makes no ticket."""
        Requests = self.env["service.api.request"]
        with self.assertQueryCount(sd_agent_a=11):
            Requests._queue(self.payload, f"pbx-call-{uuid.uuid4().hex}")
            self.env.flush_all()
        self.assertFalse(self.env["service.ticket"].sudo().search([("name", "=", self.payload["name"])]))


@tagged("post_install", "-at_install")
class TestAsyncIntakeWorkers(WorkerCase):
    """Two crons (two nodes) making the queued tickets at the same moment,
    as two real database transactions: each request is made once."""

    desk_name = "Async intake desk"
    agent_login = "async_intake_agent"

    def _prepare_desk(self, env):
        env["service.sla.policy"].search([]).active = False
        # routing would have both crons wait for the one agent's row (test_routing_concurrency.py)
        env["service.team"].browse(self.created["team"]).assignment_method = "manual"
        Requests = env["service.api.request"].with_user(self.created["user"])
        payloads = [{"email": f"async.worker{i}@example.org", "name": f"Async worker {i}"} for i in range(4)]
        self.created["requests"] = [
            Requests._queue(dict(payload, team=self.desk_name), f"async-worker-{i}").id
            for i, payload in enumerate(payloads)
        ]

    def _cleanup_desk(self, env):
        env["service.sla.policy"].search([("active", "=", False)]).active = True
        env["service.api.request"].browse(self.created["requests"]).unlink()
        env["res.partner"].search([("email", "=like", "async.worker%@example.org")]).unlink()

    def test_two_crons_make_each_ticket_once(self):
        outcome = {}

        def second_node():
            with closing(self._cursor()) as cr:
                env = api.Environment(cr, api.SUPERUSER_ID, {})
                env["service.api.request"]._cron_create_queued_tickets(batch_size=2)
                cr.commit()  # pylint: disable=invalid-commit
                outcome["made"] = env["service.ticket"].search([("team_id", "=", self.created["team"])]).ids

        with closing(self._cursor()) as cr1:
            env = api.Environment(cr1, api.SUPERUSER_ID, {})
            Requests = env["service.api.request"]
            first_batch = Requests._lock_queued(2)
            self.assertEqual(len(first_batch), 2)
            first_batch._create_tickets()
            node = threading.Thread(target=second_node)
            node.start()
            node.join(30)
            self.assertFalse(node.is_alive(), "the second cron does not wait for the rows the first holds")
            self.assertEqual(len(outcome["made"]), 2, "it made the two others")
            cr1.commit()  # pylint: disable=invalid-commit
        with closing(self._cursor()) as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            requests = env["service.api.request"].browse(self.created["requests"])
            self.assertEqual(set(requests.mapped("state")), {"done"})
            tickets = env["service.ticket"].search([("team_id", "=", self.created["team"])])
            self.assertEqual(len(tickets), 4, "one ticket per request")
            self.assertEqual(sorted(tickets.mapped("number")), sorted(requests.mapped("number")))
            env["service.api.request"]._cron_create_queued_tickets()
            self.assertEqual(
                env["service.ticket"].search_count([("team_id", "=", self.created["team"])]), 4, "nothing twice"
            )
