"""The customer 360° view: automatic tiers and their lock, the priority
boost of higher tiers, the risk score and its explanation, and the
suggestions of each kind with their reasons."""

from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form, HttpCase, tagged

from .common import Customer360Common


@tagged("post_install", "-at_install")
class TestTiers(Customer360Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tier_standard = cls.env.ref("service_desk.tier_standard")
        cls.tier_gold = cls.env.ref("service_desk.tier_gold")
        cls.tier_vip = cls.env.ref("service_desk.tier_vip")
        cls.consulting = cls.env["product.product"].create(
            {
                "name": "SD Consulting Day",
                "type": "service",
                "list_price": 1000.0,
                "taxes_id": False,
            }
        )

    def test_tier_from_sales_of_the_last_twelve_months(self):
        self._sell(self.customer_a_contact, [(self.consulting, 60)])
        old = self._sell(self.customer_b, [(self.consulting, 300)])
        old.date_order = fields.Datetime.now() - relativedelta(months=13)
        self._sell(self.customer_b, [(self.consulting, 10)])
        self._sell(self.customer_b, [(self.consulting, 500)], confirm=False)  # a quotation does not count
        changes = self.env["service.tier"]._cron_update_tiers()
        self.assertEqual(self.customer_a.service_tier_id, self.tier_gold, "60 000 of sales reach Gold")
        self.assertEqual(self.customer_b.service_tier_id, self.tier_standard, "old sales and quotations do not count")
        self.assertFalse(self.customer_a_contact.service_tier_id, "contacts follow their company")
        self.assertEqual(changes[self.customer_a], self.tier_gold)
        self._sell(self.customer_a, [(self.consulting, 200)])
        self.env["service.tier"]._cron_update_tiers()
        self.assertEqual(self.customer_a.service_tier_id, self.tier_vip)

    def test_locked_tier_is_kept(self):
        self.customer_a.write({"service_tier_id": self.tier_vip.id, "service_tier_locked": True})
        self.customer_b.write({"service_tier_id": self.tier_vip.id})
        self.env["service.tier"]._cron_update_tiers()
        self.assertEqual(self.customer_a.service_tier_id, self.tier_vip, "a locked tier is never changed")
        self.assertEqual(self.customer_b.service_tier_id, self.tier_standard, "an unlocked one follows the sales")

    def test_button_updates_tiers(self):
        self._sell(self.customer_a, [(self.consulting, 60)])
        action = self.tier_gold.with_user(self.user_manager).action_update_tiers()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(self.customer_a.service_tier_id, self.tier_gold)

    def test_priority_boost_of_new_tickets(self):
        self.customer_a.service_tier_id = self.tier_gold  # boost 1
        self.customer_b.service_tier_id = self.tier_vip  # boost 2
        self.assertEqual(self._create_ticket(partner_id=self.customer_a_contact.id).priority, "1")
        self.assertEqual(self._create_ticket(partner_id=self.customer_b.id, priority="2").priority, "3")
        self.assertEqual(self._create_ticket(partner_id=self.customer_b.id, priority="3").priority, "3", "capped")
        self.assertEqual(self._create_ticket().priority, "0", "no customer, no boost")
        ticket = self._create_ticket(partner_id=self.customer_a.id)
        ticket.priority = "0"
        self.assertEqual(ticket.priority, "0", "only new tickets are raised")


@tagged("post_install", "-at_install")
class TestRiskAndValue(Customer360Common):
    def test_agent_without_inventory_rights_opens_the_partner(self):
        self.assertFalse(self.user_agent_b.has_group("stock.group_stock_user"))
        form = Form(self.customer_a.with_user(self.user_agent_b))
        self.assertEqual(form.service_risk_score, 0)
        self.assertEqual(form.service_warranty_active_count, 0)

    def test_quiet_customer_has_no_risk(self):
        self.assertEqual(self.customer_a.service_risk_score, 0)
        self.assertIn("No sign of trouble", self.customer_a.service_risk_explanation)

    def test_risk_score_adds_each_signal_with_its_reason(self):
        policy = self.env["service.sla.policy"].create(
            {
                "name": "SD risk policy",
                "partner_ids": [Command.link(self.customer_b.id)],
                "first_response_hours": 4,
                "resolution_hours": 16,
            }
        )
        breached = self._create_ticket(partner_id=self.customer_b_contact.id)
        self.assertEqual(breached.sla_policy_id, policy)
        breached.sla_line_ids[:1].sudo().status = "breached"
        rated = self._create_ticket(partner_id=self.customer_b_contact.id)
        rated.rating_apply(1, token=rated._rating_get_access_token())
        reopened = self._create_ticket(partner_id=self.customer_b.id)
        reopened.action_resolve()
        reopened.action_reopen()
        self.assertEqual(reopened.reopen_count, 1)
        earlier = self._sell(self.customer_b, [(self.product_extension, 10)])
        earlier.date_order = fields.Datetime.now() - relativedelta(months=9)
        partner = self.customer_b_contact
        self.assertEqual(partner.service_risk_score, 15 + 20 + 10 + 30)
        explanation = partner.service_risk_explanation
        for words in ("breached SLA", "unhappy rating", "reopened", "purchases down 100%"):
            self.assertIn(words, explanation)
        self.assertEqual(self.customer_a.service_risk_score, 0, "another customer's trouble is not theirs")
        self.assertEqual(partner.service_csat_avg, 1.0)
        self.assertEqual(partner.service_sales_12m, 600.0)
        self.assertEqual(partner.service_last_order_date, earlier.date_order)


@tagged("post_install", "-at_install")
class TestServiceTab(Customer360Common):
    def test_company_lists_its_contacts_tickets_as_its_counters_count_them(self):
        on_contact = self._create_ticket(partner_id=self.customer_a_contact.id)
        on_company = self._create_ticket(partner_id=self.customer_a.id)
        closed = self._create_ticket(partner_id=self.customer_a_contact.id, stage_id=self.stage_closed.id)
        self._create_ticket(partner_id=self.customer_b_contact.id)
        company = Form(self.customer_a.with_user(self.user_manager))
        listed = company.service_customer_ticket_ids
        self.assertEqual({listed[index].id for index in range(len(listed))}, {on_contact.id, on_company.id, closed.id})
        self.assertEqual((company.service_open_ticket_count, company.service_ticket_count), (2, 3))
        contact = Form(self.customer_a_contact.with_user(self.user_manager))
        listed = contact.service_customer_ticket_ids
        self.assertEqual({listed[index].id for index in range(len(listed))}, {on_contact.id, closed.id})
        self.assertEqual((contact.service_open_ticket_count, contact.service_ticket_count), (1, 2))
        # an agent lists the tickets the agent may read, and no error
        self.assertEqual(self.customer_a.with_user(self.user_agent_b).service_customer_ticket_ids.ids, [])


# in the browser: the customer's Service tab, where the sales amount and its
# links must not be drawn over one another (the amount's text, not its box)
SALES_ROW_APART = """(async () => {
    const find = async (selector) => {
        for (let tries = 0; tries < 200; tries++) {
            const element = document.querySelector(selector);
            if (element) { return element; }
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
        throw new Error(`${selector} is not on the page`);
    };
    (await find(".o_notebook .nav-link[name='service']")).click();
    const amount = await find(".o_field_widget[name='service_sales_12m']");
    const trend = (await find("button[name='action_open_service_sales']")).getBoundingClientRect();
    const range = document.createRange();
    range.selectNodeContents(amount);
    const text = range.getBoundingClientRect();
    const apart = text.right <= trend.left || trend.right <= text.left
        || text.bottom <= trend.top || trend.bottom <= text.top;
    if (!text.width || !apart) {
        console.error(`the amount ${JSON.stringify(text)} is drawn over the Trend link ${JSON.stringify(trend)}`);
    } else {
        console.log("test successful");
    }
})()"""


@tagged("post_install", "-at_install")
class TestServiceTabLayout(HttpCase, Customer360Common):
    browser_size = "1400x900"  # the chatter beside the form, as on a laptop's screen

    def test_sales_amount_is_not_drawn_over_its_links(self):
        self._sell(self.customer_a, [(self.product_plain, 20000)])  # $ 100,000.00: a long amount
        self.assertEqual(self.customer_a.service_sales_12m, 100000.0)
        self.browser_js(f"/odoo/res.partner/{self.customer_a.id}", SALES_ROW_APART, "odoo.isReady", login="admin")


@tagged("post_install", "-at_install")
class TestRecommendations(Customer360Common):
    def _refresh(self, partner, kind):
        self.env["service.recommendation"].refresh_for(partner)
        return self.env["service.recommendation"].search(
            [
                ("partner_id", "=", partner.commercial_partner_id.id),
                ("kind", "=", kind),
            ]
        )

    def test_warranty_expiring_suggests_its_extension(self):
        lots = self._stock_serials(self.product_serial, ["SDR-W1", "SDR-W2"])
        order = self._sell(self.customer_a, [(self.product_serial, 2)])
        self._deliver(order)
        warranties = self.env["service.warranty"].search([("sale_order_id", "=", order.id)])
        soon = warranties.filtered(lambda w: w.lot_id == lots[0])
        today = fields.Date.context_today(soon)
        soon.start_date = today - relativedelta(months=12) + relativedelta(days=30)
        recommendation = self._refresh(self.customer_a, "warranty_extension")
        self.assertEqual(len(recommendation), 1, "only the warranty ending within 60 days")
        self.assertEqual(recommendation.product_id, self.product_extension)
        self.assertEqual(recommendation.warranty_id, soon)
        self.assertIn("SDR-W1", recommendation.reason)
        self.assertIn("in 30 days", recommendation.reason)
        # quoting it links the extension to that serial's warranty
        action = recommendation.action_create_quotation()
        quotation = self.env["sale.order"].browse(action["res_id"])
        self.assertEqual(quotation.partner_id, self.customer_a)
        self.assertEqual(quotation.order_line.product_id, self.product_extension)
        self.assertEqual(quotation.order_line.service_warranty_id, soon)
        end = soon.end_date
        quotation.action_confirm()
        self.assertEqual(soon.end_date, end + relativedelta(months=12))
        # quoted suggestions are kept, the warranty no longer expires soon
        self.assertEqual(self._refresh(self.customer_a, "warranty_extension"), recommendation)

    def test_contract_ending_suggests_renewal(self):
        policy = self.env["service.sla.policy"].create({"name": "SD care policy", "first_response_hours": 4})
        order = self._sell(self.customer_b, [(self.product_extension, 1)])
        today = fields.Date.context_today(policy)
        contract = self.env["service.contract"].create(
            {
                "name": "SD Care B",
                "partner_id": self.customer_b.id,
                "sla_policy_id": policy.id,
                "date_start": today - relativedelta(months=11),
                "date_end": today + relativedelta(days=20),
                "sale_order_id": order.id,
            }
        )
        self.env["service.contract"].create(
            {
                "name": "SD Care B next year",
                "partner_id": self.customer_b.id,
                "sla_policy_id": policy.id,
                "date_start": today - relativedelta(months=1),
                "date_end": today + relativedelta(months=11),
            }
        )
        recommendation = self._refresh(self.customer_b_contact, "contract_renewal")
        self.assertEqual(recommendation.contract_id, contract, "only the contract ending soon")
        self.assertEqual(recommendation.product_id, self.product_extension)
        self.assertIn("SD Care B ends on", recommendation.reason)

    def test_products_bought_together_suggest_cross_sell(self):
        for __ in range(2):
            self._sell(self.customer_b, [(self.product_serial, 1), (self.product_untracked, 1)])
        self._sell(self.customer_b, [(self.product_serial, 1), (self.product_plain, 1)])
        self._sell(self.customer_a, [(self.product_serial, 1)])
        recommendations = self._refresh(self.customer_a, "cross_sell").filtered(
            lambda r: r.product_id in (self.product_untracked | self.product_plain)
        )
        self.assertEqual(recommendations.mapped("product_id"), self.product_untracked | self.product_plain)
        first = recommendations[0]
        self.assertEqual(first.product_id, self.product_untracked, "the pair seen most often scores highest")
        self.assertIn("Bought with SD Scanner S-1 in 2 confirmed order(s)", first.reason)
        self.assertGreater(first.score, recommendations[1].score)
        owned = self._refresh(self.customer_b, "cross_sell").product_id
        self.assertNotIn(self.product_untracked, owned, "nothing the customer already bought")

    def test_repeated_tickets_suggest_an_upgrade(self):
        category = self.env["product.category"].create({"name": "SD Scanners"})
        basic = self.env["product.product"].create(
            {
                "name": "SD Scanner Basic",
                "type": "consu",
                "categ_id": category.id,
                "list_price": 100.0,
            }
        )
        pro = self.env["product.product"].create(
            {
                "name": "SD Scanner Pro",
                "type": "consu",
                "categ_id": category.id,
                "list_price": 300.0,
            }
        )
        self.env["product.product"].create(
            {
                "name": "SD Scanner Ultra",
                "type": "consu",
                "categ_id": category.id,
                "list_price": 900.0,
            }
        )
        for __ in range(2):
            self._create_ticket(partner_id=self.customer_a.id, product_id=basic.id)
        self.assertFalse(self._refresh(self.customer_a, "upgrade"), "two tickets are not a pattern")
        self._create_ticket(partner_id=self.customer_a_contact.id, product_id=basic.id)
        recommendation = self._refresh(self.customer_a, "upgrade")
        self.assertEqual(recommendation.product_id, pro, "the next better product of the category")
        self.assertIn("3 tickets on SD Scanner Basic", recommendation.reason)
        ticket = self._create_ticket(partner_id=self.customer_a_contact.id)
        self.assertIn(recommendation, ticket.recommendation_ids, "the agent sees it on the ticket")

    def test_refresh_replaces_and_cron_runs_in_batches(self):
        self._sell(self.customer_b, [(self.product_serial, 1), (self.product_untracked, 1)])
        self._sell(self.customer_a, [(self.product_serial, 1)])
        Recommendation = self.env["service.recommendation"]
        first = Recommendation.refresh_for(self.customer_a)
        second = Recommendation.refresh_for(self.customer_a)
        self.assertFalse(first.exists(), "a refresh replaces the suggestions")
        self.assertEqual(len(second), len(first))
        reasons = sorted(second.mapped("reason"))
        self.assertTrue(reasons)
        Recommendation._cron_refresh(batch_size=3)
        self.assertFalse(second.exists())
        after_cron = Recommendation.search([("partner_id", "=", self.customer_a.id)])
        self.assertEqual(sorted(after_cron.mapped("reason")), reasons)

    def test_suggestion_without_product_cannot_be_quoted(self):
        recommendation = self.env["service.recommendation"].create(
            {
                "partner_id": self.customer_a.id,
                "kind": "contract_renewal",
                "reason": "SD renew",
            }
        )
        with self.assertRaises(UserError):
            recommendation.action_create_quotation()
        self.assertIsInstance(date.today(), date)
