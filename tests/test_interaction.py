"""Every contact on every channel: the communication log and its timeline."""

from datetime import datetime, timedelta

from freezegun import freeze_time
from markupsafe import Markup
from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ServiceDeskCommon


@tagged("post_install", "-at_install")
class TestInteractions(ServiceDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["service.sla.policy"].search([]).active = False
        calendar = cls._create_calendar("Always", (0, 24), days=range(7))
        cls.team_a.resource_calendar_id = calendar
        cls.policy = cls.env["service.sla.policy"].create(
            {
                "name": "Interactions",
                "first_response_hours": 4,
                "next_response_hours": 2,
                "resolution_hours": 24,
                "team_ids": [(6, 0, cls.team_a.ids)],
            }
        )

    def _log(self, user=None, **values):
        wizard = (
            self.env["service.log.contact"]
            .with_user(user or self.user_agent_a)
            .with_context(
                default_ticket_id=values.pop("ticket_id", False),
            )
            .create(dict({"summary": "Asked about the toner", "channel": "phone", "duration_minutes": 7}, **values))
        )
        return wizard, wizard.action_log()

    def test_log_call_on_ticket_meets_first_response_when_outbound(self):
        ticket = self._create_ticket(partner_id=self.customer_a_contact.id)
        self._log(ticket_id=ticket.id, direction="inbound")
        self.assertFalse(ticket.first_response_date, "the customer calling is not an answer")
        self._log(ticket_id=ticket.id, direction="outbound", summary="Called back with the fix")
        self.assertTrue(ticket.first_response_date)
        line = ticket.sla_line_ids.filtered(lambda line: line.target_type == "first_response")
        self.assertEqual(line.status, "met")
        self.assertEqual(len(ticket.interaction_ids), 2)
        self.assertEqual(
            ticket.interaction_ids.partner_id, self.customer_a_contact, "the dialog takes the ticket's customer"
        )

    def test_inbound_call_after_first_response_opens_next_response(self):
        ticket = self._create_ticket(partner_id=self.customer_a_contact.id)
        self._log(ticket_id=ticket.id, direction="outbound")
        self._log(ticket_id=ticket.id, direction="inbound", summary="Calls again: still broken")
        self.assertTrue(
            ticket.sla_line_ids.filtered(lambda line: line.target_type == "next_response" and not line.reached_date)
        )

    def test_log_contact_creates_ticket_when_asked(self):
        _wizard, action = self._log(
            partner_id=self.customer_b_contact.id,
            channel="visit",
            create_ticket=True,
            transcript="Came to the shop <b>angry</b>",
        )
        interaction = self.env["service.interaction"].search([("partner_id", "=", self.customer_b_contact.id)])
        ticket = interaction.ticket_id
        self.assertTrue(ticket)
        self.assertEqual(action["res_id"], ticket.id)
        self.assertEqual(ticket.channel, "walk_in")
        self.assertEqual(ticket.partner_id, self.customer_b_contact)
        self.assertIn("&lt;b&gt;angry&lt;/b&gt;", str(ticket.description), "the transcript is text, not HTML")

    def test_log_contact_without_ticket(self):
        self._log(partner_id=self.customer_b_contact.id, channel="fax")
        interaction = self.env["service.interaction"].search([("partner_id", "=", self.customer_b_contact.id)])
        self.assertEqual(interaction.channel, "fax")
        self.assertFalse(interaction.ticket_id)
        self.assertEqual(interaction.user_id, self.user_agent_a)
        self.assertEqual(interaction.commercial_partner_id, self.customer_b)

    def test_contact_updates_last_contact_date(self):
        when = datetime(2030, 5, 1, 10, 0)
        self._log(partner_id=self.customer_b_contact.id, date=when)
        self.assertEqual(self.customer_b_contact.service_last_contact_date, when)
        self.assertEqual(self.customer_b.service_last_contact_date, when)

    def test_contact_of_another_customer_refused_on_ticket(self):
        ticket = self._create_ticket(partner_id=self.customer_a_contact.id)
        with self.assertRaises(ValidationError):
            self.env["service.interaction"].create(
                {
                    "partner_id": self.customer_b_contact.id,
                    "ticket_id": ticket.id,
                    "summary": "Wrong customer",
                }
            )

    def test_negative_duration_refused(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.env["service.interaction"].create(
                {
                    "partner_id": self.customer_b_contact.id,
                    "summary": "x",
                    "duration_minutes": -3,
                }
            )

    def test_timeline_merges_messages_and_contacts_newest_first(self):
        ticket = self._create_ticket(partner_id=self.customer_a_contact.id)
        base = datetime(2030, 3, 1, 9, 0)
        ticket.message_post(
            body="Customer email",
            author_id=self.customer_a_contact.id,
            message_type="email",
            subtype_xmlid="mail.mt_comment",
        )
        ticket.message_ids.filtered(lambda m: m.body and "Customer email" in m.body).date = base
        ticket.with_user(self.user_agent_a).message_post(
            body="Our answer", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        ticket.message_ids.filtered(lambda m: m.body and "Our answer" in m.body).date = base + timedelta(hours=1)
        ticket.message_post(body="Internal", message_type="comment", subtype_xmlid="mail.mt_note")
        self._log(
            partner_id=self.customer_a_contact.id,
            date=base + timedelta(hours=2),
            channel="chat",
            summary="Chat about delivery",
        )
        self._log(partner_id=self.customer_b_contact.id, date=base, summary="Other customer")
        self.env.flush_all()
        timeline = (
            self.env["service.contact.timeline"]
            .with_user(self.user_agent_a)
            .search([("commercial_partner_id", "=", self.customer_a.id)])
        )
        self.assertEqual(timeline.mapped("summary")[:1], ["Chat about delivery"])
        self.assertEqual(timeline.mapped("channel"), ["chat", "web", "email"])
        self.assertEqual(timeline.mapped("direction"), ["inbound", "outbound", "inbound"])
        chats = self.env["service.contact.timeline"].search(
            [("commercial_partner_id", "=", self.customer_a.id), ("channel", "=", "chat")]
        )
        self.assertEqual(len(chats), 1)
        self.assertEqual(chats.action_open_source()["res_id"], chats.id // 2)

    def test_statistics_per_channel_and_agent(self):
        self._log(partner_id=self.customer_b_contact.id, channel="phone", duration_minutes=10)
        self._log(partner_id=self.customer_b_contact.id, channel="phone", duration_minutes=20)
        self._log(partner_id=self.customer_b_contact.id, channel="chat", duration_minutes=0)
        groups = self.env["service.interaction"]._read_group(
            [("commercial_partner_id", "=", self.customer_b.id)],
            ["channel", "user_id"],
            ["interaction_count:sum", "duration_minutes:avg"],
        )
        stats = {channel: (user, count, avg) for channel, user, count, avg in groups}
        self.assertEqual(stats["phone"], (self.user_agent_a, 2, 15.0))
        self.assertEqual(stats["chat"][1], 1)

    def test_portal_user_has_no_access(self):
        self.assertFalse(self.env["service.interaction"].with_user(self.user_portal_a).has_access("read"))
        self.assertFalse(self.env["service.contact.timeline"].with_user(self.user_portal_a).has_access("read"))

    def test_logged_call_leaves_internal_note_on_ticket(self):
        ticket = self._create_ticket(partner_id=self.customer_a_contact.id)
        ticket.message_subscribe(partner_ids=self.customer_a_contact.ids)
        before = ticket.message_ids
        self._log(
            ticket_id=ticket.id,
            direction="outbound",
            duration_minutes=12,
            summary="Walked the customer through the reset",
            transcript="Reset done, printer back online",
        )
        note = ticket.message_ids - before
        self.assertEqual(len(note), 1, "one line in the ticket's chatter per logged call")
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"), "an internal note")
        self.assertEqual(note.author_id, self.user_agent_a.partner_id)
        body = note.body
        for text in ("Phone", "Alice Agent", "Carla Customer", "Outbound", "12 min", "Walked the customer"):
            self.assertIn(text, body)
        self.assertLess(body.index("Alice Agent"), body.index("Carla Customer"), "the agent called the customer")
        self.assertNotIn("Reset done", body, "the transcript stays on the contact (erasure clears it there)")
        self.assertFalse(note.notification_ids, "nobody is notified of a note")
        self.assertFalse(
            self.env["mail.mail"].search([("mail_message_id", "=", note.id)]), "the customer is not emailed"
        )

    def test_inbound_call_note_names_the_caller_first(self):
        ticket = self._create_ticket(partner_id=self.customer_a_contact.id)
        self._log(ticket_id=ticket.id, direction="inbound", summary="Calls about the toner")
        note = ticket.message_ids.filtered(lambda message: "Calls about the toner" in message.body)
        self.assertEqual(len(note), 1)
        self.assertIn("Inbound", note.body)
        self.assertLess(note.body.index("Carla Customer"), note.body.index("Alice Agent"))

    def test_ticket_opened_from_contact_shows_the_contact(self):
        _wizard, action = self._log(partner_id=self.customer_b_contact.id, create_ticket=True, summary="Visit")
        ticket = self.env["service.ticket"].browse(action["res_id"])
        self.assertTrue(
            ticket.message_ids.filtered(lambda message: message.subtype_id.internal and "Visit" in message.body)
        )


@tagged("post_install", "-at_install")
class TestChatToTicket(ServiceDeskCommon):
    def test_conversation_becomes_ticket_with_transcript(self):
        channel = self.env["discuss.channel"].create({"name": "Chat with Carla", "channel_type": "group"})
        channel._add_members(partners=self.customer_a_contact | self.user_agent_a.partner_id)
        with freeze_time("2030-05-01 10:00:00"):
            channel.message_post(
                body=Markup("<p>My printer prints blank pages</p>"),
                author_id=self.customer_a_contact.id,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        with freeze_time("2030-05-01 10:06:00"):
            channel.with_user(self.user_agent_a).message_post(
                body="Let me check", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        action = channel.with_user(self.user_agent_a).action_service_create_ticket()
        ticket = self.env["service.ticket"].browse(action["res_id"])
        self.assertEqual(ticket.channel, "chat")
        self.assertEqual(ticket.partner_id, self.customer_a_contact)
        self.assertEqual(ticket.name, "My printer prints blank pages")
        contact = ticket.interaction_ids
        self.assertEqual(contact.channel, "chat")
        self.assertEqual(contact.duration_minutes, 6)
        self.assertIn("Carla Customer: My printer prints blank pages", contact.transcript)
        self.assertIn("Alice Agent: Let me check", contact.transcript)
        self.assertNotIn("<p>", contact.transcript)

    def test_empty_conversation_refused(self):
        channel = self.env["discuss.channel"].create({"name": "Silent", "channel_type": "group"})
        with self.assertRaises(UserError):
            channel.action_service_create_ticket()
