"""Service contracts: states from the dates, renewal reminders given once,
and the active contract's policy driving the ticket's SLA (DESIGN.md §4)."""

from datetime import date

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ServiceDeskCommon


@tagged("post_install", "-at_install")
class TestServiceContract(ServiceDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Policy = cls.env["service.sla.policy"]
        cls.team_policy = Policy.create(
            {
                "name": "SD Team A policy",
                "sequence": 1,
                "team_ids": [Command.link(cls.team_a.id)],
                "first_response_hours": 8,
                "resolution_hours": 40,
            }
        )
        cls.contract_policy = Policy.create(
            {
                "name": "SD Contract policy",
                "sequence": 99,
                "partner_ids": [Command.link(cls.customer_b.id)],
                "first_response_hours": 1,
                "resolution_hours": 8,
            }
        )
        cls.product = cls.env["product.product"].create({"name": "SD Plotter", "type": "consu"})

    def _contract(self, **values):
        return self.env["service.contract"].create(
            dict(
                {
                    "name": "SD Care",
                    "partner_id": self.customer_a.id,
                    "sla_policy_id": self.contract_policy.id,
                    "date_start": date(2026, 1, 1),
                    "date_end": date(2026, 12, 31),
                    "user_id": self.user_manager.id,
                },
                **values,
            )
        )

    def test_state_follows_the_dates(self):
        Contract = self.env["service.contract"]
        with freeze_time("2025-12-15"):
            contract = self._contract()
            self.assertEqual(contract.state, "draft", "not started yet")
        with freeze_time("2026-01-01"):
            Contract._cron_update_states()
            self.assertEqual(contract.state, "active", "active from the first day")
        with freeze_time("2026-12-31"):
            Contract._cron_update_states()
            self.assertEqual(contract.state, "active", "and through the last day")
        with freeze_time("2027-01-01"):
            Contract._cron_update_states()
            self.assertEqual(contract.state, "expired")
            contract.date_end = date(2027, 6, 30)
            self.assertEqual(contract.state, "active", "a new end date renews it")
            contract.action_cancel()
            Contract._cron_update_states()
            self.assertEqual(contract.state, "cancelled", "the cron leaves cancelled contracts alone")
            contract.action_reset()
            self.assertEqual(contract.state, "active")

    def test_renewal_reminder_once(self):
        with freeze_time("2026-11-15"):
            contract = self._contract(renewal_reminder_days=30)
            other = self._contract(name="SD Long", date_end=date(2027, 6, 30), renewal_reminder_days=30)
            self.env["service.contract"]._cron_update_states()
            self.assertFalse(contract.activity_ids, "46 days before the end, a 30-day reminder waits")
        with freeze_time("2026-12-05"):
            Contract = self.env["service.contract"]
            Contract._cron_update_states()
            activities = contract.activity_ids
            self.assertEqual(len(activities), 1)
            self.assertEqual(activities.user_id, self.user_manager)
            self.assertIn("SD Care", activities.summary)
            self.assertFalse(other.activity_ids, "not due yet")
            Contract._cron_update_states()
            self.assertEqual(contract.activity_ids, activities, "the reminder is given once")
            activities.action_feedback(feedback="Renewal sent")
            Contract._cron_update_states()
            self.assertFalse(contract.activity_ids, "done is done, not given again")
            self.assertTrue(contract.renewal_reminder_done)

    def test_contract_policy_drives_the_ticket_sla(self):
        with freeze_time("2026-06-01"):
            contract = self._contract()
        self.assertEqual(contract.state, "active")
        ticket = self._create_ticket(partner_id=self.customer_a_contact.id)
        self.assertEqual(ticket.contract_id, contract, "a contact's ticket falls under the company's contract")
        self.assertEqual(ticket.sla_policy_id, self.contract_policy, "the contract wins over team conditions")
        self.assertIn("SD Care", ticket.sla_policy_reason)
        self.assertEqual(
            set(ticket.sla_line_ids.mapped("target_type")),
            {"first_response", "resolution"},
        )
        without = self._create_ticket(partner_id=self.customer_b_contact.id)
        self.assertFalse(without.contract_id)
        self.assertEqual(without.sla_policy_id, self.team_policy)
        self.assertEqual(self.customer_a.service_sla_policy_id, self.contract_policy)
        self.assertEqual(self.customer_a_contact.service_sla_policy_id, self.contract_policy)

    def test_contract_limited_to_products(self):
        with freeze_time("2026-06-01"):
            self._contract(product_ids=[Command.set(self.product.ids)])
        plain = self._create_ticket(partner_id=self.customer_a.id)
        self.assertFalse(plain.contract_id)
        self.assertEqual(plain.sla_policy_id, self.team_policy)
        covered = self._create_ticket(partner_id=self.customer_a.id, product_id=self.product.id)
        self.assertEqual(covered.sla_policy_id, self.contract_policy)

    def test_expired_or_draft_contract_gives_no_policy(self):
        with freeze_time("2020-06-01"):
            self._contract(date_start=date(2020, 1, 1), date_end=date(2020, 12, 31))
        self._contract(name="SD Future", date_start=date(2099, 1, 1), date_end=date(2099, 12, 31))
        ticket = self._create_ticket(partner_id=self.customer_a.id)
        self.assertFalse(ticket.contract_id)
        self.assertEqual(ticket.sla_policy_id, self.team_policy)

    def test_dates_must_be_in_order(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self._contract(date_start=date(2026, 5, 1), date_end=date(2026, 4, 1))

    @mute_logger("odoo.addons.base.models.ir_rule", "odoo.addons.base.models.ir_model")
    def test_portal_sees_own_contracts_and_agents_only_read(self):
        mine = self._contract()
        theirs = self._contract(name="SD B care", partner_id=self.customer_b.id)
        Contract = self.env["service.contract"]
        self.assertEqual(Contract.with_user(self.user_portal_a).search([]), mine)
        self.assertEqual(Contract.with_user(self.user_portal_b).search([]), theirs)
        with self.assertRaises(AccessError):
            theirs.with_user(self.user_portal_a).read(["name"])
        found = Contract.with_user(self.user_agent_a).search([("id", "in", (mine | theirs).ids)])
        self.assertEqual(found, mine | theirs)
        with self.assertRaises(AccessError):
            mine.with_user(self.user_agent_a).write({"date_end": date(2030, 1, 1)})
        self.assertFalse(Contract.with_user(self.user_agent_other).search([("id", "in", mine.ids)]))
