"""Satisfaction and customer analytics on hand-built tickets with known
answers: CSAT by team, agent, category and customer, low ratings and their
follow-up, customer indicators, at-risk customers, and sales next to tickets."""

import ast
from datetime import datetime

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import Customer360Common


@tagged("post_install", "-at_install")
class TestCustomerAnalytics(Customer360Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.category_a = cls.env["service.category"].create({"name": "SD Printers"})
        cls.category_b = cls.env["service.category"].create({"name": "SD Billing"})
        cls.policy = cls.env["service.sla.policy"].create(
            {
                "name": "SD Analytics Policy",
                "first_response_hours": 2,
                "resolution_hours": 10,
                "active": False,
            }
        )

    def _rate(self, ticket, rate, feedback=None, rated_on=None):
        token = ticket._rating_get_access_token()
        rating = ticket.rating_apply(rate, token=token, feedback=feedback)
        if rated_on:
            rating.rated_on = rated_on  # when the customer rated, as an import of history sets it
        return rating

    def _sla(self, ticket, target_type, status):
        line = self.env["service.ticket.sla"].create(
            {
                "ticket_id": ticket.id,
                "policy_id": self.policy.id,
                "target_type": target_type,
                "start_date": ticket.create_date,
                "calendar_id": self.company.resource_calendar_id.id,
                "target_hours": 8,
            }
        )
        line.status = status
        return line

    def _clear_sla(self, tickets):
        tickets.sla_line_ids.unlink()

    # ------------------------------------------------------------------
    # Satisfaction
    # ------------------------------------------------------------------

    def test_csat_by_team_agent_category_and_customer(self):
        happy = self._create_ticket(
            partner_id=self.customer_a_contact.id, user_id=self.user_agent_a.id, category_id=self.category_a.id
        )
        okay = self._create_ticket(
            partner_id=self.customer_a.id, user_id=self.user_agent_a.id, category_id=self.category_b.id
        )
        unhappy = self._create_ticket(
            partner_id=self.customer_b.id, user_id=self.user_agent_a.id, category_id=self.category_a.id
        )
        other_team = self._create_ticket(
            team=self.team_b,
            partner_id=self.customer_b.id,
            user_id=self.user_agent_b.id,
            category_id=self.category_a.id,
        )
        asked_only = self._create_ticket(partner_id=self.customer_a.id, user_id=self.user_agent_a.id)
        self._rate(happy, 5)
        self._rate(okay, 3)
        self._rate(unhappy, 1, feedback="Nobody called back")
        self._rate(other_team, 5)
        asked_only._rating_get_access_token()  # a request not answered is no rating
        self.env.flush_all()
        Report = self.env["service.rating.report"]
        mine = [("ticket_id", "in", (happy | okay | unhappy | other_team | asked_only).ids)]

        by_team = {
            team: (csat, avg, count)
            for team, csat, avg, count in Report._read_group(
                mine, ["team_id"], ["csat:avg", "rating:avg", "rating_count:sum"]
            )
        }
        self.assertAlmostEqual(by_team[self.team_a][0], 100 / 3, msg="one satisfied rating out of three")
        self.assertEqual(by_team[self.team_a][1:], (3.0, 3))
        self.assertEqual(by_team[self.team_b], (100.0, 5.0, 1))

        by_agent = dict(Report._read_group(mine, ["user_id"], ["rating_count:sum"]))
        self.assertEqual(by_agent, {self.user_agent_a: 3, self.user_agent_b: 1})
        by_category = dict(Report._read_group(mine, ["category_id"], ["csat:avg"]))
        self.assertEqual(by_category[self.category_a], 200 / 3)
        self.assertEqual(by_category[self.category_b], 0.0, "an okay rating is not a satisfied one")
        by_customer = dict(Report._read_group(mine, ["partner_id"], ["rating:avg"]))
        self.assertEqual(by_customer, {self.customer_a: 4.0, self.customer_b: 3.0}, "contacts count for their company")

    def test_satisfaction_by_month_of_the_rating_given(self):
        ticket = self._create_ticket(partner_id=self.customer_a.id, user_id=self.user_agent_a.id)
        rating = self._rate(ticket, 5, rated_on=datetime(2025, 10, 15, 9, 0))
        self.env.flush_all()
        # the record was created a month before the customer rated, and touched since
        self.env.cr.execute(
            "UPDATE rating_rating SET create_date = %s WHERE id = %s", [datetime(2025, 9, 1), rating.id]
        )
        self.assertGreater(rating.write_date, datetime(2025, 11, 1), "written since the customer rated")
        by_month = self.env["service.rating.report"]._read_group(
            [("ticket_id", "=", ticket.id)], ["rated_date:month"], ["rating_count:sum"]
        )
        self.assertEqual([(month.date(), count) for month, count in by_month], [(datetime(2025, 10, 1).date(), 1)])

    def test_average_rating_of_the_ratings_given_in_twelve_months(self):
        now = fields.Datetime.now()
        once = self._create_ticket(partner_id=self.customer_a_contact.id)
        twice = self._create_ticket(partner_id=self.customer_a.id)
        long_ago = self._create_ticket(partner_id=self.customer_a.id)
        not_rated = self._create_ticket(partner_id=self.customer_b.id)
        self._rate(once, 4)
        self._rate(twice, 1, rated_on=now - relativedelta(days=20))
        self._rate(twice, 5)  # asked again after a reopen: both ratings count
        self._rate(long_ago, 2, rated_on=now - relativedelta(months=13))
        not_rated._rating_get_access_token()  # asked, not answered
        self.env.flush_all()

        customer = self.customer_a_contact.with_user(self.user_manager)
        self.assertEqual(customer.service_rating_count, 3)
        self.assertAlmostEqual(customer.service_csat_avg, 10 / 3)
        self.assertEqual(customer.service_risk_score, 20, "one unhappy rating in twelve months")
        row = self.env["service.customer.report"].search([("partner_id", "=", self.customer_a.id)])
        self.assertEqual(row.rating_count, 3)
        self.assertAlmostEqual(row.csat_avg, 10 / 3)
        Analysis = self.env["service.ticket.report"]
        self.assertEqual(Analysis.search([("ticket_id", "=", twice.id)]).rating, 5.0, "its latest rating")

        # no rating: no figure, not a zero
        self.assertEqual(self.customer_b.service_rating_count, 0)
        [(average,)] = Analysis._read_group([("ticket_id", "=", not_rated.id)], [], ["rating:avg"])
        self.assertIs(average, False, "no rating: no average, not 0.0")
        row_b = self.env["service.customer.report"].search([("partner_id", "=", self.customer_b.id)])
        self.assertEqual(row_b.rating_count, 0)
        for partner, shown in ((self.customer_b, False), (self.customer_a, True)):
            form = Form(partner.with_user(self.user_manager))
            self.assertEqual(not form._get_modifier("service_csat_avg", "invisible"), shown, partner.name)
        for view, field, count in (
            ("service_desk.service_customer_report_view_list", "csat_avg", "rating_count"),
            ("service_desk.res_partner_view_list_at_risk", "service_csat_avg", "service_rating_count"),
        ):
            model = self.env.ref(view).model
            arch = etree.fromstring(self.env[model].get_view(self.env.ref(view).id, "list")["arch"])
            [node] = arch.xpath(f"//field[@name='{field}']")
            self.assertEqual(node.get("invisible"), f"not {count}", f"{view}: an empty cell without ratings")

    def test_low_ratings_with_comment_and_follow_up(self):
        followed = self._create_ticket(partner_id=self.customer_a.id, user_id=self.user_agent_a.id)
        forgotten = self._create_ticket(partner_id=self.customer_a.id, user_id=self.user_agent_a.id)
        done = self._create_ticket(partner_id=self.customer_b.id, user_id=self.user_agent_a.id)
        fine = self._create_ticket(partner_id=self.customer_b.id, user_id=self.user_agent_a.id)
        self._rate(followed, 1, feedback="Still broken")
        self._rate(forgotten, 1, feedback="Too slow")
        self._rate(done, 1)
        self._rate(fine, 5, feedback="Great")
        self.assertTrue(followed.activity_ids, "a low rating plans a follow-up")
        forgotten.activity_ids.unlink()
        done.activity_ids.action_feedback(feedback="Called the customer")
        self.env.flush_all()
        low = self.env["service.rating.report"].search(
            [
                ("is_low", "=", True),
                ("ticket_id", "in", (followed | forgotten | done | fine).ids),
            ]
        )
        self.assertEqual(low.ticket_id, followed | forgotten | done, "the happy rating is not listed")
        rows = {row.ticket_id: (row.feedback, row.has_followup) for row in low}
        self.assertEqual(rows[followed], ("Still broken", True))
        self.assertEqual(rows[forgotten], ("Too slow", False))
        self.assertTrue(rows[done][1], "a follow-up done is a follow-up")

        row = low.filtered(lambda r: r.ticket_id == forgotten)
        action = row.action_schedule_followup()
        self.assertEqual(action["res_model"], "mail.activity.schedule")
        self.assertEqual(action["context"]["active_id"], forgotten.id)
        forgotten.activity_schedule("mail.mail_activity_data_todo", user_id=self.user_manager.id)
        self.env.flush_all()
        self.env.invalidate_all()
        self.assertTrue(row.has_followup)

    # ------------------------------------------------------------------
    # Customers
    # ------------------------------------------------------------------

    def test_customer_indicators(self):
        open_ticket = self._create_ticket(partner_id=self.customer_a_contact.id)
        resolved = self._create_ticket(partner_id=self.customer_a.id)
        old = self._create_ticket(partner_id=self.customer_a.id)
        other = self._create_ticket(partner_id=self.customer_b.id)
        resolved.stage_id = self.stage_resolved
        old.stage_id = self.stage_closed
        self._rate(resolved, 5)
        self._rate(old, 1, rated_on=fields.Datetime.now() - relativedelta(months=13))
        self._clear_sla(open_ticket | resolved | old | other)
        self._sla(open_ticket, "first_response", "met")
        self._sla(resolved, "first_response", "breached")
        self._sla(resolved, "resolution", "met")
        self._sla(old, "resolution", "ongoing")
        self._sla(other, "first_response", "breached")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE service_ticket SET create_date = %s WHERE id = %s",
            (fields.Datetime.now() - relativedelta(months=13), old.id),
        )
        self.env.invalidate_all()

        Report = self.env["service.customer.report"]
        row = Report.search([("partner_id", "=", self.customer_a.id)])
        self.assertEqual(len(row), 1, "a company and its contacts make one customer")
        self.assertEqual((row.ticket_count, row.ticket_count_12m, row.open_ticket_count), (3, 2, 1))
        self.assertAlmostEqual(row.tickets_per_month, 2 / 12)
        self.assertEqual((row.sla_reached_count, row.sla_met_count), (3, 2), "a running target is not counted")
        self.assertAlmostEqual(row.sla_compliance, 200 / 3)
        self.assertEqual((row.rating_count, row.csat_avg), (1, 5.0), "the rating of thirteen months ago is forgotten")
        self.assertEqual(row.risk_score, 15, "one ticket with a breached SLA; the old low rating is forgotten")
        self.assertIn("breached", row.risk_explanation)
        self.assertEqual(row.risk_score, self.customer_a.service_risk_score)
        row_b = Report.search([("partner_id", "=", self.customer_b.id)])
        self.assertEqual((row_b.sla_compliance, row_b.open_ticket_count), (0.0, 1))

    def test_at_risk_customers(self):
        for __ in range(2):
            self._rate(self._create_ticket(partner_id=self.customer_b_contact.id), 1)
        self._rate(self._create_ticket(partner_id=self.customer_a.id), 1)
        Partner = self.env["res.partner"]
        self.assertEqual(self.customer_b.service_risk_score, 40)
        self.assertEqual(self.customer_a.service_risk_score, 20)
        at_risk = Partner.search([("service_at_risk", "=", True)])
        self.assertIn(self.customer_b, at_risk)
        self.assertNotIn(self.customer_a, at_risk)
        self.assertIn(self.customer_a, Partner.search([("service_at_risk", "=", False)]))
        self.assertTrue(self.customer_b.service_at_risk)

        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.service_at_risk_threshold, 40, "the default threshold")
        settings.service_at_risk_threshold = 20
        settings.execute()
        self.assertIn(self.customer_a, Partner.search([("service_at_risk", "=", True)]))
        action = self.env.ref("service_desk.res_partner_action_service_at_risk")
        listed = Partner.with_user(self.user_manager).search(ast.literal_eval(action.domain))
        self.assertIn(self.customer_a, listed)
        self.assertNotIn(self.customer_a_contact, listed, "the list shows customers, not each contact")

    def test_sales_next_to_tickets(self):
        order = self._sell(self.customer_a_contact, [(self.product_plain, 10)])
        self._sell(self.customer_a, [(self.product_plain, 99)], confirm=False)  # a quotation does not count
        self._sell(self.customer_b, [(self.product_plain, 7)])
        self._create_ticket(partner_id=self.customer_a.id)
        self._create_ticket(partner_id=self.customer_a_contact.id)
        self.env.flush_all()
        action = self.customer_a_contact.with_user(self.user_manager).action_open_service_trend()
        self.assertEqual(action["res_model"], "service.customer.trend.report")
        Trend = self.env["service.customer.trend.report"].with_user(self.user_manager)
        [(__, sales, orders, tickets)] = Trend._read_group(
            action["domain"],
            ["date:month"],
            ["sales_amount:sum", "order_count:sum", "ticket_count:sum"],
        )
        self.assertEqual((sales, orders, tickets), (order.amount_untaxed, 1, 2))
        self.assertEqual(order.amount_untaxed, 50.0)

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------

    @mute_logger("odoo.addons.base.models.ir_model")
    def test_managers_only(self):
        self._rate(self._create_ticket(partner_id=self.customer_a.id), 5)
        self.env.flush_all()
        for model in ("service.rating.report", "service.customer.report", "service.customer.trend.report"):
            self.assertTrue(self.env[model].with_user(self.user_manager).search_count([]), model)
            for user in (self.user_agent_a, self.user_internal, self.user_portal_a):
                with self.assertRaises(AccessError, msg=f"{user.login} on {model}"):
                    self.env[model].with_user(user).search([])
