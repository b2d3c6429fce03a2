"""Tests that play Odoo workers: each worker is a database connection of its
own, whose transactions commit as requests do, for the other workers to see
their rows (hence pylint's invalid-commit silenced on those lines). They
share a small desk committed before the test and removed after it: one agent
(with an employee) of capacity 1 in a balanced team."""

from contextlib import closing

from odoo import api, sql_db
from odoo.modules.registry import Registry
from odoo.orm.environments import Transaction
from odoo.tests import BaseCase
from odoo.tests.common import get_db_name


class WorkerCase(BaseCase):
    desk_name = "Workers desk"
    agent_login = "workers_agent"

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        self.created = {}
        with closing(self._cursor()) as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            user = env["res.users"].create(
                {
                    "name": f"{self.desk_name} agent",
                    "login": self.agent_login,
                    "group_ids": [(4, env.ref("service_desk.group_service_user").id)],
                }
            )
            employee = env["hr.employee"].create({"name": user.name, "user_id": user.id})
            team = env["service.team"].create(
                {
                    "name": self.desk_name,
                    "assignment_method": "balanced",
                    "resource_calendar_id": False,
                    "member_ids": [(0, 0, {"user_id": user.id, "max_open_tickets": 1})],
                }
            )
            self.created = {"user": user.id, "employee": employee.id, "team": team.id, "member": team.member_ids.id}
            self._prepare_desk(env)
            cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self._cleanup)

    def _prepare_desk(self, env):
        """More of the desk, committed with it; record ids in self.created."""

    def _cleanup_desk(self, env):
        """Remove what _prepare_desk made."""

    def _cursor(self):
        """A cursor of its own connection, as another worker would have. Its
        transaction is bound to the registry directly: the test runner holds
        the registry lock that looking the registry up would wait for."""
        cr = sql_db.db_connect(self.registry.db_name).cursor()
        cr.transaction = Transaction(self.registry)
        return cr

    def _cleanup(self):
        with closing(self._cursor()) as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            team = env["service.team"].browse(self.created["team"])
            env["service.ticket"].with_context(active_test=False).search([("team_id", "=", team.id)]).unlink()
            self._cleanup_desk(env)
            team.member_ids.unlink()
            team.unlink()
            env["hr.employee"].browse(self.created["employee"]).unlink()
            env["res.users"].browse(self.created["user"]).unlink()
            cr.commit()  # pylint: disable=invalid-commit
