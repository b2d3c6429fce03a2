"""Access rights by group: who reads and who changes the service desk's models."""

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ServiceDeskCommon

OPERATIONS = ("read", "write", "create", "unlink")
ALL = frozenset(OPERATIONS)
READ = frozenset({"read"})
NONE = frozenset()

# The public help center: what visitors read (record rules: published portal articles).
PUBLIC_READ = frozenset({"service.article", "service.article.category"})

# What each kind of user may do on each model, whatever the record.
EXPECTED_ACCESS = {
    "service.ticket": {"manager": ALL, "agent": ALL - {"unlink"}, "portal": READ, "internal": NONE},
    "service.team": {"manager": ALL, "agent": READ, "portal": READ, "internal": NONE},
    "service.team.member": {"manager": ALL, "agent": READ, "portal": NONE, "internal": NONE},
    "service.team.channel.weight": {"manager": ALL, "agent": READ, "portal": NONE, "internal": NONE},
    "service.stage": {"manager": ALL, "agent": READ, "portal": READ, "internal": NONE},
    "service.category": {"manager": ALL, "agent": READ, "portal": READ, "internal": NONE},
    "service.category.skill": {"manager": ALL, "agent": READ, "portal": NONE, "internal": NONE},
    "service.tag": {"manager": ALL, "agent": ALL - {"unlink"}, "portal": NONE, "internal": NONE},
    "service.tier": {"manager": ALL, "agent": READ, "portal": NONE, "internal": NONE},
    "service.ticket.type": {"manager": ALL, "agent": READ, "portal": READ, "internal": NONE},
    "service.sla.policy": {"manager": ALL, "agent": READ, "portal": NONE, "internal": NONE},
    "service.ticket.sla": {"manager": ALL, "agent": READ, "portal": NONE, "internal": NONE},
    "service.sla.escalation": {"manager": ALL, "agent": READ, "portal": NONE, "internal": NONE},
    "service.ticket.sla.event": {"manager": READ, "agent": READ, "portal": NONE, "internal": NONE},
    "service.recall": {"manager": ALL, "agent": ALL - {"unlink"}, "portal": NONE, "internal": NONE},
    "service.ticket.remedy.line": {"manager": ALL, "agent": READ, "portal": NONE, "internal": NONE},
    "service.ticket.routing.decision": {"manager": READ, "agent": READ, "portal": NONE, "internal": NONE},
    "service.interaction": {"manager": ALL, "agent": ALL - {"unlink"}, "portal": NONE, "internal": NONE},
    "service.contact.timeline": {"manager": READ, "agent": READ, "portal": NONE, "internal": NONE},
    "service.api.request": {"manager": READ, "agent": NONE, "portal": NONE, "internal": NONE},
    "service.ticket.report": {"manager": READ, "agent": NONE, "portal": NONE, "internal": NONE},
    "service.stage.duration.report": {"manager": READ, "agent": NONE, "portal": NONE, "internal": NONE},
    "service.warranty": {"manager": ALL, "agent": READ, "portal": READ, "internal": NONE},
    "service.contract": {"manager": ALL, "agent": READ, "portal": READ, "internal": NONE},
    "service.recommendation": {"manager": ALL, "agent": READ | {"write"}, "portal": NONE, "internal": NONE},
    "service.lot.ownership": {"manager": ALL, "agent": READ, "portal": NONE, "internal": NONE},
    "service.article": {"manager": ALL, "agent": ALL - {"unlink"}, "portal": READ, "internal": READ},
    "service.article.category": {"manager": ALL, "agent": READ, "portal": READ, "internal": READ},
    "service.article.vote": {"manager": ALL, "agent": READ, "portal": NONE, "internal": NONE},
    "service.article.event": {"manager": ALL, "agent": READ, "portal": NONE, "internal": NONE},
    "service.article.deflection.report": {"manager": READ, "agent": NONE, "portal": NONE, "internal": NONE},
    "service.macro": {"manager": ALL, "agent": READ, "portal": NONE, "internal": NONE},
    "service.rating.report": {"manager": READ, "agent": NONE, "portal": NONE, "internal": NONE},
    "service.remedy.report": {"manager": READ, "agent": NONE, "portal": NONE, "internal": NONE},
    "service.return.rate.report": {"manager": READ, "agent": NONE, "portal": NONE, "internal": NONE},
    "service.customer.report": {"manager": READ, "agent": NONE, "portal": NONE, "internal": NONE},
    "service.customer.trend.report": {"manager": READ, "agent": NONE, "portal": NONE, "internal": NONE},
}


@tagged("post_install", "-at_install")
class TestConfigurationAccess(ServiceDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users_by_kind = {
            "manager": cls.user_manager,
            "agent": cls.user_agent_a,
            "portal": cls.user_portal_a,
            "internal": cls.user_internal,
        }

    def _addon_models(self):
        """Every persistent model the addon defines, present and future."""
        return sorted(
            name
            for name, model in self.env.registry.items()
            if model._original_module == "service_desk" and not model._abstract and not model._transient
        )

    def test_access_by_group(self):
        for model, expected_by_kind in EXPECTED_ACCESS.items():
            for kind, allowed in expected_by_kind.items():
                Model = self.env[model].with_user(self.users_by_kind[kind])
                for operation in OPERATIONS:
                    with self.subTest(model=model, user=kind, operation=operation):
                        self.assertEqual(Model.has_access(operation), operation in allowed)

    def test_every_model_is_listed(self):
        """A new model of the addon gets its line in the table above (and access rules)."""
        self.assertLessEqual(set(EXPECTED_ACCESS), set(self._addon_models()))
        for model in self._addon_models():
            with self.subTest(model=model):
                self.assertIn(model, EXPECTED_ACCESS)
                self.assertTrue(self.env[model].with_user(self.user_manager).has_access("read"))

    def test_public_user_reads_the_help_center_only(self):
        for model in self._addon_models():
            Model = self.env[model].with_user(self.user_public)
            for operation in OPERATIONS:
                with self.subTest(model=model, operation=operation):
                    if model in PUBLIC_READ and operation == "read":
                        self.assertTrue(Model.has_access(operation))
                        continue
                    self.assertFalse(Model.has_access(operation))
                    with self.assertRaises(AccessError):
                        Model.check_access(operation)

    def test_agent_cannot_change_configuration(self):
        Stage = self.env["service.stage"].with_user(self.user_agent_a)
        stage = self.stage_in_progress.with_user(self.user_agent_a)
        self.assertEqual(stage.name, "In Progress")
        with self.assertRaises(AccessError):
            stage.write({"name": "Doing"})
        with self.assertRaises(AccessError):
            Stage.create({"name": "Escalated"})
        with self.assertRaises(AccessError):
            self.team_a.with_user(self.user_agent_a).write({"assignment_method": "balanced"})
        with self.assertRaises(AccessError):
            self.member_a.with_user(self.user_agent_a).write({"max_open_tickets": 99})
        with self.assertRaises(AccessError):
            self.env["service.tier"].with_user(self.user_agent_a).create({"name": "Platinum"})
        with self.assertRaises(AccessError):
            self.env["service.category"].with_user(self.user_agent_a).create({"name": "Scanners"})
        # tags are the one thing agents add while they work
        tag = self.env["service.tag"].with_user(self.user_agent_a).create({"name": "SD wifi"})
        with self.assertRaises(AccessError):
            tag.unlink()

    def test_manager_changes_configuration(self):
        env = self.env(user=self.user_manager)
        stage = env["service.stage"].create({"name": "Escalated", "sequence": 15})
        team = env["service.team"].create({"name": "SD Escalations", "stage_ids": [(6, 0, stage.ids)]})
        env["service.team.member"].create({"team_id": team.id, "user_id": self.user_agent_b.id, "seniority": "senior"})
        category = env["service.category"].create({"name": "Hardware", "team_id": team.id})
        env["service.tier"].create({"name": "SD Platinum", "priority_boost": 3})
        env["service.tag"].create({"name": "SD hardware"})
        self.team_a.with_user(self.user_manager).assignment_method = "balanced"
        self.assertEqual(team.user_ids, self.user_agent_b)
        self.assertEqual(category.company_id, self.company)
        category.unlink()
        stage.with_context(active_test=False).write({"active": False})

    def test_portal_cannot_change_configuration(self):
        with self.assertRaises(AccessError):
            self.team_a.with_user(self.user_portal_a).write({"name": "Hacked"})
        with self.assertRaises(AccessError):
            self.stage_new.with_user(self.user_portal_a).write({"name": "Hacked"})
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            self.env["service.tier"].with_user(self.user_portal_a).search([])

    def test_configuration_menu(self):
        menu_root = self.env.ref("service_desk.menu_service_root")
        menu_config = self.env.ref("service_desk.menu_service_config")
        menu_tickets = self.env.ref("service_desk.menu_service_tickets_all")
        Menu = self.env["ir.ui.menu"]
        visible = Menu.with_user(self.user_manager)._visible_menu_ids()
        self.assertTrue({menu_root.id, menu_config.id, menu_tickets.id} <= visible)
        visible = Menu.with_user(self.user_agent_a)._visible_menu_ids()
        self.assertTrue({menu_root.id, menu_tickets.id} <= visible)
        self.assertNotIn(menu_config.id, visible)
        visible = Menu.with_user(self.user_internal)._visible_menu_ids()
        self.assertNotIn(menu_root.id, visible)
