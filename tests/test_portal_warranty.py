"""The customer's warranties and contracts on the portal, the warranty on
the ticket page, the data export link, and article suggestions while
writing a request."""

from dateutil.relativedelta import relativedelta
from lxml import html

from odoo import Command, fields, sql_db
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger
from odoo.tools.misc import format_date

from .common import FIXTURE_CONTEXT, ServiceDeskPortalCommon


class PortalWarrantyCommon(ServiceDeskPortalCommon):
    """Customer A: an active warranty on its printer (serial SDP-A-0001), one
    expiring in ten days, one expired, and a contract; customer B: a
    warranty on its printer and a contract."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, **FIXTURE_CONTEXT))
        cls.today = fields.Date.context_today(env.user)
        Lot = env["stock.lot"]
        cls.lot_a_old = Lot.create({"name": "SDP-A-0002", "product_id": cls.product.id, "company_id": cls.company.id})
        cls.lot_a_soon = Lot.create({"name": "SDP-A-0003", "product_id": cls.product.id, "company_id": cls.company.id})
        Warranty = env["service.warranty"]

        def warranty(partner, lot, start, months=12):
            return Warranty.create(
                {
                    "partner_id": partner.id,
                    "product_id": lot.product_id.id,
                    "lot_id": lot.id,
                    "start_date": start,
                    "months": months,
                }
            )

        cls.warranty_a = warranty(cls.customer_a, cls.lot_a, cls.today - relativedelta(months=2))
        cls.warranty_a_soon = warranty(cls.customer_a, cls.lot_a_soon, cls.today - relativedelta(months=12, days=-10))
        cls.warranty_a_old = warranty(cls.customer_a, cls.lot_a_old, cls.today - relativedelta(years=2))
        cls.warranty_b = warranty(cls.customer_b, cls.lot_b, cls.today - relativedelta(months=1))
        cls.warranties_a = cls.warranty_a | cls.warranty_a_soon | cls.warranty_a_old

        Policy = env["service.sla.policy"]
        cls.policy_a = Policy.create(
            {
                "name": "SD Gold Care A",
                "sequence": 900,
                "partner_ids": [Command.link(cls.customer_a.id)],
                "first_response_hours": 2,
                "resolution_hours": 16,
            }
        )
        cls.policy_b = Policy.create(
            {
                "name": "SD Secret Care B",
                "sequence": 901,
                "partner_ids": [Command.link(cls.customer_b.id)],
                "first_response_hours": 1,
                "resolution_hours": 8,
            }
        )
        Contract = env["service.contract"]
        cls.contract_a = Contract.create(
            {
                "name": "SD-CARE-A",
                "partner_id": cls.customer_a.id,
                "sla_policy_id": cls.policy_a.id,
                "date_start": cls.today - relativedelta(months=1),
                "date_end": cls.today + relativedelta(months=11),
                "product_ids": [Command.link(cls.product.id)],
            }
        )
        cls.contract_b = Contract.create(
            {
                "name": "SD-CARE-B-CONFIDENTIAL",
                "partner_id": cls.customer_b.id,
                "sla_policy_id": cls.policy_b.id,
                "date_start": cls.today - relativedelta(months=1),
            }
        )
        # a ticket about A's printer, opened now: under its warranty
        cls.ticket_a_printer = cls._create_ticket(
            name="Printer prints blank pages",
            partner_id=cls.customer_a_contact.id,
            product_id=cls.product.id,
            lot_id=cls.lot_a.id,
        )

    def _login_a(self):
        self.authenticate(self.user_portal_a.login, self.user_portal_a.login)

    def _date(self, day):
        return format_date(self.env, day)


@tagged("post_install", "-at_install")
class TestPortalWarrantyModel(PortalWarrantyCommon):
    def test_fixture_states(self):
        self.assertEqual(self.warranty_a.state, "active")
        self.assertEqual(self.warranty_a_soon.state, "active")
        self.assertEqual(self.warranty_a_old.state, "expired")
        self.assertEqual(self.contract_a.state, "active")
        self.assertEqual(self.ticket_a_printer.warranty_id, self.warranty_a)
        self.assertTrue(self.ticket_a_printer.under_warranty)

    def test_filters(self):
        Warranty = self.env["service.warranty"]
        domains = Warranty._portal_filter_domains()
        own = Warranty._portal_domain(self.partner_portal_a)
        self.assertEqual(Warranty.search(own), self.warranties_a)
        self.assertEqual(Warranty.search(own & domains["active"]), self.warranty_a | self.warranty_a_soon)
        self.assertEqual(Warranty.search(own & domains["expiring"]), self.warranty_a_soon)
        self.assertEqual(Warranty.search(own & domains["expired"]), self.warranty_a_old)
        self.assertTrue(self.warranty_a_soon._portal_is_expiring())
        self.assertFalse(self.warranty_a._portal_is_expiring())
        self.assertFalse(self.warranty_a_old._portal_is_expiring())

    def test_contract_sla_targets(self):
        self.assertEqual(self.contract_a._portal_sla_targets(), [("First response", 2.0), ("Resolution", 16.0)])


@tagged("post_install", "-at_install")
class TestPortalWarrantyPages(HttpCase, PortalWarrantyCommon):
    # ------------------------------------------------------------------ /my

    def test_home_counters(self):
        self._login_a()
        # the cards wait for their counters (before any counter is in the session)
        home = self.url_open("/my")
        self.assertIn('data-placeholder_count="service_warranty_count"', home.text)
        self.assertIn('data-placeholder_count="service_contract_count"', home.text)
        self.assertIn('data-placeholder_count="service_ticket_count"', home.text)
        response = self.url_open(
            "/my/counters",
            json={
                "params": {
                    "counters": ["service_warranty_count", "service_contract_count", "service_ticket_count"],
                }
            },
        )
        result = response.json()["result"]
        self.assertEqual(result["service_warranty_count"], 3)
        self.assertEqual(result["service_contract_count"], 1)
        self.assertEqual(result["service_ticket_count"], 2, "the requests counter is still there")
        # once the counters are known to the session, the cards still show their counts
        home = html.fromstring(self.url_open("/my").content)
        for url, counter, icon in (
            ("/my/service/tickets", "service_ticket_count", "service-requests.svg"),
            ("/my/service/warranties", "service_warranty_count", "service-warranties.svg"),
            ("/my/service/contracts", "service_contract_count", "service-contracts.svg"),
        ):
            with self.subTest(url=url):
                card = home.xpath(f"//div[contains(@class, 'o_portal_index_card')][.//a[@href='{url}']]")[0]
                count = card.xpath(f".//*[@data-placeholder_count='{counter}']")
                self.assertEqual(len(count), 1)
                self.assertNotIn("d-none", count[0].get("class").split())
                self.assertEqual(card.xpath(".//img/@src"), [f"/service_desk/static/src/img/{icon}"])

    # ------------------------------------------------------------------ warranties

    def test_warranty_list_as_owner(self):
        self._login_a()
        response = self.url_open("/my/service/warranties")
        self.assertEqual(response.status_code, 200)
        for lot in ("SDP-A-0001", "SDP-A-0002", "SDP-A-0003"):
            self.assertIn(lot, response.text)
        self.assertNotIn("SDP-B-0001", response.text)
        self.assertEqual(response.text.count("o_service_warranty_row"), 3)
        self.assertIn(f"/my/service/warranties/{self.warranty_a.id}", response.text)

    def test_warranty_without_serial_keeps_its_cells_under_their_headings(self):
        product = self.env["product.product"].create({"name": "SD Power Brick", "type": "consu"})
        self.env["service.warranty"].create(
            {
                "partner_id": self.warranty_a.partner_id.id,
                "product_id": product.id,
                "quantity": 3,
                "start_date": fields.Date.today(),
                "months": 6,
            }
        )
        self._login_a()
        page = html.fromstring(self.url_open("/my/service/warranties").content)
        headings = len(page.xpath("//table[.//tr[contains(@class, 'o_service_warranty_row')]]//th"))
        rows = page.xpath("//tr[contains(@class, 'o_service_warranty_row')]")
        self.assertEqual(len(rows), 4)
        self.assertEqual({len(row.xpath("./td")) for row in rows}, {headings})

    def test_warranty_list_filters_and_sort(self):
        self._login_a()
        expiring = self.url_open("/my/service/warranties?filterby=expiring").text
        self.assertIn("SDP-A-0003", expiring)
        self.assertNotIn("SDP-A-0001", expiring)
        self.assertIn("Expiring soon", expiring)
        expired = self.url_open("/my/service/warranties?filterby=expired").text
        self.assertIn("SDP-A-0002", expired)
        self.assertNotIn("SDP-A-0001", expired)
        active = self.url_open("/my/service/warranties?filterby=active").text
        self.assertIn("SDP-A-0001", active)
        self.assertIn("SDP-A-0003", active)
        self.assertNotIn("SDP-A-0002", active)
        by_end = self.url_open("/my/service/warranties?sortby=end").text
        self.assertLess(by_end.index("SDP-A-0002"), by_end.index("SDP-A-0003"))
        self.assertLess(by_end.index("SDP-A-0003"), by_end.index("SDP-A-0001"))
        by_start = self.url_open("/my/service/warranties?sortby=start").text
        self.assertLess(by_start.index("SDP-A-0001"), by_start.index("SDP-A-0003"))
        # unknown values fall back to the defaults
        fallback = self.url_open("/my/service/warranties?filterby=nope&sortby=nope")
        self.assertEqual(fallback.status_code, 200)
        self.assertEqual(fallback.text.count("o_service_warranty_row"), 3)

    def test_warranty_list_pager(self):
        from odoo.addons.service_desk.controllers.portal_warranty import ServiceDeskWarrantyPortal

        self.patch(ServiceDeskWarrantyPortal, "_items_per_page", 2)
        self._login_a()
        first = self.url_open("/my/service/warranties?sortby=end")
        self.assertEqual(first.text.count("o_service_warranty_row"), 2)
        self.assertIn("/my/service/warranties/page/2", first.text)
        second = self.url_open("/my/service/warranties/page/2?sortby=end")
        self.assertEqual(second.text.count("o_service_warranty_row"), 1)
        self.assertIn("SDP-A-0001", second.text)

    def test_warranty_detail_as_owner(self):
        self._login_a()
        response = self.url_open(f"/my/service/warranties/{self.warranty_a.id}")
        self.assertEqual(response.status_code, 200)
        text = response.text
        self.assertIn("SD Portal Printer", text)
        self.assertIn("SDP-A-0001", text)
        self.assertIn(self._date(self.warranty_a.start_date), text)
        self.assertIn(self._date(self.warranty_a.end_date), text)
        self.assertIn(self.ticket_a_printer.number, text)
        self.assertNotIn(self.ticket_a.number, text, "a ticket about nothing of this warranty")
        request_url = (
            f"/my/service/tickets/new?ticket_type=request&amp;product_id={self.product.id}&amp;lot_id={self.lot_a.id}"
        )
        self.assertIn(request_url, text)
        # the button opens the form with the product and serial chosen
        form = self.url_open(request_url.replace("&amp;", "&")).text
        self.assertRegex(form, rf'<option value="{self.lot_a.id}"[^>]*selected')
        self.assertRegex(form, rf'<option value="{self.product.id}"[^>]*selected')

    def test_untracked_warranty_detail(self):
        """Goods without serial: the quantity is shown, the request names the product only."""
        warranty = self.env["service.warranty"].create(
            {
                "partner_id": self.customer_a.id,
                "product_id": self.product_other.id,
                "quantity": 3,
                "start_date": self.today,
                "months": 6,
            }
        )
        self._login_a()
        text = self.url_open(f"/my/service/warranties/{warranty.id}").text
        self.assertIn("SD Portal Scanner", text)
        self.assertIn("Quantity", text)
        self.assertNotIn("o_service_warranty_lot", text)
        self.assertIn(f'/my/service/tickets/new?ticket_type=request&amp;product_id={self.product_other.id}"', text)
        self.assertIn("o_service_warranty_no_ticket", text)

    def test_warranty_detail_lists_no_other_customer_ticket(self):
        """B opened a ticket naming A's serial: A does not see it on its warranty."""
        foreign = self._create_ticket(
            name="B's note on a serial",
            partner_id=self.customer_b_contact.id,
            lot_id=self.lot_a.id,
            product_id=self.product.id,
        )
        self._login_a()
        text = self.url_open(f"/my/service/warranties/{self.warranty_a.id}").text
        self.assertNotIn(foreign.number, text)
        self.assertIn(self.ticket_a_printer.number, text)

    @mute_logger("odoo.http")
    def test_other_customer_warranty_and_contract_not_found(self):
        self._login_a()
        for url in (
            f"/my/service/warranties/{self.warranty_b.id}",
            f"/my/service/contracts/{self.contract_b.id}",
            "/my/service/warranties/999999999",
            "/my/service/contracts/999999999",
        ):
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertEqual(response.status_code, 404)
                self.assertNotIn("SDP-B-0001", response.text)
                self.assertNotIn("SD-CARE-B-CONFIDENTIAL", response.text)
                self.assertNotIn("SD Secret Care B", response.text)
        self.assertNotIn("SD-CARE-B", self.url_open("/my/service/contracts").text)

    @mute_logger("odoo.http")
    def test_anonymous_visitor_is_sent_to_login(self):
        response = self.url_open(f"/my/service/warranties/{self.warranty_a.id}", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])

    # ------------------------------------------------------------------ contracts

    def test_contract_list_and_detail_as_owner(self):
        self._login_a()
        listing = self.url_open("/my/service/contracts")
        self.assertEqual(listing.status_code, 200)
        self.assertIn("SD-CARE-A", listing.text)
        self.assertEqual(listing.text.count("o_service_contract_row"), 1)
        self.assertEqual(
            self.url_open("/my/service/contracts?filterby=expired").text.count("o_service_contract_row"), 0
        )
        response = self.url_open(f"/my/service/contracts/{self.contract_a.id}")
        self.assertEqual(response.status_code, 200)
        text = response.text
        self.assertIn("SD-CARE-A", text)
        self.assertIn("SD Gold Care A", text)
        self.assertIn(self._date(self.contract_a.date_start), text)
        self.assertIn(self._date(self.contract_a.date_end), text)
        self.assertIn("SD Portal Printer", text)
        self.assertIn("First response: 02:00 hours", text)
        self.assertIn("Resolution: 16:00 hours", text)
        self.assertNotIn("Next response", text, "the policy sets no next-response target")

    # ------------------------------------------------------------------ agents

    def test_agent_view_unaffected(self):
        """Agents keep reading every customer's warranties in the back end;
        "my" portal lists show their own company's only."""
        Warranty = self.env["service.warranty"].with_user(self.user_agent_a)
        self.assertEqual(
            Warranty.search([("id", "in", (self.warranties_a | self.warranty_b).ids)]),
            self.warranties_a | self.warranty_b,
        )
        self.authenticate(self.user_agent_a.login, self.user_agent_a.login)
        listing = self.url_open("/my/service/warranties")
        self.assertEqual(listing.status_code, 200)
        self.assertNotIn("SDP-A-0001", listing.text)
        self.assertNotIn("SDP-B-0001", listing.text)
        counters = self.url_open("/my/counters", json={"params": {"counters": ["service_warranty_count"]}})
        self.assertEqual(counters.json()["result"]["service_warranty_count"], 0)
        # the agent still opens the customer's request page, warranty shown
        ticket_page = self.url_open(f"/my/service/tickets/{self.ticket_a_printer.id}")
        self.assertEqual(ticket_page.status_code, 200)
        self.assertIn("o_service_ticket_warranty", ticket_page.text)

    # ------------------------------------------------------------------ ticket page

    def test_ticket_page_shows_the_warranty(self):
        self._login_a()
        text = self.url_open(f"/my/service/tickets/{self.ticket_a_printer.id}").text
        self.assertIn("o_service_ticket_warranty", text)
        self.assertIn("Under warranty", text)
        self.assertIn(self._date(self.warranty_a.end_date), text)
        no_warranty = self.url_open(f"/my/service/tickets/{self.ticket_a.id}").text
        self.assertNotIn("o_service_ticket_warranty", no_warranty)

    def test_ticket_page_after_the_warranty(self):
        ticket = self._create_ticket(
            name="Old printer broke",
            partner_id=self.customer_a_contact.id,
            product_id=self.product.id,
            lot_id=self.lot_a_old.id,
        )
        self.assertEqual(ticket.warranty_id, self.warranty_a_old)
        self._login_a()
        text = self.url_open(f"/my/service/tickets/{ticket.id}").text
        self.assertIn("Not under warranty", text)
        self.assertIn(self._date(self.warranty_a_old.end_date), text)

    # ------------------------------------------------------------------ preferences

    def test_preferences_offer_the_data_export(self):
        self._login_a()
        text = self.url_open("/my/service/preferences").text
        self.assertIn('href="/my/service/export"', text)
        self.assertIn("Download my service data", text)
        export = self.url_open("/my/service/export")
        self.assertEqual(export.status_code, 200)
        self.assertEqual(export.headers["Content-Type"], "application/zip")


@tagged("post_install", "-at_install")
class TestPortalWarrantyQueryCount(HttpCase, PortalWarrantyCommon):
    def _count_queries(self, url):
        """Queries of one request to url, caches warm (the first request fills them)."""
        self.assertEqual(self.url_open(url).status_code, 200)
        start = sql_db.sql_counter
        self.assertEqual(self.url_open(url).status_code, 200)
        return sql_db.sql_counter - start

    def _make(self, count, start):
        env = self.env(context=dict(self.env.context, **FIXTURE_CONTEXT))
        products = env["product.product"].create(
            [
                {"name": f"SD Load Product {start + i}", "type": "consu", "is_storable": True, "tracking": "serial"}
                for i in range(count)
            ]
        )
        lots = env["stock.lot"].create(
            [
                {"name": f"SDP-LOAD-{start + i}", "product_id": product.id, "company_id": self.company.id}
                for i, product in enumerate(products)
            ]
        )
        env["service.warranty"].create(
            [
                {
                    "partner_id": self.customer_a.id,
                    "product_id": lot.product_id.id,
                    "lot_id": lot.id,
                    "start_date": self.today - relativedelta(days=i),
                    "months": 12,
                }
                for i, lot in enumerate(lots)
            ]
        )

    def test_constant_queries(self):
        self._make(2, 0)  # 5 warranties with the fixture's 3
        self._login_a()
        url = "/my/service/warranties"
        list_5 = self._count_queries(url)
        self.assertEqual(self.url_open(url).text.count("o_service_warranty_row"), 5)
        self._make(25, 100)
        list_30 = self._count_queries(url)
        self.assertEqual(self.url_open(url).text.count("o_service_warranty_row"), 30)
        self.assertEqual(list_5, list_30)
        self.assertGreater(list_5, 0)


@tagged("post_install", "-at_install")
class TestPortalHomeTour(HttpCase, PortalWarrantyCommon):
    def test_home_cards_show_their_counts(self):
        self.start_tour("/my", "service_desk_portal_home_tour", login=self.user_portal_a.login)


@tagged("post_install", "-at_install")
class TestPortalSuggestionTour(HttpCase, PortalWarrantyCommon):
    def test_suggestion_while_typing_the_subject(self):
        Article = self.env["service.article"].with_context(**FIXTURE_CONTEXT)
        article = Article.create(
            {
                "name": "Quibblor reset procedure",
                "body": "<p>Hold the quibblor button ten seconds.</p>",
                "is_published": True,
                "author_id": self.user_agent_a.id,
            }
        )
        Article.create(
            {
                "name": "Quibblor internal notes",
                "body": "<p>How to reset the quibblor for agents.</p>",
                "is_published": True,
                "portal_visible": False,
                "author_id": self.user_agent_a.id,
            }
        )
        self.start_tour("/my/service/tickets/new", "service_desk_portal_suggest_tour", login=self.user_portal_a.login)
        shown = self.env["service.article.event"].search(
            [
                ("kind", "=", "suggestion_shown"),
                ("article_id", "=", article.id),
            ]
        )
        self.assertTrue(shown)
        self.assertEqual(shown.user_id, self.user_portal_a)
