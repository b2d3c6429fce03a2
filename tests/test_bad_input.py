"""Bad input catalogue: malformed and hostile email, portal forms and API
bodies. Each is answered clearly, stores nothing partial, executes nothing."""

import base64
import json
from datetime import timedelta
from uuid import uuid4

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MailCommon

from .common import ServiceDeskCommon, ServiceDeskPortalCommon, now_header

MAIL_LOGGER = "odoo.addons.service_desk.models.service_ticket_mail"


@tagged("post_install", "-at_install")
class TestHostileEmail(ServiceDeskCommon, MailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param("mail.gateway.loop.threshold", 50)
        cls.Ticket = cls.env["service.ticket"]

    def _raw(self, headers, body, content_type="text/plain; charset=utf-8"):
        msg_id = f"<{uuid4().hex}@mail.sender.example.com>"
        lines = [
            *headers,
            f"To: {self.team_a.alias_email}",
            f"Date: {now_header()}",
            f"Message-ID: {msg_id}",
            "MIME-Version: 1.0",
            f"Content-Type: {content_type}",
            "",
            body,
            "",
        ]
        return msg_id, "\n".join(lines)

    def _process(self, raw):
        with self.mock_mail_gateway():
            self.env["mail.thread"].sudo().message_process(None, raw)

    def _tickets_of(self, msg_id):
        return self.Ticket.search([("message_ids.message_id", "=", msg_id)])

    def test_email_without_sender_opens_no_ticket(self):
        """Nobody to answer and nobody to serve: the email is dropped with a warning."""
        count = self.Ticket.search_count([])
        msg_id, raw = self._raw(["Subject: Who am I?"], "No From header at all.")
        with self.assertLogs(MAIL_LOGGER, level="WARNING") as logs:
            self._process(raw)
        self.assertEqual(self.Ticket.search_count([]), count)
        self.assertFalse(self._tickets_of(msg_id))
        self.assertTrue(any("no sender" in line for line in logs.output))

    def test_forged_display_name_does_not_impersonate(self):
        """A display name showing an agent's address does not make the email the agent's."""
        agent_email = self.user_agent_a.email
        msg_id, raw = self._raw(
            [
                f'From: "{agent_email}" <mallory@attacker.example.com>',
                "Return-Path: <mallory@attacker.example.com>",
                "Subject: Please reset my password",
            ],
            "Urgent.",
        )
        self._process(raw)
        ticket = self._tickets_of(msg_id)
        self.assertEqual(len(ticket), 1)
        self.assertNotEqual(ticket.partner_id, self.user_agent_a.partner_id)
        self.assertEqual(ticket.partner_id.email_normalized, "mallory@attacker.example.com")
        self.assertNotEqual(
            ticket.message_ids.filtered(lambda m: m.message_id == msg_id).author_id, self.user_agent_a.partner_id
        )

    def test_forged_internal_headers_are_ignored(self):
        """Headers naming a record or claiming a user do not route the email elsewhere."""
        other = self._create_ticket(self.team_b, name="Someone else's", partner_id=self.customer_b.id)
        messages = len(other.message_ids)
        msg_id, raw = self._raw(
            [
                "From: Mallory <mallory@attacker.example.com>",
                f"X-Odoo-Objects: service.ticket-{other.id}",
                f"X-Odoo-Ticket-Id: {other.id}",
                "Subject: Let me in",
            ],
            "Adding myself to another ticket.",
        )
        self._process(raw)
        other.invalidate_recordset()
        self.assertEqual(len(other.message_ids), messages, "nothing was posted on the other ticket")
        new = self._tickets_of(msg_id)
        self.assertEqual(len(new), 1)
        self.assertNotEqual(new, other)

    def test_html_with_scripts_is_sanitized(self):
        msg_id, raw = self._raw(
            ["From: Hacker <hacker@attacker.example.com>", "Subject: <script>alert('subject')</script>"],
            "<html><body><p onclick=\"alert('p')\">Hello</p><script>alert('body')</script>"
            '<img src="x" onerror="alert(\'img\')"/><a href="javascript:alert(\'a\')">link</a></body></html>',
            content_type="text/html; charset=utf-8",
        )
        self._process(raw)
        ticket = self._tickets_of(msg_id)
        self.assertEqual(len(ticket), 1)
        description = str(ticket.description)
        self.assertIn("Hello", description)
        for hostile in ("<script", "alert('body')", "onclick", "onerror", "javascript:"):
            with self.subTest(hostile=hostile):
                self.assertNotIn(hostile, description)
        message = ticket.message_ids.filtered(lambda m: m.message_id == msg_id)
        self.assertNotIn("<script", str(message.body))
        # the subject is plain text: kept as typed, escaped wherever it is shown
        self.assertEqual(ticket.name, "<script>alert('subject')</script>")

    def test_25_mb_attachment_is_refused(self):
        """The default limit (service_desk.max_email_mb = 25) refuses the email whole."""
        self.assertEqual(self.env["ir.config_parameter"].get_param("service_desk.max_email_mb", "25"), "25")
        count = self.Ticket.search_count([])
        attachments = self.env["ir.attachment"].search_count([])
        boundary = "sd-big-boundary"
        payload = base64.encodebytes(b"\0" * (25 * 1024 * 1024 + 1)).decode()
        _msg_id, raw = self._raw(
            ["From: Nina <nina@newcomer.example.com>", "Subject: Full disk image"],
            "\n".join(
                [
                    f"--{boundary}",
                    "Content-Type: text/plain",
                    "",
                    "See the attached image.",
                    "",
                    f"--{boundary}",
                    "Content-Type: application/octet-stream; name=disk.img",
                    "Content-Transfer-Encoding: base64",
                    'Content-Disposition: attachment; filename="disk.img"',
                    "",
                    payload,
                    f"--{boundary}--",
                ]
            ),
            content_type=f'multipart/mixed; boundary="{boundary}"',
        )
        with self.assertLogs(MAIL_LOGGER, level="WARNING") as logs:
            self._process(raw)
        self.assertTrue(any("larger than the service desk accepts" in line for line in logs.output))
        self.assertEqual(self.Ticket.search_count([]), count)
        self.assertEqual(self.env["ir.attachment"].search_count([]), attachments)
        self.assertFalse(self.env["res.partner"].search([("email_normalized", "=", "nina@newcomer.example.com")]))


@tagged("post_install", "-at_install")
class TestHostilePortalForms(HttpCase, ServiceDeskPortalCommon):
    def test_script_in_subject_and_description_is_escaped(self):
        self.authenticate(self.user_portal_a.login, self.user_portal_a.login)
        script = "<script>alert('xss')</script>"
        response = self._post(
            "/my/service/tickets/new",
            self._new_ticket_form(name=f"Noise {script}", description=f"Loud {script}\n<img src=x onerror=1>"),
        )
        self.assertEqual(response.status_code, 303)
        ticket = self.env["service.ticket"].search([("name", "=", f"Noise {script}")])
        self.assertEqual(len(ticket), 1)
        self.assertNotIn("<script", ticket.description)
        self.assertNotIn("<img", ticket.description)
        self.assertIn("&lt;script&gt;", ticket.description)
        for url in (f"/my/service/tickets/{ticket.id}", "/my/service/tickets"):
            with self.subTest(url=url):
                page = self.url_open(url)
                self.assertEqual(page.status_code, 200)
                self.assertNotIn(script, page.text)
                self.assertIn("&lt;script&gt;alert(", page.text)

    def test_script_in_reply_is_escaped(self):
        self.authenticate(self.user_portal_a.login, self.user_portal_a.login)
        self._post(f"/my/service/tickets/{self.ticket_a.id}/reply", {"message": "<script>alert(1)</script>"})
        last = self.ticket_a.message_ids[:1]
        self.assertNotIn("<script", str(last.body))
        self.assertNotIn("<script>alert(1)</script>", self.url_open(f"/my/service/tickets/{self.ticket_a.id}").text)

    def test_ids_that_are_not_numbers_or_belong_to_others(self):
        self.authenticate(self.user_portal_a.login, self.user_portal_a.login)
        count = self.env["service.ticket"].search_count([])
        cases = [
            ({"team_id": "abc"}, "not valid"),
            ({"category_id": "1 OR 1=1"}, "not valid"),
            ({"lot_id": "-5"}, "not delivered to you"),
            ({"lot_id": str(self.lot_b.id)}, "not delivered to you"),
            ({"product_id": "999999999"}, "not delivered to you"),
            ({"ticket_type": "<b>bad</b>"}, "valid kind of request"),
        ]
        for values, text in cases:
            with self.subTest(values=values):
                response = self._post("/my/service/tickets/new", self._new_ticket_form(**values))
                self.assertEqual(response.status_code, 400)
                self.assertIn(text, response.text)
                self.assertNotIn("<b>bad</b>", response.text)
        self.assertEqual(self.env["service.ticket"].search_count([]), count)

    def test_foreign_ticket_ids_on_every_action(self):
        self.authenticate(self.user_portal_a.login, self.user_portal_a.login)
        messages = len(self.ticket_b.message_ids)
        with mute_logger("odoo.http"):
            for action, data in (("reply", {"message": "mine now"}), ("confirm", {}), ("reopen", {"reason": "x"})):
                with self.subTest(action=action):
                    response = self._post(f"/my/service/tickets/{self.ticket_b.id}/{action}", data)
                    self.assertIn(response.status_code, (303, 403, 404))
                    self.assertNotIn("Confidential B details", response.text)
            self.assertEqual(self.url_open(f"/my/service/tickets/{self.ticket_b.id}").status_code, 404)
        self.ticket_b.invalidate_recordset()
        self.assertEqual(len(self.ticket_b.message_ids), messages)


@tagged("post_install", "-at_install")
class TestHostileApiBodies(HttpCase, ServiceDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        expiration = fields.Datetime.now() + timedelta(hours=12)
        cls.key = (
            cls.env["res.users.apikeys"].with_user(cls.user_agent_a).sudo()._generate(None, "bad input", expiration)
        )

    def _post(self, payload):
        return self.url_open(
            "/service_desk/api/v1/tickets",
            data=json.dumps(payload),
            headers={
                "Authorization": f"Bearer {self.key}",
                "Content-Type": "application/json",
            },
        )

    def test_wrong_types_are_refused_and_nothing_stored(self):
        good = {"email": "wrong.types@newcomer.example.com", "name": "Typed wrong"}
        cases = [
            ("name", 42),
            ("name", ["a", "b"]),
            ("email", ["x@y.example.com"]),
            ("email", {"a": 1}),
            ("description", {"html": "<script>alert(1)</script>"}),
            ("description", [1, 2]),
            ("phone", 123456),
            ("channel", True),
            ("product", 7),
            ("serial", 1.5),
            ("team", {"id": 1}),
            ("external_ref", ["r"]),
        ]
        tickets = self.env["service.ticket"].search_count([])
        partners = self.env["res.partner"].search_count([])
        for field, value in cases:
            with self.subTest(field=field, value=value):
                response = self._post(dict(good, **{field: value}))
                self.assertEqual(response.status_code, 422, response.text)
                self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/json")
                error = response.json()["error"]
                self.assertIn(field, error)
                self.assertIn("text", error)
        self.assertEqual(self.env["service.ticket"].search_count([]), tickets)
        self.assertEqual(self.env["res.partner"].search_count([]), partners, "no contact created either")

    def test_script_in_api_description_is_stored_as_text(self):
        response = self._post(
            {
                "email": "carla@customer-a.example.com",
                "name": "<script>x</script>",
                "description": "<script>alert(1)</script>",
            }
        )
        self.assertEqual(response.status_code, 201, response.text)
        ticket = self.env["service.ticket"].search([("number", "=", response.json()["number"])])
        self.assertNotIn("<script", str(ticket.description))
        self.assertIn("&lt;script&gt;", str(ticket.description))
