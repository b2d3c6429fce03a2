import threading
from contextlib import closing

from psycopg2 import errors

from odoo import api, sql_db
from odoo.orm.environments import Transaction
from odoo.tests import BaseCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestRoutingConcurrency(BaseCase):
    """Two Odoo workers routing at the same moment, as two real database
    transactions: the agent never goes past capacity, no ticket is lost.

    The cursors here are the workers' own connections, not the test's
    transaction: they commit, as requests do, for the other worker to see
    their rows (hence pylint's invalid-commit silenced on those lines)."""

    def setUp(self):
        super().setUp()
        from odoo.modules.registry import Registry
        from odoo.tests.common import get_db_name

        self.registry = Registry(get_db_name())
        self.created = {}
        with self._cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            env["service.sla.policy"].search([]).active = False
            user = env["res.users"].create(
                {
                    "name": "Concurrent agent",
                    "login": "concurrent_agent",
                    "group_ids": [(4, env.ref("service_desk.group_service_user").id)],
                }
            )
            employee = env["hr.employee"].create({"name": "Concurrent agent", "user_id": user.id})
            team = env["service.team"].create(
                {
                    "name": "Concurrency desk",
                    "assignment_method": "balanced",
                    "resource_calendar_id": False,
                    "member_ids": [(0, 0, {"user_id": user.id, "max_open_tickets": 1})],
                }
            )
            self.created = {"user": user.id, "employee": employee.id, "team": team.id}
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self._cleanup)

    def _cursor(self):
        """A cursor of its own connection, as another worker would have. Its
        transaction is bound to the registry directly: the test runner holds
        the registry lock that looking the registry up would wait for."""
        cr = sql_db.db_connect(self.registry.db_name).cursor()
        cr.transaction = Transaction(self.registry)
        return closing(cr)

    def _cleanup(self):
        with self._cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            team = env["service.team"].browse(self.created["team"])
            env["service.ticket"].with_context(active_test=False).search([("team_id", "=", team.id)]).unlink()
            team.member_ids.unlink()
            team.unlink()
            env["hr.employee"].browse(self.created["employee"]).unlink()
            env["res.users"].browse(self.created["user"]).unlink()
            env["service.sla.policy"].search([("active", "=", False)]).active = True
            cr.commit()  # pylint: disable=invalid-commit

    def _create_ticket(self, cr, name):
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        return env["service.ticket"].create({"name": name, "team_id": self.created["team"]})

    def test_two_workers_never_exceed_capacity(self):
        outcome = {}
        second_started = threading.Event()

        def second_worker():
            with self._cursor() as cr:
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

        with self._cursor() as cr1:
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
        with self._cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            tickets = env["service.ticket"].search([("team_id", "=", self.created["team"])])
            self.assertEqual(len(tickets), 2, "no ticket lost")
            self.assertEqual(len(tickets.filtered("user_id")), 1, "capacity 1 respected")
