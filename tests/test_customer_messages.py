"""The customer in the loop, on every channel: they follow every ticket
whatever created it, their email threads into the ticket its subject
names, and what happens when they write is one rule (DESIGN §12)."""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged

from .common import FIXTURE_CONTEXT, ServiceDeskMailCommon


class CustomerMessagesCommon(ServiceDeskMailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, **FIXTURE_CONTEXT))
        cls.env["service.sla.policy"].search([]).active = False
        cls.calendar_24_7 = cls._create_calendar("SD all week", (0, 24), days=range(7))
        cls.policy = env["service.sla.policy"].create(
            {
                "name": "SD Responsive",
                "sequence": 1,
                "team_ids": [Command.set(cls.team_a.ids)],
                "first_response_hours": 2,
                "next_response_hours": 4,
                "resolution_hours": 40,
                "resource_calendar_id": cls.calendar_24_7.id,
            }
        )

    def _email_ticket(self, subject="Scanner offline"):
        msg_id = self._receive(self.customer_a_contact.email_formatted, self.alias_team_a, subject)
        return self._ticket_of(msg_id), msg_id

    def _answer(self, ticket, body="Could you send a photo?"):
        return ticket.with_user(self.user_agent_a).message_post(
            body=body, message_type="comment", subtype_xmlid="mail.mt_comment"
        )

    def _waiting_ticket(self):
        """An email ticket answered by its agent, now waiting on the customer."""
        ticket, msg_id = self._email_ticket()
        self._answer(ticket)
        ticket.stage_id = self.stage_waiting
        self.assertEqual(set(ticket.sla_line_ids.mapped("status")), {"met", "paused"})
        return ticket, msg_id

    def _assert_back_at_work(self, ticket):
        self.assertEqual(ticket.stage_id, self.stage_in_progress, "back to its working stage")
        self.assertTrue(ticket.last_customer_message_date)
        resolution = ticket.sla_line_ids.filtered(lambda line: line.target_type == "resolution")
        self.assertEqual(resolution.status, "ongoing", "the SLA clock runs again")
        next_response = ticket.sla_line_ids.filtered(lambda line: line.target_type == "next_response")
        self.assertEqual(len(next_response), 1)
        self.assertEqual(next_response.status, "ongoing", "the next-response target runs")
        self.assertTrue(next_response.deadline)
        waiting = self.env["service.ticket"]._portal_filter_domains()["waiting"]
        self.assertFalse(ticket.filtered_domain(waiting), "no longer waiting on the customer in the portal")


@tagged("post_install", "-at_install", "mail_gateway")
class TestCustomerWritesOnEveryChannel(CustomerMessagesCommon):
    def test_email_reply_wakes_waiting_ticket(self):
        ticket, msg_id = self._waiting_ticket()
        self._receive(
            self.customer_a_contact.email_formatted,
            self.alias_team_a,
            "Re: Scanner offline",
            body="Here is the photo.",
            headers=[("In-Reply-To", msg_id)],
        )
        self._assert_back_at_work(ticket)

    def test_email_naming_the_ticket_in_its_subject_wakes_it(self):
        ticket, __ = self._waiting_ticket()
        count = self.env["service.ticket"].search_count([])
        self._receive(self.customer_a_contact.email_formatted, self.alias_team_a, f"[{ticket.number}] one more detail")
        self.assertEqual(self.env["service.ticket"].search_count([]), count, "no new ticket")
        self.assertTrue(any("one more detail" in (subject or "") for subject in ticket.message_ids.mapped("subject")))
        self._assert_back_at_work(ticket)

    def test_message_in_chatter_of_portal_customer_wakes_waiting_ticket(self):
        ticket, __ = self._waiting_ticket()
        ticket.partner_id = self.partner_portal_a
        ticket.with_user(self.user_portal_a).message_post(
            body="Photo attached", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self._assert_back_at_work(ticket)

    def test_logged_inbound_call_wakes_waiting_ticket(self):
        ticket, __ = self._waiting_ticket()
        self.env["service.interaction"].with_user(self.user_agent_a).create(
            {
                "partner_id": self.customer_a_contact.id,
                "ticket_id": ticket.id,
                "channel": "phone",
                "direction": "inbound",
                "summary": "Called back with the photo",
            }
        )
        self._assert_back_at_work(ticket)

    def test_agent_reply_and_notes_leave_it_waiting(self):
        ticket, __ = self._waiting_ticket()
        self._answer(ticket, "Any news?")
        ticket.with_user(self.user_agent_a).message_post(body="Chased by phone", subtype_xmlid="mail.mt_note")
        self.assertEqual(ticket.stage_id, self.stage_waiting)
        self.assertFalse(ticket.last_customer_message_date)

    def test_email_on_resolved_ticket_within_window_reopens_and_escalates(self):
        ticket, msg_id = self._email_ticket()
        ticket.action_resolve()
        self._receive(
            self.customer_a_contact.email_formatted,
            self.alias_team_a,
            "Re: Scanner offline",
            body="Still offline.",
            headers=[("In-Reply-To", msg_id)],
        )
        self.assertFalse(ticket.is_resolved)
        self.assertEqual((ticket.reopen_count, ticket.escalation_level), (1, 1))
        self.assertEqual(ticket.sla_line_ids.filtered(lambda line: line.target_type == "resolution").status, "ongoing")

    def test_email_on_closed_ticket_after_window_opens_followup(self):
        ticket, __ = self._email_ticket()
        ticket.action_close()
        ticket.closed_date = fields.Datetime.now() - timedelta(days=self.team_a.reopen_window_days + 1)
        self._receive(self.customer_a_contact.email_formatted, self.alias_team_a, f"[{ticket.number}] again")
        self.assertTrue(ticket.is_closed)
        followup = ticket.followup_ticket_ids
        self.assertEqual(len(followup), 1)
        self.assertEqual((followup.channel, followup.partner_id), ("email", self.customer_a_contact))
        self.assertIn(self.customer_a_contact, followup.message_partner_ids)

    def test_contact_logged_late_does_not_reopen(self):
        """A call that happened before the ticket was closed, logged after."""
        ticket, __ = self._email_ticket()
        ticket.action_close()
        self.env["service.interaction"].create(
            {
                "partner_id": self.customer_a_contact.id,
                "ticket_id": ticket.id,
                "direction": "inbound",
                "date": ticket.closed_date - timedelta(hours=1),
                "summary": "Call of this morning",
            }
        )
        self.assertTrue(ticket.is_closed)
        self.assertFalse(ticket.followup_ticket_ids)


@tagged("post_install", "-at_install", "mail_gateway")
class TestSubjectThreading(CustomerMessagesCommon):
    def test_number_of_another_customer_opens_a_new_ticket(self):
        ticket, __ = self._email_ticket()
        msg_id = self._receive(self.customer_b_contact.email_formatted, self.alias_team_a, f"[{ticket.number}] hello")
        other = self._ticket_of(msg_id)
        self.assertNotEqual(other, ticket)
        self.assertEqual(other.partner_id, self.customer_b_contact)

    def test_unknown_number_opens_a_new_ticket(self):
        ticket, __ = self._email_ticket()
        msg_id = self._receive(self.customer_a_contact.email_formatted, self.alias_team_a, "[SD99999] hello")
        self.assertNotEqual(self._ticket_of(msg_id), ticket)

    def test_colleague_of_the_customer_threads_in(self):
        """Another contact of the same customer company writes about it."""
        ticket, __ = self._email_ticket()
        colleague = self.env["res.partner"].create(
            {"name": "Cora Colleague", "parent_id": self.customer_a.id, "email": "cora@customer-a.example.com"}
        )
        msg_id = self._receive(colleague.email_formatted, self.alias_team_a, f"Re: [{ticket.number}] Scanner offline")
        self.assertEqual(self._ticket_of(msg_id), ticket)


@tagged("post_install", "-at_install", "mail_gateway")
class TestCustomerFollows(CustomerMessagesCommon):
    """The customer follows the ticket whatever created it: the agents'
    public replies reach them."""

    def _assert_reply_reaches_customer(self, ticket):
        customer = ticket.partner_id
        self.assertIn(customer, ticket.message_partner_ids)
        with self.mock_mail_gateway():
            self._answer(ticket, "We are on it.")
        self.assertTrue(self._mails_to(customer), "the public reply is emailed to the customer")

    def test_ticket_of_an_agent_by_phone(self):
        ticket = (
            self.env["service.ticket"]
            .with_user(self.user_agent_a)
            .create(
                {
                    "name": "Called about the invoice",
                    "team_id": self.team_a.id,
                    "partner_id": self.customer_a_contact.id,
                    "channel": "phone",
                }
            )
        )
        self._assert_reply_reaches_customer(ticket)

    def test_ticket_of_the_api(self):
        Ticket = self.env["service.ticket"].with_user(self.user_agent_a)
        values = Ticket._api_ticket_values(
            {"email": self.customer_a_contact.email, "name": "From our telephony", "team": self.team_a.name}
        )
        self._assert_reply_reaches_customer(Ticket.create(values))

    def test_ticket_of_a_logged_contact(self):
        interaction = self.env["service.interaction"].create(
            {"partner_id": self.customer_a_contact.id, "channel": "visit", "summary": "Came to the shop"}
        )
        interaction.with_context(default_team_id=self.team_a.id).action_create_ticket()
        self._assert_reply_reaches_customer(interaction.ticket_id)

    def test_ticket_of_a_chat(self):
        channel = self.env["discuss.channel"].create({"name": "Support chat", "channel_type": "group"})
        channel.add_members(partner_ids=self.customer_a_contact.ids)
        channel.message_post(
            body="My scanner is offline",
            author_id=self.customer_a_contact.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        ticket = channel.with_context(default_team_id=self.team_a.id)._service_ticket_from_conversation()
        self.assertEqual(ticket.partner_id, self.customer_a_contact)
        self._assert_reply_reaches_customer(ticket)

    def test_ticket_of_an_import(self):
        result = self.env["service.ticket"].load(
            ["name", "team_id/.id", "partner_id/.id"],
            [["Imported request", str(self.team_a.id), str(self.customer_a_contact.id)]],
        )
        self.assertFalse(result["messages"])
        self._assert_reply_reaches_customer(self.env["service.ticket"].browse(result["ids"]))

    def test_canned_reply_reaches_the_customer(self):
        ticket = self._create_ticket(partner_id=self.customer_a_contact.id, channel="phone")
        macro = self.env["service.macro"].create({"name": "Thanks", "body": "<p>Thank you {{customer}}</p>"})
        with self.mock_mail_gateway():
            macro.with_user(self.user_agent_a).apply_to(ticket)
        self.assertTrue(self._mails_to(self.customer_a_contact))

    def test_new_customer_follows(self):
        ticket = self._create_ticket(partner_id=self.customer_a_contact.id)
        ticket.partner_id = self.customer_b_contact
        self.assertIn(self.customer_b_contact, ticket.message_partner_ids)

    def test_colleague_is_no_customer(self):
        ticket = self._create_ticket(partner_id=self.user_agent_b.partner_id.id)
        self.assertNotIn(self.user_agent_b.partner_id, ticket.message_partner_ids)

    def test_customers_follow_for_the_conversation_only(self):
        """Stages and resolution reach the customer by the stages' emails,
        not as notifications of tracking messages too."""
        ticket = self._create_ticket(partner_id=self.customer_a_contact.id)
        follower = ticket.message_follower_ids.filtered(lambda f: f.partner_id == self.customer_a_contact)
        self.assertEqual(follower.subtype_ids, self.env.ref("mail.mt_comment"))

    def test_every_ticket_followed_by_its_customer(self):
        """Demo tickets included, when the database has them."""
        tickets = self.env["service.ticket"].search([("partner_id.partner_share", "=", True)])
        self.assertTrue(tickets)
        missing = tickets.filtered(lambda t: t.partner_id not in t.message_partner_ids)
        self.assertFalse(missing.mapped("number"))
