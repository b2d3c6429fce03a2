"""Security review: every "cannot" of the tables of docs/security.md that the
other access tests do not already prove; what managers do as superuser stays
in their companies; and the check that every superuser call says why it is
safe (tools/check_sudo.py, run by `make lint`) finds a call without reason."""

import importlib.util
import json
import tempfile
import textwrap
from datetime import timedelta
from pathlib import Path

from odoo import fields, http
from odoo.exceptions import AccessError, UserError
from odoo.tests import BaseCase, HttpCase, tagged
from odoo.tools import mute_logger

from .common import ServiceDeskCommon

MUTE_RULES = ("odoo.addons.base.models.ir_rule", "odoo.addons.base.models.ir_model")


@tagged("post_install", "-at_install")
class TestActionsRefuseWhoMayNot(ServiceDeskCommon):
    """Methods that run as superuser check who calls them: buttons and menus
    hide them, but any logged-in user can call a public method by RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._create_ticket(cls.team_a, name="Routed by whom", partner_id=cls.customer_a.id)

    def test_routing_on_demand_is_for_agents_who_may_change_the_ticket(self):
        for user in (self.user_portal_a, self.user_internal, self.user_agent_other):
            with self.subTest(user=user.login), self.assertRaises(AccessError), mute_logger(*MUTE_RULES):
                self.ticket.with_user(user).action_assign_agent()
        self.ticket.with_user(self.user_agent_a).action_assign_agent()
        self.assertTrue(self.ticket.routing_explanation)

    def test_manager_actions_refuse_agents(self):
        Warranty = self.env["service.warranty"]
        for action in (
            lambda user: self.ticket.with_user(user).action_sla_recompute(),
            lambda user: Warranty.with_user(user).action_backfill(),
            lambda user: self.env["service.tier"].with_user(user).action_update_tiers(),
            lambda user: (
                self.env["ir.actions.report"]
                .with_user(user)
                ._render_qweb_html("service_desk.report_service_review", self.customer_a.ids)
            ),
        ):
            for user in (self.user_agent_a, self.user_portal_a):
                with self.subTest(user=user.login), self.assertRaises(AccessError), mute_logger(*MUTE_RULES):
                    action(user)
        self.ticket.with_user(self.user_manager).action_sla_recompute()
        html = (
            self.env["ir.actions.report"]
            .with_user(self.user_manager)
            ._render_qweb_html("service_desk.report_service_review", self.customer_a.ids)[0]
        )
        self.assertIn(self.customer_a.name, html.decode())

    def test_api_lookups_stay_in_the_key_users_companies(self):
        stranger = self.env["res.partner"].create(
            {"name": "Other company customer", "email": "shared@example.com", "company_id": self.company_other.id}
        )
        Ticket = self.env["service.ticket"].with_user(self.user_agent_a)
        found = Ticket._api_customer("shared@example.com", None)
        self.assertNotEqual(found, stranger, "another company's contact is not reused")
        self.assertEqual(found.email, "shared@example.com")
        self.env["product.product"].create({"name": "Other company product", "company_id": self.company_other.id})
        with self.assertRaises(UserError):
            Ticket._api_product_and_serial("Other company product", None, found)

    def test_votes_only_on_articles_the_voter_may_read(self):
        article = self.env["service.article"].create(
            {"name": "Internal procedure", "body": "<p>Agents only</p>", "is_published": False}
        )
        with self.assertRaises(AccessError), mute_logger(*MUTE_RULES):
            article.with_user(self.user_portal_a).action_register_vote(True)
        self.assertTrue(article.with_user(self.user_agent_a).action_register_vote(True))
        self.assertEqual(article.helpful_count, 1)

    def test_customer_value_and_risk_are_for_service_users(self):
        customer = self.customer_a.with_user(self.user_internal)
        for fname in ("service_sales_12m", "service_last_order_date", "service_risk_score", "service_csat_avg"):
            with self.subTest(field=fname), self.assertRaises(AccessError):
                customer.read([fname])
        self.assertIn(
            "service_risk_score", self.customer_a.with_user(self.user_agent_a).read(["service_risk_score"])[0]
        )

    def test_customer_policy_of_another_company_is_not_read(self):
        self.env["service.sla.policy"].create(
            {"name": "Other company policy", "company_id": self.company_other.id, "resolution_hours": 8}
        )
        # an agent of the first company reads the customer's effective policy without tripping on it
        self.customer_a.with_user(self.user_agent_a).service_sla_policy_id  # noqa: B018

    def test_other_company_holidays_leave_a_calendar_alone(self):
        calendar = self._create_calendar("Company A hours")
        monday = fields.Datetime.to_datetime("2030-01-07 00:00:00")
        before = calendar._service_window_periods(False, monday)
        holiday = (
            self.env["resource.calendar.leaves"]
            .with_company(self.company_other)
            .create(
                {
                    "name": "Company B holiday",
                    "company_id": self.company_other.id,
                    "date_from": monday,
                    "date_to": monday + timedelta(days=1),
                }
            )
        )
        self.assertEqual(holiday.company_id, self.company_other)
        self.assertEqual(calendar._service_window_periods(False, monday), before)
        holiday.company_id = self.company
        self.assertLess(len(calendar._service_window_periods(False, monday)), len(before), "its own company's")


@tagged("post_install", "-at_install")
class TestManagersStayInTheirCompanies(ServiceDeskCommon):
    """What managers do as superuser (export, erasure, SLA rebuild, service
    review) stays within the companies they may open: a customer shared by
    both companies has tickets in each."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shared = cls.customer_a_contact
        cls.ticket_mine = cls._create_ticket(cls.team_a, name="Ticket of company A", partner_id=cls.shared.id)
        cls.ticket_theirs = cls._create_ticket(cls.team_other, name="Ticket of company B", partner_id=cls.shared.id)
        (cls.ticket_mine | cls.ticket_theirs).action_close()

    def test_export_holds_the_managers_companies_only(self):
        data, __ = self.shared.with_user(self.user_manager)._service_export_data()
        exported = json.dumps(data, ensure_ascii=False)
        self.assertIn("Ticket of company A", exported)
        self.assertNotIn("Ticket of company B", exported)

    def test_erasure_of_a_contact_with_tickets_elsewhere_is_refused(self):
        contact = self.shared.with_user(self.user_manager)
        self.assertIn("SD Other Company", " ".join(contact._service_erase_blockers()))
        with self.assertRaisesRegex(UserError, "SD Other Company"):
            contact.action_service_erase("asked by email")
        self.assertEqual(self.ticket_theirs.partner_id.name, "Carla Customer")

    def test_erasure_of_another_companys_contact_is_refused(self):
        contact = self.env["res.partner"].create({"name": "Otto Other", "company_id": self.company_other.id})
        with self.assertRaises(AccessError), mute_logger(*MUTE_RULES):
            contact.with_user(self.user_manager).action_service_erase("asked by email")
        self.assertEqual(contact.name, "Otto Other")

    def test_sla_rebuild_of_another_companys_ticket_is_refused(self):
        with self.assertRaises(AccessError), mute_logger(*MUTE_RULES):
            self.ticket_theirs.with_user(self.user_manager).action_sla_recompute()

    def test_service_review_lists_the_managers_companies_only(self):
        self.env.flush_all()
        Review = self.env["report.service_desk.report_service_review"].with_user(self.user_manager_mc)
        review = Review.with_context(allowed_company_ids=[self.company.id])._review_of(
            self.customer_a, fields.Date.today() - timedelta(days=1), fields.Date.today()
        )
        self.assertEqual(review["tickets"].ticket_id, self.ticket_mine)


@tagged("post_install", "-at_install")
class TestRoutesRefuseStrangers(HttpCase, ServiceDeskCommon):
    """Routes that need a login send visitors to it, and a logged-in user
    never reaches another customer's records by guessing ids."""

    def test_visitor_is_sent_to_login(self):
        for url in (
            "/my/service/tickets",
            "/my/service/tickets/new",
            "/my/service/preferences",
            "/my/service/export",
            "/my/service/warranties",
            "/my/service/contracts",
        ):
            with self.subTest(url=url):
                response = self.url_open(url, allow_redirects=False)
                self.assertIn(response.status_code, (302, 303))
                self.assertIn("/web/login", response.headers["Location"])

    def test_visitor_cannot_post_to_a_ticket(self):
        ticket = self._create_ticket(self.team_a, partner_id=self.partner_portal_a.id)
        messages = len(ticket.message_ids)
        self.authenticate(None, None)
        for action, fields_ in (("reply", {"message": "hello"}), ("confirm", {}), ("reopen", {"reason": "x"})):
            with self.subTest(action=action):
                data = dict(fields_, csrf_token=http.Request.csrf_token(self))
                response = self.url_open(f"/my/service/tickets/{ticket.id}/{action}", data=data, allow_redirects=False)
                self.assertNotEqual(response.status_code, 200)
        ticket.invalidate_recordset()
        self.assertEqual(len(ticket.message_ids), messages)
        self.assertFalse(ticket.is_closed)

    def test_internal_user_without_service_rights_gets_no_api_ticket(self):
        expiration = fields.Datetime.now() + timedelta(hours=12)
        key = self.env["res.users.apikeys"].with_user(self.user_internal).sudo()._generate(None, "x", expiration)
        count = self.env["service.ticket"].search_count([])
        response = self.url_open(
            "/service_desk/api/v1/tickets",
            data='{"name": "x", "email": "a@b.example.com"}',
            headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.env["service.ticket"].search_count([]), count)


ADDON_DIR = Path(__file__).resolve().parent.parent


def _load_sudo_checker():
    spec = importlib.util.spec_from_file_location("check_sudo", ADDON_DIR / "tools" / "check_sudo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestEverySudoIsExplained(BaseCase):
    """Every superuser call says why it is safe where it is made, in a
    `# sudo:` comment that `make lint` requires (tools/check_sudo.py)."""

    def _calls(self, source):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "sample.py"
            path.write_text(textwrap.dedent(source), encoding="utf-8")
            return _load_sudo_checker().superuser_calls(path)

    def test_a_call_without_reason_is_found(self):
        calls = self._calls(
            """
            def read_all(self):
                # read everything
                return self.sudo().search([])
            """
        )
        self.assertEqual(calls, [(4, "read_all", None)])

    def test_reasons_above_or_on_the_statement(self):
        calls = self._calls(
            """
            def read_all(self):
                # sudo: the user's own records, searched by their id
                records = self.sudo().search([])
                other = (
                    self.env["x"]
                    .sudo()  # sudo: a setting, no user data
                    .get_param("x")
                )
                env = self.env(su=True)  # sudo: counters only
                return records, other, env, self.sudo(False)
            """
        )
        self.assertEqual(
            calls,
            [
                (4, "read_all", "the user's own records, searched by their id"),
                (7, "read_all", "a setting, no user data"),
                (10, "read_all", "counters only"),
            ],
        )

    def test_readme_lists_every_call_of_the_addon(self):
        checker = _load_sudo_checker()
        rows = [
            (path.relative_to(ADDON_DIR).as_posix(), function, reason)
            for folder in checker.FOLDERS
            for path in sorted((ADDON_DIR / folder).rglob("*.py"))
            for __, function, reason in checker.superuser_calls(path)
        ]
        self.assertTrue(rows)
        self.assertTrue(all(reason for __, __, reason in rows), "every call says why")
        readme = (ADDON_DIR / "README.md").read_text(encoding="utf-8")
        for relative, function, reason in rows:
            self.assertIn(f"| `{relative}` `{function}` | {reason} |", readme)
        self.assertIn(f"{len(rows)} superuser calls.", readme)
