"""The ticket's one save path (DESIGN §12): the order of its steps, whatever
creates or changes the ticket, and escalation kept consistent by it."""

import ast
from datetime import datetime
from pathlib import Path
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.mail.models.mail_thread import MailThread

from .common import FIXTURE_CONTEXT, ServiceDeskCommon

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"


@tagged("post_install", "-at_install")
class TestSavePath(ServiceDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, **FIXTURE_CONTEXT))
        cls.env["service.sla.policy"].search([]).active = False
        cls.user_agent_c = env["res.users"].create(
            {
                "name": "Cecile Category",
                "login": "sd_agent_c",
                "group_ids": [Command.link(cls.env.ref("service_desk.group_service_user").id)],
            }
        )
        cls.team_a.assignment_method = "balanced"
        cls.team_c = env["service.team"].create(
            {
                "name": "SD Team C",
                "sequence": 99,
                "assignment_method": "balanced",
                "stage_ids": [Command.set(cls.stages.ids)],
                "member_ids": [Command.create({"user_id": cls.user_agent_c.id})],
            }
        )
        cls.category_c = env["service.category"].create({"name": "Scanners", "team_id": cls.team_c.id})

    def test_only_service_ticket_py_saves_tickets(self):
        """create and write of service.ticket are defined in one file: the
        concern files implement steps, never their own override."""
        overriding = []
        for path in sorted(MODELS_DIR.glob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for cls in (node for node in tree.body if isinstance(node, ast.ClassDef)):
                names = {
                    target.id: node.value.value
                    for node in cls.body
                    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                    for target in node.targets
                    if isinstance(target, ast.Name)
                }
                if "service.ticket" not in (names.get("_name"), names.get("_inherit")):
                    continue
                methods = {node.name for node in cls.body if isinstance(node, ast.FunctionDef)}
                overriding += [(path.name, method) for method in sorted(methods & {"create", "write"})]
        self.assertEqual(overriding, [("service_ticket.py", "create"), ("service_ticket.py", "write")])

    def test_category_only_ticket_routed_in_category_team(self):
        """An import or RPC giving only a category: the category's team is
        decided first, then routing picks one of its agents, not one of the
        creating user's default team."""
        self.team_a.member_ids = [Command.create({"user_id": self.user_manager.id})]
        Ticket = self.env["service.ticket"].with_user(self.user_manager)
        self.assertEqual(Ticket.default_get(["team_id"])["team_id"], self.team_a.id, "the user's default team")
        ticket = Ticket.create({"name": "Scanner jams", "category_id": self.category_c.id})
        self.assertEqual(ticket.team_id, self.team_c)
        self.assertEqual(ticket.user_id, self.user_agent_c)
        self.assertIn(self.user_agent_c.name, ticket.routing_explanation)

    def test_given_agent_is_not_routed(self):
        ticket = self.env["service.ticket"].create(
            {"name": "Taken", "team_id": self.team_c.id, "user_id": self.user_agent_b.id}
        )
        self.assertEqual(ticket.user_id, self.user_agent_b)
        self.assertFalse(ticket.routing_explanation)

    def test_tier_boost_before_sla(self):
        """The tier raises the priority before the SLA policy is chosen: a
        policy for high priorities applies to a boosted low-priority ticket."""
        tier = self.env["service.tier"].create({"name": "SD Gold", "priority_boost": 2})
        self.customer_a.service_tier_id = tier
        policy = self.env["service.sla.policy"].create(
            {"name": "SD High priority", "min_priority": "2", "resolution_hours": 8, "sequence": 1}
        )
        ticket = self._create_ticket(partner_id=self.customer_a_contact.id, priority="0")
        self.assertEqual(ticket.priority, "2")
        self.assertEqual(ticket.sla_policy_id, policy)

    def test_stage_dates_saved_with_the_stage(self):
        """Resolving saves the resolution date with the stage, in one write
        below the ticket's own (as project.task merges its stage dates): no
        second write that would skip the extensions of write."""
        ticket = self._create_ticket()
        with patch.object(MailThread, "write", autospec=True, side_effect=MailThread.write) as write:
            ticket.action_resolve()
        stage_writes = [call.args[1] for call in write.call_args_list if "stage_id" in call.args[1]]
        self.assertEqual(len(stage_writes), 1)
        self.assertEqual(stage_writes[0]["stage_id"], self.stage_resolved.id)
        self.assertIn("resolved_date", stage_writes[0])
        self.assertFalse(
            [
                call
                for call in write.call_args_list
                if "resolved_date" in call.args[1] and "stage_id" not in call.args[1]
            ]
        )

    def test_dates_given_with_the_stage_are_kept(self):
        """An import of history gives its own dates: they win over now."""
        then = datetime(2025, 3, 4, 10, 0)
        ticket = self._create_ticket(stage_id=self.stage_resolved.id, resolved_date=then)
        self.assertEqual(ticket.resolved_date, then)
        ticket.write({"stage_id": self.stage_closed.id, "closed_date": then})
        self.assertEqual(ticket.closed_date, then)

    def test_team_change_moves_to_the_new_team_first_stage(self):
        own_stage = self.env["service.stage"].create(
            {"name": "SD Triage A", "sequence": 0, "team_ids": [Command.set(self.team_a.ids)]}
        )
        ticket = self._create_ticket(stage_id=own_stage.id)
        ticket.team_id = self.team_b
        self.assertEqual(ticket.stage_id, self.stage_new)

    def test_routing_explanation_is_routings_own_escaped_words(self):
        """The explanation is put into words from the decision's facts when
        read: names in it are escaped, never HTML, and nobody writes it."""
        ticket = self._create_ticket()
        self.user_agent_a.name = '<img src="x" onerror="alert(1)">Alice'
        ticket.with_user(self.user_agent_a).action_assign_agent()
        explanation = ticket.with_user(self.user_agent_a).routing_explanation
        self.assertIn("&lt;img", explanation)
        self.assertNotIn("<img", explanation)
        self.assertFalse(ticket._fields["routing_explanation"].store, "kept as facts, not as HTML")


@tagged("post_install", "-at_install")
class TestEscalationAndRouting(ServiceDeskCommon):
    """Escalation and routing agree: an escalated ticket stays with seniors."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, **FIXTURE_CONTEXT))
        cls.env["service.sla.policy"].search([]).active = False
        group = cls.env.ref("service_desk.group_service_user")
        cls.user_senior_1, cls.user_senior_2 = env["res.users"].create(
            [
                {"name": "Sam Senior", "login": "sd_senior_1", "group_ids": [Command.link(group.id)]},
                {"name": "Sue Senior", "login": "sd_senior_2", "group_ids": [Command.link(group.id)]},
            ]
        )
        cls.team_a.write(
            {
                "assignment_method": "balanced",
                "member_ids": [
                    Command.create({"user_id": cls.user_senior_1.id, "seniority": "senior"}),
                    Command.create({"user_id": cls.user_senior_2.id, "seniority": "senior"}),
                ],
            }
        )
        cls.seniors = cls.user_senior_1 | cls.user_senior_2

    def _escalated(self):
        ticket = self._create_ticket(user_id=self.user_agent_a.id, partner_id=self.customer_a_contact.id)
        ticket.action_escalate("The customer is angry")
        self.assertIn(ticket.user_id, self.seniors)
        return ticket

    def _escalation_activities(self, ticket):
        return ticket.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref("service_desk.mail_activity_type_escalation")
        )

    def test_escalation_gives_the_senior_who_takes_it_the_activity(self):
        ticket = self._escalated()
        activities = self._escalation_activities(ticket)
        self.assertEqual(activities.user_id, ticket.user_id)
        self.assertEqual(ticket.escalation_level, 1)

    def test_reroute_of_escalated_ticket_stays_among_seniors(self):
        ticket = self._escalated()
        for _attempt in range(3):
            ticket.with_user(self.user_agent_a).action_reroute()
            self.assertIn(ticket.user_id, self.seniors, "re-routing does not undo the escalation")
            self.assertEqual(self._escalation_activities(ticket).user_id, ticket.user_id)

    def test_assign_to_me_of_regular_agent_refused(self):
        ticket = self._escalated()
        macro = self.env["service.macro"].create({"name": "Take it", "assign_to_me": True, "body": "<p>On it</p>"})
        with self.assertRaisesRegex(UserError, "escalated to senior agents"):
            macro.with_user(self.user_agent_a).apply_to(ticket)
        with self.assertRaisesRegex(UserError, "escalated to senior agents"):
            ticket.with_user(self.user_agent_a).action_assign_to_me()
        self.assertIn(ticket.user_id, self.seniors)

    def test_manager_hands_escalated_ticket_over_with_its_activity(self):
        ticket = self._escalated()
        ticket.with_user(self.user_manager).user_id = self.user_agent_a
        self.assertEqual(self._escalation_activities(ticket).user_id, self.user_agent_a)

    def test_other_senior_may_take_it(self):
        ticket = self._escalated()
        other = self.seniors - ticket.user_id
        ticket.with_user(other).action_assign_to_me()
        self.assertEqual(ticket.user_id, other)
        self.assertEqual(self._escalation_activities(ticket).user_id, other)
