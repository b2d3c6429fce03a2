"""A worker killed in the middle of a ticket creation.

Creating a ticket draws its number, takes the agent (a row lock on the team
member, the routing claim), plans the SLA targets, writes the routing note
and queues the acknowledgement, all in the request's transaction. When the
worker dies before the commit, PostgreSQL must be left with none of it: no
half ticket, no acknowledgement for a ticket that does not exist, no agent
capacity held by a ghost, no number given twice. Run with two real database
connections, as two workers would; the dying one loses its connection the
way a SIGKILLed process does (its socket closes without a word)."""

import os
import socket
import threading
import time
from contextlib import closing, suppress

from odoo import api
from odoo.tests import tagged

from .common import WorkerCase


@tagged("post_install", "-at_install")
class TestTicketCreationCrash(WorkerCase):
    desk_name = "Crash desk"
    agent_login = "crash_agent"

    def _prepare_desk(self, env):
        policy = env["service.sla.policy"].create(
            {
                "name": "Crash desk policy",
                "sequence": 0,
                "team_ids": [(6, 0, [self.created["team"]])],
                "first_response_hours": 4,
                "resolution_hours": 24,
                "resource_calendar_id": env.ref("resource.resource_calendar_std").id,
            }
        )
        customer = env["res.partner"].create({"name": "Crash customer", "email": "crash.customer@example.com"})
        self.created.update(policy=policy.id, customer=customer.id)

    def _cleanup_desk(self, env):
        env["service.sla.policy"].browse(self.created["policy"]).unlink()
        env["res.partner"].browse(self.created["customer"]).unlink()

    def _create_ticket(self, cr, name):
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        return env["service.ticket"].create(
            {"name": name, "team_id": self.created["team"], "partner_id": self.created["customer"]}
        )

    @staticmethod
    def _kill_connection(cr):
        """What SIGKILL does to a worker's database connection: the operating
        system closes its socket; PostgreSQL sees the end of the stream in the
        middle of the transaction and rolls it back."""
        sock = socket.socket(fileno=os.dup(cr._cnx.fileno()))
        sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def _backend_alive(self, pid):
        with closing(self._cursor()) as cr:
            cr.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            return bool(cr.fetchone()[0])

    def test_killed_creation_leaves_nothing_and_frees_the_agent(self):
        outcome = {}
        second_started = threading.Event()

        def second_worker():
            with closing(self._cursor()) as cr:
                second_started.set()
                ticket = self._create_ticket(cr, "second")  # waits for the agent the first one claimed
                cr.commit()  # pylint: disable=invalid-commit
                outcome["second"] = (ticket.id, ticket.number, ticket.user_id.id)

        cr_a = self._cursor()
        try:
            env_a = api.Environment(cr_a, api.SUPERUSER_ID, {})
            ticket = self._create_ticket(cr_a, "first")
            # everything a commit would write, written: the hooks that run before COMMIT (tracking,
            # hence the acknowledgement) have run, only the COMMIT itself is missing
            cr_a.flush()
            env_a.flush_all()
            cr_a.execute("SELECT pg_backend_pid()")
            backend = cr_a.fetchone()[0]
            made = {
                "ticket": ticket.id,
                "number": ticket.number,
                "sla lines": ticket.sla_line_ids.ids,
                "messages": env_a["mail.message"]
                .search([("model", "=", "service.ticket"), ("res_id", "=", ticket.id)])
                .ids,
                "followers": env_a["mail.followers"]
                .search([("res_model", "=", "service.ticket"), ("res_id", "=", ticket.id)])
                .ids,
            }
            # the notifications of the creation's messages (acknowledgement, assignment) wait in mail's queue
            made["queued notifications"] = (
                env_a["mail.message.schedule"].search([("mail_message_id", "in", made["messages"])]).ids
            )
            self.assertEqual(ticket.user_id.id, self.created["user"], "the first ticket took the agent")
            self.assertEqual(ticket.sla_policy_id.id, self.created["policy"])
            for what, ids in made.items():
                self.assertTrue(ids, f"the creation wrote its {what} before the crash")

            worker = threading.Thread(target=second_worker)
            worker.start()
            second_started.wait(10)
            worker.join(1.0)
            self.assertTrue(worker.is_alive(), "the second routing waits for the agent the first one holds")

            self._kill_connection(cr_a)
            deadline = time.monotonic() + 30
            while self._backend_alive(backend) and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertFalse(self._backend_alive(backend), "PostgreSQL ended the dead worker's session")
        finally:
            with suppress(Exception):  # the connection is gone: closing it can only complain
                cr_a._cnx.close()
                cr_a.close()

        worker.join(30)
        self.assertFalse(worker.is_alive())
        second_id, second_number, second_agent = outcome["second"]
        self.assertEqual(second_agent, self.created["user"], "the agent is free: the dead ticket never counted")
        self.assertGreater(second_number, made["number"], "the dead ticket's number is skipped, not given again")

        with closing(self._cursor()) as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            Ticket = env["service.ticket"].with_context(active_test=False)
            self.assertFalse(Ticket.browse(made["ticket"]).exists(), "no half ticket")
            self.assertFalse(Ticket.search([("number", "=", made["number"])]))
            self.assertEqual(Ticket.search([("team_id", "=", self.created["team"])]).ids, [second_id])
            self.assertFalse(env["service.ticket.sla"].browse(made["sla lines"]).exists(), "no SLA targets")
            self.assertFalse(env["mail.message"].browse(made["messages"]).exists(), "no chatter")
            self.assertFalse(env["mail.followers"].browse(made["followers"]).exists(), "no followers")
            self.assertFalse(
                env["mail.message.schedule"].browse(made["queued notifications"]).exists(),
                "no acknowledgement nor assignment to send",
            )
            member = env["service.team.member"].browse(self.created["member"])
            self.assertEqual(member.open_ticket_count, 1, "the agent holds the second ticket only")
