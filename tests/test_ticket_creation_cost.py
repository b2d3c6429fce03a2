"""What creating a ticket costs in the request, and what it still delivers.

The creation message and the agent's assignment (the routing note for a
routed ticket) are in the chatter when the request ends, the notifications
they make (the agent's inbox entry or email) are rendered and sent from
mail's queue (mail.message.schedule); the acknowledgement to the customer is
rendered, posted and emailed by the cron
service_ticket._cron_post_stage_emails, a committed batch at a time. The
commit wakes both crons up."""

import threading
from contextlib import closing
from unittest.mock import patch

from psycopg2 import errors

from odoo import api
from odoo.tests import tagged

from .common import WEDNESDAY_10, RoutingCommon, ServiceDeskCommon, WorkerCase, freeze_time


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

    def test_queue_posts_every_acknowledgement_batch_after_batch(self):
        tickets = [self._create_as_agent(name=f"Scanner jams {i}") for i in range(5)]
        self.env["service.ticket"]._cron_post_stage_emails(batch_size=2)
        for ticket in tickets:
            self.assertEqual(len(self._messages(ticket, "auto_comment")), 1, "acknowledged once")
            self.assertFalse(ticket.stage_email_pending_id)

    def test_batch_meeting_a_row_changed_meanwhile_waits_for_the_next_run(self):
        """Under load a request may change a row a batch writes (the
        customer's) after the run began: that batch is undone and left to
        the next run, the batches before it are kept."""
        tickets = [self._create_as_agent(name=f"Scanner jams {i}") for i in range(4)]
        Ticket = self.env.registry["service.ticket"]
        post = Ticket._post_stage_email
        calls = []

        def post_or_conflict(records, template=None):
            calls.append(records)
            post(records, template)
            if len(calls) == 2:
                raise errors.SerializationFailure("could not serialize access due to concurrent update")

        cron = self.env.ref("service_desk.ir_cron_post_stage_emails")
        self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]).unlink()
        with patch.object(Ticket, "_post_stage_email", post_or_conflict):
            self.env["service.ticket"]._cron_post_stage_emails(batch_size=2)
        posted = [bool(self._messages(ticket, "auto_comment")) for ticket in tickets]
        self.assertEqual(posted, [True, True, False, False], "the first batch kept, the second undone")
        self.assertEqual([bool(ticket.stage_email_pending_id) for ticket in tickets], [False, False, True, True])
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]), "the next run is asked for")

        self.env["service.ticket"]._cron_post_stage_emails(batch_size=2)
        for ticket in tickets:
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

    def test_team_followers_told_of_new_tickets(self):
        """Who follows a team's new tickets is notified of each one by its
        creation message, from the queue."""
        self.user_agent_b.notification_type = "inbox"
        self.team_a.message_subscribe(
            partner_ids=self.user_agent_b.partner_id.ids,
            subtype_ids=self.env.ref("service_desk.mt_team_ticket_new").ids,
        )
        ticket = self._create_as_agent()
        created = ticket.message_ids.filtered(lambda m: m.subtype_id == self.env.ref("service_desk.mt_ticket_new"))
        self.assertEqual(len(created), 1, "the creation message")
        self._run_queue()
        self.assertEqual(created.notification_ids.res_partner_id, self.user_agent_b.partner_id)

    def test_creation_written_when_nobody_follows_new_tickets(self):
        ticket = self._create_as_agent()
        created = ticket.message_ids.filtered(lambda m: m.message_type == "notification" and "created" in str(m.body))
        self.assertEqual(len(created), 1, "the creation is in the chatter")
        self.assertTrue(created.subtype_id.internal, "as a note nobody is notified of")

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
        """Fails when creating a ticket costs more queries than today.

        57: one more than before the SLA event log, the insert of its
        'applied' rows (one per target, all in one statement after the
        targets' own insert: service.ticket.sla.event._log_policy). The
        escalation ladder adds none: its levels are read from the policies'
        cached rules and planned in the targets' calendar walk."""
        self._add_agents(10, "agent")
        self._create()  # warm-up
        self.env.invalidate_all()
        with self.assertQueryCount(57):
            self._create()


@tagged("post_install", "-at_install")
class TestRoutedAgentNotified(RoutingCommon):
    """The agent routing chooses learns it once, from the routing note that
    says why them, queued like the creation's other notifications; the
    customer follows the conversation from the same insert as the agent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.creator = cls._agent("Desk creator")  # no skills: creates, never routed to
        cls.routed = cls._agent("Printer expert", levels={cls.printers: cls.expert})
        cls.customer.email = "routing.customer@example.com"

    def _create(self, user=None):
        with freeze_time(WEDNESDAY_10):
            ticket = (
                self.env["service.ticket"]
                .with_user(user or self.creator.user_id)
                .create({"name": "Printer jam", "category_id": self.category.id, "partner_id": self.customer.id})
            )
            self.env.flush_all()
            self.env.cr.flush()
        return ticket.sudo()

    def _to_agent(self, ticket):
        return self.env["mail.message"].search(
            [
                ("model", "=", "service.ticket"),
                ("res_id", "=", ticket.id),
                ("partner_ids", "in", self.routed.user_id.partner_id.ids),
            ]
        )

    def _run_queue(self):
        with freeze_time(WEDNESDAY_10):  # the time the tickets were made at: the notifications are due
            self.env["mail.message.schedule"].sudo()._send_notifications_cron()

    def test_routing_note_is_the_agents_only_notification(self):
        self.routed.user_id.notification_type = "inbox"
        ticket = self._create()
        self.assertEqual(ticket.user_id, self.routed.user_id)
        message = self._to_agent(ticket)
        self.assertEqual(len(message), 1, "one message tells the agent: no assignment message of mail's besides")
        self.assertIn("Assigned to Printer expert", str(message.body), "the routing note, which says why")
        self.assertIn(message, ticket.message_ids, "in the chatter")
        self.assertTrue(message.subtype_id.internal, "an internal note: customers do not see it")
        self.assertIn(ticket.display_name, message.subject)
        self.assertFalse(message.notification_ids, "not notified in the request")

        self._run_queue()
        self.assertEqual(message.notification_ids.res_partner_id, self.routed.user_id.partner_id)
        self.assertEqual(message.notification_ids.notification_type, "inbox", "in Odoo, as the agent prefers")

    def test_routing_note_opens_the_chatter(self):
        """A routed ticket's first message is its routing note, which says
        the ticket was created: no creation message of mail's besides."""
        ticket = self._create()
        self.assertEqual(len(ticket.message_ids), 1, "one message")
        self.assertIn("Service Ticket created", str(ticket.message_ids.body))
        self.assertIn("Assigned to Printer expert", str(ticket.message_ids.body))
        self.assertEqual(ticket.message_ids, self._to_agent(ticket), "the note that tells the agent")

    def test_followers_of_new_tickets_still_get_the_creation_message(self):
        watcher = self._agent("Team lead")
        watcher.user_id.notification_type = "inbox"
        self.team.message_subscribe(
            partner_ids=watcher.user_id.partner_id.ids,
            subtype_ids=self.env.ref("service_desk.mt_team_ticket_new").ids,
        )
        ticket = self._create()
        created = ticket.message_ids.filtered(lambda m: m.subtype_id == self.env.ref("service_desk.mt_ticket_new"))
        self.assertEqual(len(created), 1, "mail's creation message, for the followers of new tickets")
        note = self._to_agent(ticket)
        self.assertNotIn("created", str(note.body), "the note only says who got the ticket")
        self._run_queue()
        self.assertIn(watcher.user_id.partner_id, created.notification_ids.res_partner_id)
        self.assertNotIn(watcher.user_id.partner_id, note.notification_ids.res_partner_id)

    def test_agent_who_prefers_email_gets_the_note_by_email(self):
        self.routed.user_id.notification_type = "email"
        ticket = self._create()
        message = self._to_agent(ticket)
        self._run_queue()
        email = self.env["mail.mail"].search(
            [("mail_message_id", "=", message.id), ("recipient_ids", "in", self.routed.user_id.partner_id.ids)]
        )
        self.assertEqual(len(email), 1)
        self.assertIn("Assigned to Printer expert", str(email.body_html))

    def test_only_the_agent_is_notified(self):
        """Followers of internal notes (the creator) are not told of
        another agent's assignment."""
        ticket = self._create()
        message = self._to_agent(ticket)
        self._run_queue()
        self.assertEqual(message.notification_ids.res_partner_id, self.routed.user_id.partner_id)

    def test_agent_routed_their_own_ticket_is_not_notified(self):
        ticket = self._create(user=self.routed.user_id)
        self.assertEqual(ticket.user_id, self.routed.user_id)
        message = self._to_agent(ticket)
        self.assertEqual(len(message), 1, "the note is in the chatter")
        self._run_queue()
        self.assertFalse(message.notification_ids, "nobody is told of what they did themselves")

    def test_customer_creator_and_agent_follow(self):
        ticket = self._create()
        followers = ticket.message_follower_ids
        self.assertEqual(
            followers.partner_id,
            self.customer | self.creator.user_id.partner_id | self.routed.user_id.partner_id,
        )
        comment = self.env.ref("mail.mt_comment")
        customer = followers.filtered(lambda follower: follower.partner_id == self.customer)
        self.assertEqual(customer.subtype_ids, comment, "the customer follows the conversation only")

    def test_reroute_tells_the_new_agent_once(self):
        ticket = self._create()
        other = self._agent("Other expert", levels={self.printers: self.expert})
        self.routed.active = False
        ticket.with_user(self.creator.user_id).action_reroute()
        self.assertEqual(ticket.user_id, other.user_id)
        told = self.env["mail.message"].search(
            [
                ("model", "=", "service.ticket"),
                ("res_id", "=", ticket.id),
                ("partner_ids", "in", other.user_id.partner_id.ids),
            ]
        )
        self.assertEqual(len(told), 1, "the routing note alone")
        self.assertEqual(told.notification_ids.res_partner_id, other.user_id.partner_id, "at once, outside of creation")


@tagged("post_install", "-at_install")
class TestAcknowledgementQueuedAtSave(ServiceDeskCommon):
    def _create(self, **context):
        ticket = (
            self.env["service.ticket"]
            .with_context(**context)
            .create({"name": "Scanner jams", "team_id": self.team_a.id, "partner_id": self.customer_a_contact.id})
        )
        self.env.flush_all()
        self.env.cr.flush()
        return ticket

    def test_queued_in_the_row_inserted(self):
        ticket = self._create()
        self.env.cr.execute("SELECT stage_email_pending_id FROM service_ticket WHERE id = %s", [ticket.id])
        self.assertEqual(self.env.cr.fetchone()[0], self.stage_new.template_id.id)

    def test_import_without_tracking_sends_nothing(self):
        ticket = self._create(mail_notrack=True)
        self.assertFalse(ticket.stage_email_pending_id, "an import does not acknowledge old requests")


@tagged("post_install", "-at_install")
class TestStageEmailsWorkers(WorkerCase):
    """The acknowledgements' cron and an agent saving one of the tickets at
    the same moment, as two real database transactions."""

    desk_name = "Acknowledgements desk"
    agent_login = "acknowledgements_agent"

    def _prepare_desk(self, env):
        customer = env["res.partner"].create({"name": "Queued customer", "email": "queued.customer@example.org"})
        tickets = env["service.ticket"].create(
            [{"name": f"Queued {i}", "team_id": self.created["team"], "partner_id": customer.id} for i in range(3)]
        )
        self.created["customer"] = customer.id
        self.created["tickets"] = tickets.ids

    def _cleanup_desk(self, env):
        env["res.partner"].browse(self.created["customer"]).unlink()

    def test_ticket_being_saved_is_left_to_the_next_run(self):
        tickets = self.created["tickets"]
        with closing(self._cursor()) as agent:
            # an agent's save of the first ticket, not committed yet
            agent.execute("UPDATE service_ticket SET name = 'Queued 0, edited' WHERE id = %s", [tickets[0]])

            def cron():
                with closing(self._cursor()) as cr:
                    env = api.Environment(cr, api.SUPERUSER_ID, {})
                    env["service.ticket"]._cron_post_stage_emails()
                    cr.commit()  # pylint: disable=invalid-commit

            node = threading.Thread(target=cron)
            node.start()
            node.join(30)
            self.assertFalse(node.is_alive(), "the cron does not wait for the ticket being saved")
            agent.commit()  # pylint: disable=invalid-commit
        with closing(self._cursor()) as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            Ticket = env["service.ticket"]
            self.assertEqual(Ticket.browse(tickets).filtered("stage_email_pending_id").ids, tickets[:1])
            Ticket._cron_post_stage_emails()  # the next run
            self.assertFalse(Ticket.browse(tickets).filtered("stage_email_pending_id"))
            acknowledged = env["mail.message"].search(
                [("model", "=", "service.ticket"), ("res_id", "in", tickets), ("message_type", "=", "auto_comment")]
            )
            self.assertEqual(sorted(acknowledged.mapped("res_id")), sorted(tickets), "each one acknowledged once")
            cr.commit()  # pylint: disable=invalid-commit
