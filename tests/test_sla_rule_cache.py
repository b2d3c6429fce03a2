from odoo.tests import tagged

from .common import SlaCommon


@tagged("post_install", "-at_install")
class TestSlaRuleCache(SlaCommon):
    """Policies and ladder levels are cached under the companies' SLA rules
    version (service.sla.rule.mixin): each change that the cache holds
    renews it, and the next ticket is planned from the new rules."""

    def _version(self):
        self.env.company.invalidate_recordset(["service_sla_rules_version"])
        return self.env.company.service_sla_rules_version

    def assertRenewed(self, change, renewed=True):
        before = self._version()
        change()
        self.assertEqual(self._version() != before, renewed, "renewed" if renewed else "kept")

    def test_policy_changes_renew_the_rules(self):
        policy = self._make_policy("Cached", resolution_hours=4, sequence=5, team_ids=[self.team.id])
        self.assertRenewed(lambda: self._make_policy("Another", resolution_hours=4))
        self.assertRenewed(lambda: policy.write({"sequence": 1}))
        self.assertRenewed(lambda: policy.write({"resolution_hours": 6}), renewed=False)
        self.assertRenewed(lambda: policy.write({"active": False}))
        self.assertRenewed(policy.unlink)

    def test_ladder_level_changes_renew_the_rules(self):
        policy = self._make_policy("Laddered", resolution_hours=4, team_ids=[self.team.id])
        Level = self.env["service.sla.escalation"]
        level = Level.browse()

        def add():
            nonlocal level
            level = Level.create({"policy_id": policy.id, "trigger": "percent_used", "value": 50})

        self.assertRenewed(add)
        self.assertEqual(self.env["service.sla.policy"]._ladder_rules()[policy.id], ((level.id, "percent_used", 50),))
        self.assertRenewed(lambda: level.write({"value": 60}))
        self.assertEqual(self.env["service.sla.policy"]._ladder_rules()[policy.id], ((level.id, "percent_used", 60),))
        self.assertRenewed(level.unlink)
        self.assertNotIn(policy.id, self.env["service.sla.policy"]._ladder_rules())

    def test_ticket_type_code_changes_renew_the_rules(self):
        # policies' cached conditions hold the types' codes, not their names or order
        incident = self.env.ref("service_desk.ticket_type_incident")
        self.env.ref("service_desk.ticket_type_complaint").unlink()
        self.assertRenewed(lambda: incident.write({"name": "Outage"}), renewed=False)
        self.assertRenewed(lambda: incident.write({"sequence": 99}), renewed=False)
        self.assertRenewed(lambda: incident.write({"code": "complaint"}))
        self.assertRenewed(incident.unlink)
