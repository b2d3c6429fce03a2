"""Record rules: who sees which ticket, team, member and category."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.modules.module import load_script
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import FIXTURE_CONTEXT, ServiceDeskCommon

MUTE_RULES = ("odoo.addons.base.models.ir_rule", "odoo.addons.base.models.ir_model")


@tagged("post_install", "-at_install")
class TestTicketRecordRules(ServiceDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket_a = cls._create_ticket(cls.team_a, name="A: portal contact", partner_id=cls.partner_portal_a.id)
        cls.ticket_a_colleague = cls._create_ticket(
            cls.team_a,
            name="A: colleague",
            partner_id=cls.customer_a_contact.id,
        )
        cls.ticket_a_company = cls._create_ticket(cls.team_b, name="B: customer A", partner_id=cls.customer_a.id)
        cls.ticket_b = cls._create_ticket(cls.team_b, name="B: customer B", partner_id=cls.customer_b_contact.id)
        cls.ticket_b_assigned = cls._create_ticket(
            cls.team_b,
            name="B: assigned to agent A",
            partner_id=cls.customer_b.id,
            user_id=cls.user_agent_a.id,
        )
        cls.ticket_no_customer = cls._create_ticket(cls.team_a, name="A: internal request")
        cls.ticket_other = cls._create_ticket(
            cls.team_other,
            name="Other company",
            partner_id=cls.customer_a.id,
            company_id=cls.company_other.id,
        )
        cls.tickets = (
            cls.ticket_a
            | cls.ticket_a_colleague
            | cls.ticket_a_company
            | cls.ticket_b
            | cls.ticket_b_assigned
            | cls.ticket_no_customer
            | cls.ticket_other
        )

    def _visible(self, user, **context):
        """The fixture tickets user finds by searching."""
        Ticket = self.env["service.ticket"].with_user(user).with_context(**context)
        return Ticket.search([("id", "in", self.tickets.ids)])

    def _assert_readable(self, user, tickets, **context):
        tickets = tickets.with_user(user).with_context(**context)
        tickets.invalidate_recordset()
        self.assertEqual(len(tickets.read(["number", "name"])), len(tickets))

    def _assert_unreadable(self, user, tickets, **context):
        for ticket in tickets.with_user(user).with_context(**context):
            ticket.invalidate_recordset()
            with (
                self.subTest(user=user.login, ticket=ticket.sudo().name),
                self.assertRaises(AccessError),
                mute_logger("odoo.addons.base.models.ir_rule"),
            ):
                ticket.read(["name"])

    # ------------------------------------------------------------------
    # Agents
    # ------------------------------------------------------------------

    def test_agent_sees_own_teams_and_own_tickets(self):
        own = self.ticket_a | self.ticket_a_colleague | self.ticket_no_customer | self.ticket_b_assigned
        self.assertEqual(self._visible(self.user_agent_a), own)
        self._assert_readable(self.user_agent_a, own)
        self._assert_unreadable(self.user_agent_a, self.ticket_b | self.ticket_a_company | self.ticket_other)

        self.assertEqual(
            self._visible(self.user_agent_b),
            self.ticket_a_company | self.ticket_b | self.ticket_b_assigned,
        )
        self._assert_unreadable(self.user_agent_b, self.ticket_a | self.ticket_other)

    def test_agent_writes_own_teams_tickets_only(self):
        self.ticket_a.with_user(self.user_agent_a).write({"priority": "2", "user_id": self.user_agent_a.id})
        self.assertEqual(self.ticket_a.priority, "2")
        self.ticket_b_assigned.with_user(self.user_agent_a).priority = "3"
        self.assertEqual(self.ticket_b_assigned.priority, "3")
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            self.ticket_b.with_user(self.user_agent_a).write({"priority": "2"})
        self.assertEqual(self.ticket_b.priority, "0")

    def test_agent_creates_in_own_team_only(self):
        Ticket = self.env["service.ticket"].with_user(self.user_agent_a).with_context(**FIXTURE_CONTEXT)
        ticket = Ticket.create({"name": "Phone call", "team_id": self.team_a.id})
        self.assertEqual(ticket.team_id, self.team_a)
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            Ticket.create({"name": "Not my team", "team_id": self.team_b.id})
        # ... unless the ticket is their own
        ticket = Ticket.create({"name": "Mine in B", "team_id": self.team_b.id, "user_id": self.user_agent_a.id})
        self.assertEqual(ticket.team_id, self.team_b)

    def test_agent_cannot_delete(self):
        with self.assertRaises(AccessError):
            self.ticket_a.with_user(self.user_agent_a).unlink()
        self.assertTrue(self.ticket_a.exists())

    def test_agent_moved_to_other_team(self):
        """Unassigning or handing a ticket over to another team takes it out of sight."""
        self.ticket_b_assigned.user_id = self.user_agent_b
        self._assert_unreadable(self.user_agent_a, self.ticket_b_assigned)
        self.ticket_a.team_id = self.team_b
        self._assert_unreadable(self.user_agent_a, self.ticket_a)
        self._assert_readable(self.user_agent_b, self.ticket_a)

    def test_agent_inactive_membership(self):
        self.member_a.active = False
        self.assertEqual(self._visible(self.user_agent_a), self.ticket_b_assigned)
        self._assert_unreadable(self.user_agent_a, self.ticket_a)
        self.member_a.active = True
        self._assert_readable(self.user_agent_a, self.ticket_a)
        self.member_a.unlink()
        self._assert_unreadable(self.user_agent_a, self.ticket_a)

    # The agents' rules name the teams an agent works in (res.users.service_team_ids),
    # and ir.rule keeps them per user: each test first reads as the agent, so that a
    # rule kept from before the change would show.

    def _visible_targets(self, user, tickets):
        """(tickets among `tickets` whose SLA targets user finds, those whose
        routing decisions user finds)."""
        env = self.env(user=user)
        return (
            env["service.ticket.sla"].search([("ticket_id", "in", tickets.ids)]).ticket_id,
            env["service.ticket.routing.decision"].search([("ticket_id", "in", tickets.ids)]).ticket_id,
        )

    def _give_targets_and_decisions(self, tickets):
        """An SLA target and a routing decision on each ticket."""
        policy = self.env["service.sla.policy"].create({"name": "SD rules policy", "resolution_hours": 8})
        for ticket in tickets:
            self.env["service.ticket.sla"].create(ticket._sla_line_values(policy, "resolution", fields.Datetime.now()))
            self.env["service.ticket.routing.decision"].create({"ticket_id": ticket.id, "facts": {}})

    def test_agent_added_to_team_sees_its_tickets_at_once(self):
        team_b_tickets = self.ticket_a_company | self.ticket_b
        self._give_targets_and_decisions(team_b_tickets)
        self.assertFalse(self._visible(self.user_agent_a) & team_b_tickets)
        none = self.env["service.ticket"]
        self.assertEqual(self._visible_targets(self.user_agent_a, team_b_tickets), (none, none))

        self.env["service.team.member"].create({"team_id": self.team_b.id, "user_id": self.user_agent_a.id})
        self.assertEqual(self._visible(self.user_agent_a) & team_b_tickets, team_b_tickets)
        self._assert_readable(self.user_agent_a, team_b_tickets)
        self.assertEqual(self._visible_targets(self.user_agent_a, team_b_tickets), (team_b_tickets, team_b_tickets))

    def test_agent_removed_from_team_stops_at_once(self):
        team_a_tickets = self.ticket_a | self.ticket_a_colleague | self.ticket_no_customer
        self._give_targets_and_decisions(team_a_tickets)
        self._assert_readable(self.user_agent_a, team_a_tickets)
        self.assertEqual(self._visible_targets(self.user_agent_a, team_a_tickets), (team_a_tickets, team_a_tickets))

        self.member_a.unlink()
        self.assertEqual(self._visible(self.user_agent_a), self.ticket_b_assigned, "only the ticket assigned to them")
        self._assert_unreadable(self.user_agent_a, team_a_tickets)
        none = self.env["service.ticket"]
        self.assertEqual(self._visible_targets(self.user_agent_a, team_a_tickets), (none, none))

    def test_membership_handed_over_moves_the_tickets_at_once(self):
        team_a_tickets = self.ticket_a | self.ticket_a_colleague | self.ticket_no_customer
        self._assert_readable(self.user_agent_a, team_a_tickets)
        self.assertFalse(self._visible(self.user_agent_b) & team_a_tickets)

        self.member_a.user_id = self.user_agent_b
        self._assert_unreadable(self.user_agent_a, team_a_tickets)
        self.assertEqual(self._visible(self.user_agent_b) & team_a_tickets, team_a_tickets)

        self.member_a.team_id = self.env["service.team"].create({"name": "SD Team C"})
        self._assert_unreadable(self.user_agent_b, team_a_tickets)

    def test_archived_membership_gives_nothing(self):
        team_a_tickets = self.ticket_a | self.ticket_a_colleague | self.ticket_no_customer
        self._give_targets_and_decisions(team_a_tickets)
        self._assert_readable(self.user_agent_a, team_a_tickets)

        self.member_a.action_archive()
        self.assertFalse(self.user_agent_a.service_team_ids)
        self.assertEqual(self._visible(self.user_agent_a), self.ticket_b_assigned)
        self._assert_unreadable(self.user_agent_a, team_a_tickets)
        none = self.env["service.ticket"]
        self.assertEqual(self._visible_targets(self.user_agent_a, team_a_tickets), (none, none))
        with self.assertRaises(AccessError), mute_logger(*MUTE_RULES):
            self.ticket_a.with_user(self.user_agent_a).write({"priority": "2"})

    def test_archived_team_keeps_its_agents_on_its_tickets(self):
        """An archived team's members still finish its tickets, as before
        the team was archived."""
        team_a_tickets = self.ticket_a | self.ticket_a_colleague | self.ticket_no_customer
        self._assert_readable(self.user_agent_a, team_a_tickets)
        self.team_a.action_archive()
        self.assertEqual(self.user_agent_a.service_team_ids, self.team_a)
        self._assert_readable(self.user_agent_a, team_a_tickets)

    def test_upgrade_names_the_agents_teams_in_kept_rules(self):
        """A database installed before 19.0.1.4.0 keeps its agents' rules
        from updates: the upgrade rewrites their search of the team's
        members, and the agents see what they saw."""
        rule = self.env.ref("service_desk.service_ticket_rule_agent")
        expected = rule.domain_force
        rule.domain_force = (
            "['|', ('user_id', '=', user.id), "
            "('team_id.member_ids', 'any', [('user_id', '=', user.id), ('active', '=', True)])]"
        )
        decision_rule = self.env.ref("service_desk.service_ticket_routing_decision_rule_agent")
        decision_rule.domain_force = decision_rule.domain_force.replace(
            "('ticket_id.team_id', 'in', user.service_team_ids.ids)",
            "('ticket_id.team_id.member_ids', 'any', [('user_id', '=', user.id), ('active', '=', True)])",
        )
        rewritten = self.env["res.users"]._service_name_agent_teams_in_rules()
        self.assertEqual(rewritten, rule | decision_rule)
        self.assertEqual(rule.domain_force, expected)
        self.assertNotIn("member_ids", decision_rule.domain_force)
        self.assertEqual(
            self._visible(self.user_agent_a),
            self.ticket_a | self.ticket_a_colleague | self.ticket_no_customer | self.ticket_b_assigned,
        )
        self.assertFalse(self.env["res.users"]._service_name_agent_teams_in_rules(), "once")

    # ------------------------------------------------------------------
    # Managers and companies
    # ------------------------------------------------------------------

    def test_manager_sees_all_of_company(self):
        company_tickets = self.tickets - self.ticket_other
        self.assertEqual(self._visible(self.user_manager), company_tickets)
        self._assert_readable(self.user_manager, company_tickets)
        company_tickets.with_user(self.user_manager).write({"priority": "1"})
        self.ticket_no_customer.with_user(self.user_manager).unlink()
        self.assertFalse(self.ticket_no_customer.exists())

    def test_agent_of_both_companies(self):
        """Team membership does not open a company the user has not selected."""
        self.user_agent_a.company_ids = [Command.link(self.company_other.id)]
        self.team_other.member_ids = [Command.create({"user_id": self.user_agent_a.id})]
        both = [self.company.id, self.company_other.id]
        self._assert_readable(self.user_agent_a, self.ticket_other, allowed_company_ids=both)
        self._assert_unreadable(self.user_agent_a, self.ticket_other, allowed_company_ids=[self.company.id])

    # ------------------------------------------------------------------
    # Customers and other users
    # ------------------------------------------------------------------

    def test_portal_sees_own_company_tickets(self):
        of_customer_a = self.ticket_a | self.ticket_a_colleague | self.ticket_a_company
        self.assertEqual(self._visible(self.user_portal_a), of_customer_a)
        self._assert_readable(self.user_portal_a, of_customer_a)
        self._assert_unreadable(self.user_portal_a, self.ticket_b | self.ticket_no_customer)

        of_customer_b = self.ticket_b | self.ticket_b_assigned
        self.assertEqual(self._visible(self.user_portal_b), of_customer_b)
        self._assert_unreadable(self.user_portal_b, of_customer_a)

    def test_portal_other_company_ticket(self):
        """Customer A's ticket handled by the other company stays with that company."""
        self._assert_unreadable(self.user_portal_a, self.ticket_other)

    def test_portal_individual(self):
        """A customer without company sees its own tickets only."""
        individual = mail_new_test_user(
            self.env,
            login="sd_portal_solo",
            groups="base.group_portal",
            name="Sam Solo",
            email="sam@solo.example.com",
            company_id=self.company.id,
        )
        own = self._create_ticket(name="Solo", partner_id=individual.partner_id.id)
        self.tickets |= own
        self.assertEqual(self._visible(individual), own)
        self._assert_unreadable(individual, self.ticket_a)

    def test_portal_cannot_change_tickets(self):
        Ticket = self.env["service.ticket"].with_user(self.user_portal_a)
        with self.assertRaises(AccessError):
            self.ticket_a.with_user(self.user_portal_a).write({"name": "Changed"})
        with self.assertRaises(AccessError):
            Ticket.create({"name": "New one", "team_id": self.team_a.id, "partner_id": self.partner_portal_a.id})
        with self.assertRaises(AccessError):
            self.ticket_a.with_user(self.user_portal_a).unlink()
        self.assertEqual(self.ticket_a.name, "A: portal contact")

    def test_internal_user_without_service_rights(self):
        Ticket = self.env["service.ticket"].with_user(self.user_internal)
        self.assertFalse(Ticket.has_access("read"))
        with self.assertRaises(AccessError):
            Ticket.search([])
        self._assert_unreadable(self.user_internal, self.ticket_a | self.ticket_no_customer)
        with self.assertRaises(AccessError):
            Ticket.create({"name": "Try", "team_id": self.team_a.id})


@tagged("post_install", "-at_install")
class TestConfigurationRecordRules(ServiceDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["service.category"]
        cls.category_shared = Category.create({"name": "SD General"})
        cls.category_a = Category.create({"name": "SD Printers", "team_id": cls.team_a.id})
        cls.category_other = Category.create({"name": "SD Billing", "team_id": cls.team_other.id})
        cls.team_hidden = (
            cls.env["service.team"]
            .with_context(tracking_disable=True)
            .create(
                {
                    "name": "SD Internal IT",
                    "company_id": cls.company.id,
                    "portal_visible": False,
                    "stage_ids": [Command.set(cls.stages.ids)],
                }
            )
        )

    def _assert_access(self, user, records, readable, **context):
        for record in records.with_user(user).with_context(**context):
            record.invalidate_recordset()
            with self.subTest(user=user.login, model=record._name, record=record.sudo().display_name):
                if readable:
                    record.read(["display_name"])
                else:
                    with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
                        record.read(["display_name"])

    def test_teams_by_company(self):
        teams_main = self.team_a | self.team_b | self.team_hidden
        for user in (self.user_agent_a, self.user_agent_b, self.user_manager):
            self._assert_access(user, teams_main, True)
            self._assert_access(user, self.team_other, False)
        self._assert_access(self.user_agent_other, self.team_other, True)
        self._assert_access(self.user_agent_other, self.team_a, False)
        self._assert_access(self.user_manager_mc, teams_main | self.team_other, True)
        self._assert_access(self.user_manager_mc, self.team_other, False, allowed_company_ids=[self.company.id])
        found = (
            self.env["service.team"]
            .with_user(self.user_agent_a)
            .search(
                [
                    ("id", "in", (teams_main | self.team_other).ids),
                ]
            )
        )
        self.assertEqual(found, teams_main)

    def test_teams_for_portal(self):
        self._assert_access(self.user_portal_a, self.team_a | self.team_b, True)
        self._assert_access(self.user_portal_a, self.team_hidden | self.team_other, False)
        found = (
            self.env["service.team"]
            .with_user(self.user_portal_a)
            .search(
                [
                    ("id", "in", (self.team_a | self.team_hidden | self.team_other).ids),
                ]
            )
        )
        self.assertEqual(found, self.team_a)

    def test_members_by_company(self):
        members_main = self.member_a | self.member_b
        self._assert_access(self.user_agent_a, members_main, True)
        self._assert_access(self.user_agent_a, self.member_other, False)
        self._assert_access(self.user_agent_other, self.member_other, True)
        self._assert_access(self.user_agent_other, members_main, False)
        self._assert_access(self.user_manager, self.member_other, False)
        self._assert_access(self.user_manager_mc, members_main | self.member_other, True)

    def test_categories_by_company(self):
        self._assert_access(self.user_agent_a, self.category_shared | self.category_a, True)
        self._assert_access(self.user_agent_a, self.category_other, False)
        self._assert_access(self.user_agent_other, self.category_shared | self.category_other, True)
        self._assert_access(self.user_agent_other, self.category_a, False)
        self._assert_access(self.user_portal_a, self.category_shared | self.category_a, True)
        self._assert_access(self.user_portal_a, self.category_other, False)
        self._assert_access(self.user_manager_mc, self.category_shared | self.category_a | self.category_other, True)
        found = (
            self.env["service.category"]
            .with_user(self.user_agent_a)
            .search(
                [
                    ("id", "in", (self.category_shared | self.category_a | self.category_other).ids),
                ]
            )
        )
        self.assertEqual(found, self.category_shared | self.category_a)


@tagged("post_install", "-at_install")
class TestAgentReadsPurchases(ServiceDeskCommon):
    """Agents serve customers from their purchases: they read serial numbers
    and sale orders without being inventory or sales users."""

    def test_agent_picks_serial_and_order_on_ticket_form(self):
        product = self.env["product.product"].create(
            {
                "name": "SD Scanner",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
            }
        )
        lot = self.env["stock.lot"].create({"name": "SD-SCAN-1", "product_id": product.id})
        order = self.env["sale.order"].create({"partner_id": self.customer_a.id})
        agent = self.user_agent_a
        self.assertFalse(agent.has_group("stock.group_stock_user"))
        self.assertFalse(agent.has_group("sales_team.group_sale_salesman"))
        with Form(self.env["service.ticket"].with_user(agent)) as form:
            form.name = "Scanner beeps"
            form.partner_id = self.customer_a_contact
            form.lot_id = lot
            form.sale_order_id = order
        ticket = form.record
        self.assertEqual(ticket.product_id, product, "the serial fills in its product")
        self.assertEqual(ticket.sale_order_id, order)
        self.assertFalse(self.env["stock.lot"].with_user(agent).has_access("write"))
        self.assertFalse(self.env["sale.order"].with_user(agent).has_access("create"))


@tagged("post_install", "-at_install")
class TestPortalSharing(ServiceDeskCommon):
    def test_company_decides_whether_contacts_see_each_other(self):
        own = self._create_ticket(partner_id=self.partner_portal_a.id, name="Paula's")
        colleague = self._create_ticket(partner_id=self.customer_a_contact.id, name="Carla's")
        Ticket = self.env["service.ticket"].with_user(self.user_portal_a)
        self.assertEqual(Ticket.search([("id", "in", (own | colleague).ids)]), own | colleague)
        self.customer_a.service_portal_share_tickets = False
        self.env.invalidate_all()
        self.assertEqual(Ticket.search([("id", "in", (own | colleague).ids)]), own)
        with self.assertRaises(AccessError):
            colleague.with_user(self.user_portal_a).read(["name"])

    def test_sharing_changes_take_effect_at_once(self):
        # the rule reads the company's choice when it is evaluated, and Odoo keeps evaluated
        # rules: each change is seen by the next search, without anything else cleared
        own = self._create_ticket(partner_id=self.partner_portal_a.id, name="Paula's")
        colleague = self._create_ticket(partner_id=self.customer_a_contact.id, name="Carla's")
        company = self._create_ticket(partner_id=self.customer_a.id, name="Customer A's")
        other = self._create_ticket(partner_id=self.customer_b_contact.id, name="Boris's")
        everyone = own | colleague | company | other
        Ticket = self.env["service.ticket"].with_user(self.user_portal_a)
        self.assertEqual(Ticket.search([("id", "in", everyone.ids)]), own | colleague | company)
        self.customer_a.service_portal_share_tickets = False
        self.assertEqual(Ticket.search([("id", "in", everyone.ids)]), own)
        self.customer_a.service_portal_share_tickets = True
        self.assertEqual(Ticket.search([("id", "in", everyone.ids)]), own | colleague | company)
        # another company sharing its tickets shows them to its own contacts only
        self.customer_b.service_portal_share_tickets = True
        self.assertEqual(Ticket.search([("id", "in", everyone.ids)]), own | colleague | company)
        self.assertEqual(
            self.env["service.ticket"].with_user(self.user_portal_b).search([("id", "in", everyone.ids)]), other
        )

    def test_upgrade_gives_the_shipped_rule_its_new_domain(self):
        # the rule is noupdate: 19.0.1.4.0's migration replaces the domain it shipped before,
        # and leaves one changed by hand
        migration = load_script("service_desk/migrations/19.0.1.4.0/post-portal-rule.py", "service_desk_portal_rule")
        rule = self.env.ref("service_desk.service_ticket_rule_portal")
        new_domain = rule.domain_force
        rule.domain_force = migration.SHIPPED_BEFORE
        migration.migrate(self.env.cr, "19.0.1.3.0")
        self.assertEqual(rule.domain_force, new_domain)
        own = self._create_ticket(partner_id=self.partner_portal_a.id, name="Paula's")
        colleague = self._create_ticket(partner_id=self.customer_a_contact.id, name="Carla's")
        Ticket = self.env["service.ticket"].with_user(self.user_portal_a)
        self.assertEqual(Ticket.search([("id", "in", (own | colleague).ids)]), own | colleague)
        hand_made = "[('partner_id', '=', user.partner_id.id)]"
        rule.domain_force = hand_made
        with mute_logger("service_desk_portal_rule"):
            migration.migrate(self.env.cr, "19.0.1.3.0")
        self.assertEqual(rule.domain_force, hand_made)

    def test_contact_moving_to_another_company_sees_its_tickets(self):
        own = self._create_ticket(partner_id=self.partner_portal_a.id, name="Paula's")
        colleague_a = self._create_ticket(partner_id=self.customer_a_contact.id, name="Carla's")
        colleague_b = self._create_ticket(partner_id=self.customer_b_contact.id, name="Boris's")
        tickets = own | colleague_a | colleague_b
        Ticket = self.env["service.ticket"].with_user(self.user_portal_a)
        self.assertEqual(Ticket.search([("id", "in", tickets.ids)]), own | colleague_a)
        self.partner_portal_a.parent_id = self.customer_b
        self.assertEqual(Ticket.search([("id", "in", tickets.ids)]), own | colleague_b)


@tagged("post_install", "-at_install")
class TestContactRecordRules(ServiceDeskCommon):
    """Logged contacts and the contact timeline follow their ticket: an agent
    reads those of tickets they may read, and the contacts logged on the
    customer without a ticket; managers read all; companies stay apart."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket_a = cls._create_ticket(cls.team_a, name="A: printer", partner_id=cls.customer_a_contact.id)
        cls.ticket_b = cls._create_ticket(cls.team_b, name="B: confidential refund", partner_id=cls.customer_a.id)
        cls.ticket_b_assigned = cls._create_ticket(
            cls.team_b, name="B: handed to agent A", partner_id=cls.customer_a.id, user_id=cls.user_agent_a.id
        )
        cls.ticket_b.with_context(**FIXTURE_CONTEXT).message_post(
            body="Refund of 2 400 EUR agreed",
            subject="Refund agreed",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            author_id=cls.user_agent_b.partner_id.id,
        )

        def contact(summary, ticket=None, company=None, partner=None):
            return cls.env["service.interaction"].create(
                {
                    "partner_id": (partner or cls.customer_a).id,
                    "ticket_id": ticket.id if ticket else False,
                    "company_id": (company or cls.company).id,
                    "summary": summary,
                    "transcript": f"Transcript of {summary}",
                }
            )

        cls.contact_a = contact("Call on A", cls.ticket_a)
        cls.contact_b = contact("Call about the refund", cls.ticket_b)
        cls.contact_b_assigned = contact("Call on the handed ticket", cls.ticket_b_assigned)
        cls.contact_free = contact("Walk-in without ticket")
        cls.contact_other_company = contact("Other company call", company=cls.company_other)
        cls.contacts = (
            cls.contact_a | cls.contact_b | cls.contact_b_assigned | cls.contact_free | cls.contact_other_company
        )

    def _contacts_found(self, user):
        return self.env["service.interaction"].with_user(user).search([("id", "in", self.contacts.ids)])

    def _timeline_summaries(self, user):
        self.env.flush_all()
        rows = (
            self.env["service.contact.timeline"]
            .with_user(user)
            .search([("commercial_partner_id", "=", self.customer_a.id)])
        )
        return set(rows.mapped("summary"))

    def test_agent_reads_contacts_of_tickets_they_may_read(self):
        self.assertEqual(
            self._contacts_found(self.user_agent_a), self.contact_a | self.contact_b_assigned | self.contact_free
        )
        self.assertEqual(
            self._contacts_found(self.user_agent_b), self.contact_b | self.contact_b_assigned | self.contact_free
        )
        contact = self.contact_b.with_user(self.user_agent_a)
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            contact.read(["summary", "transcript"])
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            contact.write({"summary": "Changed"})
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            self.env["service.interaction"].with_user(self.user_agent_a).create(
                {"partner_id": self.customer_a.id, "ticket_id": self.ticket_b.id, "summary": "Logged on B"}
            )
        # through the ticket and the customer, only the readable ones
        self.assertEqual(
            self.customer_a.with_user(self.user_agent_a).service_interaction_ids,
            self.contact_a | self.contact_b_assigned | self.contact_free,
        )

    def test_agent_timeline_hides_tickets_they_may_not_read(self):
        summaries = self._timeline_summaries(self.user_agent_a)
        self.assertTrue({"Call on A", "Call on the handed ticket", "Walk-in without ticket"} <= summaries)
        self.assertFalse({"Call about the refund", "Refund agreed", "Other company call"} & summaries)
        summaries = self._timeline_summaries(self.user_agent_b)
        self.assertTrue({"Call about the refund", "Refund agreed", "Walk-in without ticket"} <= summaries)
        self.assertNotIn("Call on A", summaries)

    def test_ticket_handed_over_takes_its_contacts_along(self):
        self.ticket_a.team_id = self.team_b
        self.assertNotIn(self.contact_a, self._contacts_found(self.user_agent_a))
        self.assertIn(self.contact_a, self._contacts_found(self.user_agent_b))
        self.assertNotIn("Call on A", self._timeline_summaries(self.user_agent_a))

    def test_manager_reads_every_contact_of_their_companies(self):
        self.assertEqual(self._contacts_found(self.user_manager), self.contacts - self.contact_other_company)
        self.assertTrue(
            {"Call on A", "Call about the refund", "Refund agreed", "Walk-in without ticket"}
            <= self._timeline_summaries(self.user_manager)
        )
        both = (
            self.env["service.interaction"]
            .with_user(self.user_manager_mc)
            .with_context(allowed_company_ids=[self.company.id, self.company_other.id])
        )
        self.assertEqual(both.search([("id", "in", self.contacts.ids)]), self.contacts)

    def test_rules_have_their_own_ids_for_upgrades(self):
        """Rules added after the first release need ids of their own: the old
        ones are noupdate, an upgrade would not change them."""
        for xmlid in (
            "service_desk.service_interaction_rule_agent",
            "service_desk.service_interaction_rule_manager",
            "service_desk.service_contact_timeline_rule_agent",
            "service_desk.service_contact_timeline_rule_manager",
        ):
            with self.subTest(rule=xmlid):
                self.assertTrue(self.env.ref(xmlid, raise_if_not_found=False))


@tagged("post_install", "-at_install")
class TestCompaniesKeptApart(ServiceDeskCommon):
    """Companies stay apart: an agent or a manager of company A never sees
    company B's service records (tickets, SLA targets, contracts,
    warranties, logged contacts, policies), and back; a manager of both
    sees those of the companies they selected."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        today = fields.Date.today()
        cls.product = env["product.product"].create({"name": "SD Security Printer"})
        calendar = cls.company.resource_calendar_id

        def records(company, team, suffix):
            policy = env["service.sla.policy"].create(
                {
                    "name": f"SD policy {suffix}",
                    "company_id": company.id,
                    "first_response_hours": 4,
                    "resolution_hours": 16,
                }
            )
            ticket = cls._create_ticket(
                team, name=f"Ticket {suffix}", partner_id=cls.customer_a.id, company_id=company.id
            )
            sla = env["service.ticket.sla"].create(
                {
                    "ticket_id": ticket.id,
                    "policy_id": policy.id,
                    "target_type": "resolution",
                    "calendar_id": calendar.id,
                    "target_hours": 16,
                    "start_date": fields.Datetime.now(),
                }
            )
            contract = env["service.contract"].create(
                {
                    "name": f"Contract {suffix}",
                    "partner_id": cls.customer_a.id,
                    "company_id": company.id,
                    "sla_policy_id": policy.id,
                    "date_start": today,
                    "date_end": today + timedelta(days=365),
                }
            )
            warranty = env["service.warranty"].create(
                {
                    "partner_id": cls.customer_a.id,
                    "product_id": cls.product.id,
                    "company_id": company.id,
                    "start_date": today,
                    "end_date": today + timedelta(days=365),
                }
            )
            interaction = env["service.interaction"].create(
                {
                    "partner_id": cls.customer_a.id,
                    "ticket_id": ticket.id,
                    "company_id": company.id,
                    "summary": f"Call {suffix}",
                    "user_id": cls.user_manager_mc.id,
                }
            )
            return {
                "service.ticket": ticket,
                "service.ticket.sla": sla,
                "service.contract": contract,
                "service.warranty": warranty,
                "service.interaction": interaction,
                "service.sla.policy": policy,
            }

        cls.mine = records(cls.company, cls.team_a, "A")
        cls.theirs = records(cls.company_other, cls.team_other, "B")

    def _found(self, user, model):
        ids = self.mine[model].ids + self.theirs[model].ids
        return self.env[model].with_user(user).search([("id", "in", ids)])

    def _assert_unreadable(self, user, record):
        record = record.with_user(user)
        record.invalidate_recordset()
        with self.assertRaises(AccessError), mute_logger(*MUTE_RULES):
            record.read(["display_name"])

    def test_agent_of_each_company_sees_only_its_own(self):
        for model in self.mine:
            for user, own, foreign in (
                (self.user_agent_a, self.mine[model], self.theirs[model]),
                (self.user_manager, self.mine[model], self.theirs[model]),
                (self.user_agent_other, self.theirs[model], self.mine[model]),
            ):
                with self.subTest(model=model, user=user.login):
                    self.assertEqual(self._found(user, model), own)
                    self._assert_unreadable(user, foreign)

    def test_manager_of_one_company_cannot_change_the_other(self):
        with self.assertRaises(AccessError), mute_logger(*MUTE_RULES):
            self.theirs["service.ticket"].with_user(self.user_manager).write({"priority": "1"})

    def test_agent_reads_no_foreign_record_through_a_ticket_search(self):
        """Searching by the related records does not leak them either."""
        Ticket = self.env["service.ticket"].with_user(self.user_agent_a)
        self.assertFalse(Ticket.search([("sla_line_ids", "in", self.theirs["service.ticket.sla"].ids)]))
        Interaction = self.env["service.interaction"].with_user(self.user_agent_a)
        self.assertFalse(Interaction.search_count([("company_id", "=", self.company_other.id)]))

    def test_manager_of_both_companies_sees_only_the_active_ones(self):
        user = self.user_manager_mc
        for model in self.mine:
            with self.subTest(model=model):
                Model = self.env[model].with_user(user)
                ids = self.mine[model].ids + self.theirs[model].ids
                only_a = Model.with_context(allowed_company_ids=[self.company.id]).search([("id", "in", ids)])
                self.assertEqual(only_a, self.mine[model])
                both = Model.with_context(allowed_company_ids=[self.company.id, self.company_other.id]).search(
                    [("id", "in", ids)]
                )
                self.assertEqual(both, self.mine[model] | self.theirs[model])

    def test_articles_are_shared_by_every_company(self):
        """Articles have no company: one knowledge base for the whole database
        (docs/security.md). An agent of either company reads it."""
        article = self.env["service.article"].create({"name": "SD shared article", "body": "<p>Restart it.</p>"})
        for user in (self.user_agent_a, self.user_agent_other):
            with self.subTest(user=user.login):
                self.assertEqual(article.with_user(user).read(["name"])[0]["name"], "SD shared article")

    def test_agent_cannot_change_what_only_managers_own(self):
        agent = self.user_agent_a
        writes = [
            (self.mine["service.contract"], {"name": "Renamed"}),
            (self.mine["service.warranty"], {"end_date": fields.Date.today()}),
            (self.mine["service.sla.policy"], {"resolution_hours": 1}),
            (self.mine["service.ticket.sla"], {"target_hours": 1}),
            (self.team_a, {"name": "Renamed team"}),
        ]
        for record, values in writes:
            with self.subTest(model=record._name), self.assertRaises(AccessError), mute_logger(*MUTE_RULES):
                record.with_user(agent).write(values)
        for record in (self.mine["service.ticket"], self.mine["service.interaction"]):
            with self.subTest(model=record._name), self.assertRaises(AccessError), mute_logger(*MUTE_RULES):
                record.with_user(agent).unlink()
        with self.assertRaises(AccessError), mute_logger(*MUTE_RULES):
            self.env["service.api.request"].with_user(agent).search([])

    def test_portal_user_cannot_write_service_records(self):
        portal = self.user_portal_a
        for record in (self.mine["service.contract"], self.mine["service.warranty"], self.mine["service.ticket"]):
            with self.subTest(model=record._name), self.assertRaises(AccessError), mute_logger(*MUTE_RULES):
                record.with_user(portal).write({"partner_id": portal.partner_id.id})
        for model in ("service.interaction", "service.ticket.sla", "service.sla.policy", "service.api.request"):
            with self.subTest(model=model), self.assertRaises(AccessError), mute_logger(*MUTE_RULES):
                self.env[model].with_user(portal).search([])

    def test_portal_user_never_sees_another_customers_contract_or_warranty(self):
        """Company B's portal contact reads none of customer A's contracts and warranties."""
        portal_b = self.user_portal_b
        for model in ("service.contract", "service.warranty"):
            with self.subTest(model=model):
                self.assertFalse(self._found(portal_b, model))
                self._assert_unreadable(portal_b, self.mine[model])
