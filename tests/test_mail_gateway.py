"""Email intake: what the team aliases do with incoming mail."""

from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ServiceDeskMailCommon, raw_bounce

T1 = datetime(2026, 2, 2, 8, 0)
T2 = datetime(2026, 2, 3, 16, 45)


@tagged("post_install", "-at_install", "mail_gateway")
class TestTicketMailGateway(ServiceDeskMailCommon):
    # ------------------------------------------------------------------
    # New requests
    # ------------------------------------------------------------------

    def test_new_email_known_customer(self):
        customer = self.customer_a_contact
        partner_count = self.env["res.partner"].search_count([])
        with freeze_time(T1):
            msg_id = self._receive(
                '"Carla Customer" <CARLA@Customer-A.example.com>',
                self.alias_team_a,
                "Printer jammed",
                body="The printer in room 4 is jammed since this morning.",
            )
        ticket = self._ticket_of(msg_id)
        self.assertEqual(self.env["res.partner"].search_count([]), partner_count, "no contact created")
        self.assertEqual(ticket.name, "Printer jammed")
        self.assertRegex(ticket.number, r"^SD\d{5}$")
        self.assertEqual(ticket.channel, "email")
        self.assertEqual(ticket.team_id, self.team_a)
        self.assertEqual(ticket.company_id, self.company)
        self.assertEqual(ticket.stage_id, self.stage_new)
        self.assertEqual(ticket.partner_id, customer)
        self.assertEqual(ticket.commercial_partner_id, self.customer_a)
        self.assertEqual(ticket.partner_email, "carla@customer-a.example.com", "the address, not the From header")
        self.assertIn("room 4 is jammed", ticket.description)
        self.assertIn(customer, ticket.message_partner_ids, "the customer follows the ticket")
        self.assertFalse(ticket.first_response_date)
        self.assertEqual(customer.service_last_contact_date, T1)

        incoming = ticket.message_ids.filtered(lambda m: m.message_id == msg_id)
        self.assertEqual(incoming.author_id, customer)
        self.assertEqual(incoming.message_type, "email")

    def test_new_email_unknown_sender(self):
        msg_id = self._receive("Nina Newcomer <nina@newcomer.example.com>", self.alias_team_b, "Where is my order?")
        ticket = self._ticket_of(msg_id)
        newcomer = self.env["res.partner"].search([("email_normalized", "=", "nina@newcomer.example.com")])
        self.assertEqual(len(newcomer), 1, "a contact is created for the unknown sender")
        self.assertEqual(newcomer.name, "Nina Newcomer")
        self.assertEqual(ticket.partner_id, newcomer)
        self.assertEqual(ticket.partner_email, "nina@newcomer.example.com", "the address, not the From header")
        self.assertEqual(ticket.team_id, self.team_b)
        self.assertEqual(ticket.channel, "email")
        self.assertIn(newcomer, ticket.message_partner_ids)

    def test_new_email_from_portal_user(self):
        msg_id = self._receive(self.partner_portal_a.email_formatted, self.alias_team_a, "Toner empty")
        ticket = self._ticket_of(msg_id)
        self.assertEqual(ticket.partner_id, self.partner_portal_a)
        self.assertEqual(ticket.with_user(self.user_portal_a).read(["number"])[0]["number"], ticket.number)

    def test_new_email_keeps_cc(self):
        msg_id = self._receive(
            self.customer_a_contact.email_formatted,
            self.alias_team_a,
            "Broken keyboard",
            cc='"Head of IT" <it@customer-a.example.com>',
        )
        ticket = self._ticket_of(msg_id)
        self.assertIn("it@customer-a.example.com", ticket.email_cc)

    def test_known_customers_in_cc_follow_the_ticket(self):
        colleague = self.customer_a.copy(
            {
                "name": "Cora Colleague",
                "email": "cora@customer-a.example.com",
                "is_company": False,
                "parent_id": self.customer_a.id,
            }
        )
        msg_id = self._receive(
            self.customer_a_contact.email_formatted,
            self.alias_team_a,
            "Broken mouse",
            cc=f"{colleague.email_formatted}, {self.user_agent_b.email_formatted}",
        )
        ticket = self._ticket_of(msg_id)
        self.assertIn(colleague, ticket.message_partner_ids)
        self.assertIn(self.customer_a_contact, ticket.message_partner_ids)
        self.assertNotIn(
            self.user_agent_b.partner_id, ticket.message_partner_ids, "an internal user in copy is not a customer"
        )

    def test_acknowledgement(self):
        """The New stage's template tells the customer the ticket number."""
        msg_id = self._receive("Nina Newcomer <nina@newcomer.example.com>", self.alias_team_a, "Screen flickers")
        ticket = self._ticket_of(msg_id)
        self.assertEqual(self.stage_new.template_id, self.env.ref("service_desk.mail_template_ticket_received"))
        acknowledgements = self._mails_to(ticket.partner_id)
        self.assertEqual(len(acknowledgements), 1, "one acknowledgement to the customer")
        self.assertIn(ticket.number, acknowledgements.subject)
        self.assertIn(ticket.number, str(acknowledgements.body_html))
        self.assertFalse(ticket.first_response_date, "an acknowledgement is no response")

    def test_email_to_team_of_other_company(self):
        domain_other = self.env["mail.alias.domain"].create(
            {
                "name": "other-company.example.com",
                "company_ids": [Command.link(self.company_other.id)],
            }
        )
        self.team_other.write({"alias_name": "sd-other", "alias_domain_id": domain_other.id})
        msg_id = self._receive(
            self.customer_b_contact.email_formatted, "sd-other@other-company.example.com", "Invoice question"
        )
        ticket = self._ticket_of(msg_id)
        self.assertEqual(ticket.team_id, self.team_other)
        self.assertEqual(ticket.company_id, self.company_other)

    # ------------------------------------------------------------------
    # Replies
    # ------------------------------------------------------------------

    def test_reply_threads_into_ticket(self):
        with freeze_time(T1):
            first_id = self._receive(self.customer_a_contact.email_formatted, self.alias_team_a, "Scanner offline")
        ticket = self._ticket_of(first_id)
        ticket_count = self.Ticket.search_count([])

        # the customer adds something, replying to their own first email
        with freeze_time(T2):
            reply_id = self._receive(
                self.customer_a_contact.email_formatted,
                self.alias_team_a,
                "Re: Scanner offline",
                body="It shows error E42.",
                headers=[("In-Reply-To", first_id), ("References", first_id)],
            )
        self.assertEqual(self.Ticket.search_count([]), ticket_count, "no new ticket")
        self.assertEqual(self._ticket_of(reply_id), ticket)
        self.assertFalse(self._mails_to(self.customer_a_contact), "no second acknowledgement")
        self.assertEqual(self.customer_a_contact.service_last_contact_date, T2)
        self.assertEqual(ticket.stage_id, self.stage_new)
        self.assertFalse(ticket.first_response_date)

    def test_reply_to_agent_threads_into_ticket(self):
        first_id = self._receive(self.customer_b_contact.email_formatted, self.alias_team_b, "Refund")
        ticket = self._ticket_of(first_id)
        answer = ticket.with_user(self.user_agent_b).message_post(
            body="Could you send us the invoice number?",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.assertTrue(ticket.first_response_date)
        ticket_count = self.Ticket.search_count([])
        # a reply to the agent's email whose subject was changed, found by References only
        reply_id = self._receive(
            self.customer_b_contact.email_formatted,
            self.alias_team_b,
            "invoice number",
            body="It is INV/2026/0042.",
            headers=[("References", f"<unrelated@elsewhere.example.com> {answer.message_id}")],
        )
        self.assertEqual(self.Ticket.search_count([]), ticket_count, "no new ticket")
        self.assertEqual(self._ticket_of(reply_id), ticket)
        self.assertFalse(self._mails_to(self.customer_b_contact), "no acknowledgement on a reply")

    def test_agent_reply_by_email(self):
        """An agent answering from their mailbox gives the first response, and
        is not a customer getting in touch."""
        first_id = self._receive(self.customer_a_contact.email_formatted, self.alias_team_a, "Wifi down")
        ticket = self._ticket_of(first_id)
        with freeze_time(T2):
            reply_id = self._receive(
                self.user_agent_a.email_formatted,
                self.alias_team_a,
                "Re: Wifi down",
                body="Please restart the router.",
                headers=[("In-Reply-To", first_id)],
            )
        reply = ticket.message_ids.filtered(lambda m: m.message_id == reply_id)
        self.assertEqual(reply.author_id, self.user_agent_a.partner_id)
        self.assertEqual(ticket.first_response_date, T2)
        self.assertFalse(self.user_agent_a.partner_id.service_last_contact_date)
        self.assertFalse(self.company.partner_id.service_last_contact_date)

    # ------------------------------------------------------------------
    # Mail nobody typed
    # ------------------------------------------------------------------

    def test_automatic_emails_create_no_ticket(self):
        for index, header in enumerate(
            [
                ("Auto-Submitted", "auto-replied"),
                ("Auto-Submitted", "auto-generated"),
                ("Auto-Submitted", 'Auto-Replied; owner-email="nina@newcomer.example.com"'),
                ("Precedence", "bulk"),
                ("Precedence", "list"),
                ("Precedence", "junk"),
                ("X-Autoreply", "yes"),
                ("X-Autorespond", "Out of office"),
                ("Return-Path", "<>"),
            ]
        ):
            with self.subTest(header=header):
                ticket_count = self.Ticket.search_count([])
                subject = f"Out of office {index}"
                with mute_logger("odoo.addons.mail.models.mail_thread"):
                    msg_id = self._receive(
                        "Nina Newcomer <nina@newcomer.example.com>", self.alias_team_a, subject, headers=[header]
                    )
                self.assertEqual(self.Ticket.search_count([]), ticket_count)
                self.assertFalse(self.Ticket.search([("name", "=", subject)]))
                self.assertFalse(self.env["mail.message"].search([("message_id", "=", msg_id)]))
                self.assertFalse(self._new_mails, "nothing is sent back to a robot")

    def _finished_ticket(self, closed_days_ago):
        msg_id = self._receive(self.customer_a_contact.email_formatted, self.alias_team_a, "Scanner broken")
        ticket = self._ticket_of(msg_id)
        ticket.stage_id = self.stage_closed
        ticket.closed_date = fields.Datetime.now() - timedelta(days=closed_days_ago)
        return ticket, msg_id

    def _reply_to(self, msg_id, subject, author=None):
        return self._receive(
            (author or self.customer_a_contact).email_formatted,
            self.alias_team_a,
            subject,
            headers=[("In-Reply-To", msg_id)],
        )

    def test_reply_to_closed_ticket_within_window_reopens_it(self):
        ticket, msg_id = self._finished_ticket(closed_days_ago=3)
        count = self.Ticket.search_count([])
        self._reply_to(msg_id, "Re: Scanner broken - still broken")
        self.assertEqual(self.Ticket.search_count([]), count)
        self.assertFalse(ticket.is_closed)
        self.assertEqual(ticket.reopen_count, 1)

    def test_reply_after_window_opens_linked_ticket(self):
        ticket, msg_id = self._finished_ticket(closed_days_ago=30)
        self._reply_to(msg_id, "Re: Scanner broken - again")
        self.assertTrue(ticket.is_closed, "the old ticket stays closed")
        followup = self.Ticket.search([("origin_ticket_id", "=", ticket.id)])
        self.assertEqual(len(followup), 1)
        self.assertEqual(followup.partner_id, self.customer_a_contact)
        self.assertEqual(followup.channel, "email")

    def test_agent_email_on_closed_ticket_does_not_reopen(self):
        ticket, msg_id = self._finished_ticket(closed_days_ago=1)
        self._reply_to(msg_id, "Re: Scanner broken - FYI", author=self.user_agent_a.partner_id)
        self.assertTrue(ticket.is_closed)

    def test_oversized_email_creates_no_ticket(self):
        self.env["ir.config_parameter"].sudo().set_param("service_desk.max_email_mb", "0.01")  # 10 KB
        ticket_count = self.Ticket.search_count([])
        with self.assertLogs("odoo.addons.service_desk.models.service_ticket_mail", level="WARNING") as logs:
            self._receive(
                "Nina Newcomer <nina@newcomer.example.com>", self.alias_team_a, "Huge scan", body="x" * 20_000
            )
        self.assertEqual(self.Ticket.search_count([]), ticket_count)
        self.assertTrue(any("larger than the service desk accepts" in line for line in logs.output))
        msg_id = self._receive(
            "Nina Newcomer <nina@newcomer.example.com>", self.alias_team_a, "Small note", body="short"
        )
        self.assertEqual(self._ticket_of(msg_id).name, "Small note")

    def test_auto_submitted_no_creates_ticket(self):
        msg_id = self._receive(
            self.customer_a_contact.email_formatted,
            self.alias_team_a,
            "Typed by a human",
            headers=[("Auto-Submitted", "no"), ("Precedence", "first-class")],
        )
        ticket = self._ticket_of(msg_id)
        self.assertEqual(ticket.name, "Typed by a human")

    def test_bounce_creates_no_ticket(self):
        ticket_count = self.Ticket.search_count([])
        with mute_logger("odoo.addons.mail.models.mail_thread"):
            self._receive(
                None,
                None,
                None,
                raw=raw_bounce(
                    self.alias_team_a,
                    "nina@newcomer.example.com",
                    "Undelivered Mail Returned to Sender",
                ),
            )
        self.assertEqual(self.Ticket.search_count([]), ticket_count)
        self.assertFalse(self.Ticket.search([("name", "ilike", "Undelivered Mail")]))
