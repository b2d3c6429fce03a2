import threading
from contextlib import closing

from psycopg2 import errors

from odoo import api
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import WorkerCase


@tagged("post_install", "-at_install")
class TestRoutingConcurrency(WorkerCase):
    """Two Odoo workers routing at the same moment, as two real database
    transactions: the agent never goes past capacity, no ticket is lost.

    The cursors here are the workers' own connections (see WorkerCase)."""

    desk_name = "Concurrency desk"
    agent_login = "concurrent_agent"

    def _prepare_desk(self, env):
        env["service.sla.policy"].search([]).active = False

    def _cleanup_desk(self, env):
        env["service.sla.policy"].search([("active", "=", False)]).active = True

    def _create_ticket(self, cr, name):
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        return env["service.ticket"].create({"name": name, "team_id": self.created["team"]})

    def test_two_workers_never_exceed_capacity(self):
        outcome = {}
        second_started = threading.Event()

        def second_worker():
            with closing(self._cursor()) as cr:
                try:
                    second_started.set()
                    with mute_logger("odoo.sql_db"):  # the expected serialization failure
                        ticket = self._create_ticket(cr, "second")
                    cr.commit()  # pylint: disable=invalid-commit
                    outcome["second"] = ("committed", ticket.user_id.id)
                except errors.SerializationFailure:
                    cr.rollback()
                    outcome["second"] = ("serialization failure", None)
                    # Odoo retries the request in a new transaction
                    ticket = self._create_ticket(cr, "second, retried")
                    cr.commit()  # pylint: disable=invalid-commit
                    outcome["retried"] = ticket.user_id.id

        with closing(self._cursor()) as cr1:
            first = self._create_ticket(cr1, "first")
            self.assertEqual(first.user_id.id, self.created["user"])
            worker = threading.Thread(target=second_worker)
            worker.start()
            second_started.wait(10)
            worker.join(1.0)  # the second worker now waits for the agent's lock
            self.assertTrue(worker.is_alive(), "the second routing waits for the first")
            cr1.commit()
        worker.join(30)
        self.assertFalse(worker.is_alive())
        self.assertEqual(outcome["second"][0], "serialization failure")
        self.assertFalse(outcome["retried"], "the retried routing sees the agent at capacity")
        with closing(self._cursor()) as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            tickets = env["service.ticket"].search([("team_id", "=", self.created["team"])])
            self.assertEqual(len(tickets), 2, "no ticket lost")
            self.assertEqual(len(tickets.filtered("user_id")), 1, "capacity 1 respected")
