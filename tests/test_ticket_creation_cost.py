"""What creating a ticket costs in the request, and what it still delivers.

The creation message and the agent's assignment are in the chatter when the
request ends, the notifications they make (the agent's inbox entry or email)
are rendered and sent from mail's queue (mail.message.schedule); the
acknowledgement to the customer is rendered, posted and emailed by the cron
service_ticket._cron_post_stage_emails. The commit wakes both crons up."""

from odoo.tests import tagged

from .common import WEDNESDAY_10, RoutingCommon, ServiceDeskCommon, freeze_time


@tagged("post_install", "-at_install")
class TestCreationNotifications(ServiceDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_a.member_ids = [(0, 0, {"user_id": cls.user_agent_b.id})]

    def _create_as_agent(self, **values):
        """A ticket created by agent A in the form (or the API), up to the
        hooks that run before COMMIT."""
        ticket = (
            self.env["service.ticket"]
            .with_user(self.user_agent_a)
            .create(
                dict(
                    {"name": "Scanner jams", "team_id": self.team_a.id, "partner_id": self.customer_a_contact.id},
                    **values,
                )
            )
        )
        self.env.flush_all()
        self.env.cr.flush()
        return ticket.sudo()

    def _messages(self, ticket, message_type):
        return self.env["mail.message"].search(
            [("model", "=", "service.ticket"), ("res_id", "=", ticket.id), ("message_type", "=", message_type)]
        )

    def _emails_to(self, partner, messages):
        return self.env["mail.mail"].search(
            [("mail_message_id", "in", messages.ids), ("recipient_ids", "in", partner.ids)]
        )

    def _run_queue(self):
        """What the crons the commit wakes up do: post the queued
        acknowledgements, send the queued notifications."""
        self.env["service.ticket"]._cron_post_stage_emails()
        self.env["mail.message.schedule"].sudo()._send_notifications_cron()

    def test_acknowledgement_posted_and_emailed_from_the_queue(self):
        ticket = self._create_as_agent()
        self.assertFalse(self._messages(ticket, "auto_comment"), "not rendered in the request")
        self.assertEqual(ticket.stage_email_pending_id, self.stage_new.template_id, "queued")
        cron = self.env.ref("service_desk.ir_cron_post_stage_emails")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]), "the commit wakes its cron")

        self._run_queue()
        acknowledgement = self._messages(ticket, "auto_comment")
        self.assertEqual(len(acknowledgement), 1, "the first stage acknowledges the request, in the chatter")
        self.assertFalse(ticket.stage_email_pending_id)
        self.assertIn(acknowledgement, ticket.message_ids)
        self.assertIn(ticket.number, acknowledgement.subject)
        self.assertIn(ticket.number, str(acknowledgement.body))
        self.assertEqual(acknowledgement.partner_ids, self.customer_a_contact)
        self.assertEqual(acknowledgement.author_id, self.user_agent_a.partner_id, "in the name of its creator")
        self.assertEqual(acknowledgement.subtype_id, self.env.ref("mail.mt_note"))
        email = self._emails_to(self.customer_a_contact, acknowledgement)
        self.assertEqual(len(email), 1, "the queue emails the acknowledgement to the customer")
        self.assertIn(ticket.number, email.subject)
        self.assertIn(ticket.number, str(email.body_html))
        self.assertFalse(ticket.first_response_date, "an acknowledgement is no response")

        self._run_queue()
        self.assertEqual(len(self._messages(ticket, "auto_comment")), 1, "acknowledged once")

    def test_agent_notified_by_email_from_the_queue(self):
        self.user_agent_b.notification_type = "email"
        ticket = self._create_as_agent(user_id=self.user_agent_b.id)
        assignment = self._messages(ticket, "user_notification")
        self.assertEqual(assignment.partner_ids, self.user_agent_b.partner_id)
        self.assertFalse(self._emails_to(self.user_agent_b.partner_id, assignment), "not rendered in the request")

        self._run_queue()
        email = self._emails_to(self.user_agent_b.partner_id, assignment)
        self.assertEqual(len(email), 1, "the agent who prefers emails gets one")
        self.assertIn(ticket.display_name, email.subject)

    def test_agent_notified_in_odoo_from_the_queue(self):
        self.user_agent_b.notification_type = "inbox"
        ticket = self._create_as_agent(user_id=self.user_agent_b.id)
        assignment = self._messages(ticket, "user_notification")
        self.assertEqual(assignment.partner_ids, self.user_agent_b.partner_id)
        self.assertFalse(assignment.notification_ids, "not notified in the request")

        self._run_queue()
        self.assertEqual(assignment.notification_ids.res_partner_id, self.user_agent_b.partner_id)
        self.assertEqual(assignment.notification_ids.notification_type, "inbox", "in Odoo, as the agent prefers")
        self.assertFalse(self._emails_to(self.user_agent_b.partner_id, assignment), "and no email")

    def test_later_messages_notify_at_once(self):
        """Only the creation's notifications wait in the queue: an agent's
        reply afterwards is emailed to the customer in the same request."""
        ticket = self._create_as_agent()
        reply = ticket.with_user(self.user_agent_a).message_post(
            body="We are on it", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertTrue(self._emails_to(self.customer_a_contact, reply))

    def test_resolution_notice_posted_by_the_stage(self):
        """The resolved stage's email takes the same path as the
        acknowledgement, outside of creation: notified at once."""
        ticket = self._create_as_agent()
        self._run_queue()
        ticket.with_user(self.user_agent_a).stage_id = self.stage_resolved
        self.env.flush_all()
        self.env.cr.flush()
        notices = self._messages(ticket, "auto_comment") - self._messages(ticket, "auto_comment")[-1:]
        self.assertEqual(len(notices), 1, "the resolution notice follows the acknowledgement")
        self.assertEqual(notices.partner_ids, self.customer_a_contact)
        self.assertTrue(self._emails_to(self.customer_a_contact, notices))


@tagged("post_install", "-at_install")
class TestCreationQueries(RoutingCommon):
    """Queries of a ticket created by an agent (record rules on, as in the
    form and the API), routed by skills, with its SLA policy, up to COMMIT."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["service.sla.policy"].create(
            {
                "name": "Routing desk policy",
                "team_ids": [(6, 0, cls.team.ids)],
                "first_response_hours": 4,
                "resolution_hours": 24,
            }
        )
        cls.creator = cls._agent("Desk creator")  # a member without skills: creates, never routed to
        cls.customer.email = "routing.customer@example.com"

    def _add_agents(self, count, prefix):
        for i in range(count):
            self._agent(f"{prefix} {i}", levels={self.printers: self.expert}, capacity=1000)

    def _create(self):
        with freeze_time(WEDNESDAY_10):
            ticket = (
                self.env["service.ticket"]
                .with_user(self.creator.user_id)
                .create({"name": "Printer jam", "category_id": self.category.id, "partner_id": self.customer.id})
            )
            self.env.flush_all()
            self.env.cr.flush()
        return ticket

    def _queries(self):
        self._create()  # warm-up
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        ticket = self._create()
        self.assertTrue(ticket.sudo().user_id)
        self.assertTrue(ticket.sudo().sla_line_ids)
        return self.env.cr.sql_log_count - before

    def test_same_queries_with_10_or_50_agents(self):
        self._add_agents(10, "small")
        small = self._queries()
        self._add_agents(40, "big")
        self.assertEqual(small, self._queries())

    def test_queries_per_ticket(self):
        """Fails when creating a ticket costs more queries than today."""
        self._add_agents(10, "agent")
        self._create()  # warm-up
        self.env.invalidate_all()
        with self.assertQueryCount(69):
            self._create()
