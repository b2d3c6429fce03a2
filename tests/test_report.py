"""Ticket analysis: each measure on hand-built tickets with known answers."""

import ast
import io
import json
from datetime import datetime
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools.pdf import PdfFileReader

from .common import FRIDAY, ServiceDeskCommon, SlaCommon, at

MONDAY = datetime(2026, 11, 23)


@tagged("post_install", "-at_install")
class TestTicketReport(SlaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Report = cls.env["service.ticket.report"]

    def _row(self, ticket):
        self.env.flush_all()
        return self.Report.search([("ticket_id", "=", ticket.id)])

    def _groups(self, measures, domain=None):
        self.env.flush_all()
        [row] = self.Report._read_group([("team_id", "=", self.team.id)] + (domain or []), [], measures)
        return row

    def test_durations_in_working_and_calendar_hours_across_weekend(self):
        ticket = self._ticket(at(FRIDAY, 15))
        self._reply(ticket, at(MONDAY, 9))
        with self.at(at(MONDAY, 11)):
            ticket.stage_id = self.stage_resolved
        row = self._row(ticket)
        self.assertEqual(row.first_response_hours, 3.0, "2 hours on Friday, 1 on Monday")
        self.assertEqual(row.first_response_calendar_hours, 66.0)
        self.assertEqual(row.resolution_hours, 5.0)
        self.assertEqual(row.resolution_calendar_hours, 68.0)
        self.assertEqual(row.first_response_sla, "breached", "target 2 working hours")
        self.assertEqual(row.resolution_sla, "met")
        self.assertEqual(row.sla_compliance, 50.0)

    def test_fcr_and_reopen_rates(self):
        one_reply = self._ticket(at(FRIDAY, 9))
        self._reply(one_reply, at(FRIDAY, 10))
        two_replies = self._ticket(at(FRIDAY, 9))
        self._reply(two_replies, at(FRIDAY, 10))
        self._reply(two_replies, at(FRIDAY, 11))
        reopened = self._ticket(at(FRIDAY, 9))
        self._reply(reopened, at(FRIDAY, 10))
        open_ticket = self._ticket(at(FRIDAY, 9))
        with self.at(at(FRIDAY, 12)):
            (one_reply | two_replies | reopened).stage_id = self.stage_resolved
        with self.at(at(FRIDAY, 13)):
            reopened.action_reopen()
        with self.at(at(FRIDAY, 14)):
            reopened.stage_id = self.stage_resolved
        replies = one_reply.message_ids.filtered(lambda m: m.subtype_id == self.env.ref("mail.mt_comment"))
        self.assertEqual(len(replies), 1, replies.mapped("body"))
        row = self._row(one_reply)
        self.assertEqual((row.reopen_count, bool(row.resolved_date), row.fcr_rate), (0, True, 100.0))
        self.assertEqual(self._row(two_replies).fcr_rate, 0.0)
        self.assertEqual(self._row(reopened).fcr_rate, 0.0)
        self.assertFalse(self._row(open_ticket).fcr_rate, "not resolved: no first contact resolution yet")
        fcr, reopen, count = self._groups(["fcr_rate:avg", "reopen_rate:avg", "ticket_count:sum"])
        self.assertAlmostEqual(fcr, 100 / 3)
        self.assertAlmostEqual(reopen, 100 / 3)
        self.assertEqual(count, 4)

    def test_percentiles_of_first_response(self):
        for hours in (1, 2, 3, 4, 6):
            ticket = self._ticket(at(FRIDAY, 8))
            self._reply(ticket, at(FRIDAY, 8 + hours + (1 if 8 + hours > 12 else 0)))
        self._ticket(at(FRIDAY, 8))  # never answered: left out
        median, p90 = self._groups(["first_response_hours_median:median", "first_response_hours_p90:p90"])
        self.assertAlmostEqual(median, 3.0)
        self.assertAlmostEqual(p90, 5.2)

    def test_age_bucket_and_open_backlog(self):
        old = self._ticket(datetime(2026, 10, 1, 9, 0))
        with self.at(at(FRIDAY, 9)):
            recent = self.env["service.ticket"].create({"name": "recent", "team_id": self.team.id})
        with self.at(at(FRIDAY, 10)):
            rows = self._row(old) | self._row(recent)
            self.assertEqual(rows.filtered(lambda r: r.ticket_id == old).age_bucket, "30")
        self.assertTrue(all(rows.mapped("is_open")))

    def test_time_in_stage(self):
        ticket = self._ticket(at(FRIDAY, 9))
        with self.at(at(FRIDAY, 9)):
            self.env.cr.flush()  # created in an earlier transaction than its moves, as in real use
        with self.at(at(FRIDAY, 11)):
            ticket.stage_id = self.stage_progress
            self.env.cr.flush()  # tracking values are written when the transaction flushes
        with self.at(at(FRIDAY, 14)):
            ticket.stage_id = self.stage_resolved
            self.env.cr.flush()
        stays = self.env["service.stage.duration.report"].search([("ticket_id", "=", ticket.id)])
        hours = {stay.stage_id: stay.hours for stay in stays}
        self.assertEqual(hours, {self.stage_new: 2.0, self.stage_progress: 3.0})

    def _default_period_domain(self, action_xmlid, filter_name):
        """The domain a report action opens on: its default date filter's default period."""
        action = self.env.ref(action_xmlid)
        self.assertEqual(ast.literal_eval(action.context or "{}").get(f"search_default_{filter_name}"), 1)
        Model = self.env[action.res_model]
        search = etree.fromstring(Model.get_view(action.search_view_id.id, "search")["arch"])
        [date_filter] = search.xpath(f"//filter[@name='{filter_name}']")
        period = date_filter.get("default_period")
        self.assertTrue(period and period.startswith("custom_"), "a period of its own, not this month")
        [option] = date_filter.xpath(f"filter[@name='{period.removeprefix('custom_')}']")
        return ast.literal_eval(option.get("domain"))

    def test_dashboard_and_sla_compliance_open_on_twelve_months(self):
        today = fields.Date.context_today(self.Report)
        recent = self._ticket(at(FRIDAY, 9))
        old = self._ticket(at(FRIDAY, 9))
        self.env.flush_all()
        eleven_months = datetime.combine(today.replace(day=1) - relativedelta(months=11), datetime.min.time())
        thirteen_months = datetime.combine(today - relativedelta(months=13), datetime.min.time())
        for ticket, when in ((recent, eleven_months), (old, thirteen_months)):
            self.env.cr.execute("UPDATE service_ticket SET create_date = %s WHERE id = %s", [when, ticket.id])
            self.env.cr.execute("UPDATE service_ticket_sla SET start_date = %s WHERE ticket_id = %s", [when, ticket.id])
        self.env.invalidate_all()
        tickets = recent | old
        domain = self._default_period_domain(
            "service_desk.service_ticket_report_action_dashboard", "filter_create_date"
        )
        shown = self.Report.search([*domain, ("ticket_id", "in", tickets.ids)])
        self.assertEqual(shown.ticket_id, recent, "the month eleven months ago is in, thirteen months ago is out")
        domain = self._default_period_domain("service_desk.service_ticket_sla_action_analysis", "filter_start_date")
        lines = self.env["service.ticket.sla"].search([*domain, ("ticket_id", "in", tickets.ids)])
        self.assertEqual(lines.ticket_id, recent)
        graph = etree.fromstring(
            self.Report.get_view(self.env.ref("service_desk.service_ticket_report_view_graph_dashboard").id, "graph")[
                "arch"
            ]
        )
        self.assertEqual(graph.xpath("//field[@name='create_date']/@interval"), ["month"])

    def test_agents_cannot_read_the_analysis(self):
        self.assertFalse(self.Report.with_user(self.agent).has_access("read"))
        self.assertTrue(self.Report.with_user(self.escalation_user).has_access("read"))


@tagged("post_install", "-at_install")
class TestServiceReview(SlaCommon):
    def test_review_figures_and_rendering(self):
        answered = self._ticket(at(FRIDAY, 9), name="Answered in time")
        self._reply(answered, at(FRIDAY, 10))
        with self.at(at(FRIDAY, 12)):
            answered.stage_id = self.stage_resolved
        self._ticket(at(FRIDAY, 9), name="Still waiting")
        other = self._ticket(at(FRIDAY, 9), name="Other customer", partner_id=self.gold_customer.id)
        self.env.flush_all()
        data = {"date_from": "2026-11-01", "date_to": "2026-11-30"}
        Review = self.env["report.service_desk.report_service_review"]
        review = Review._get_report_values(self.customer.ids, data)["reviews"][self.customer.id]
        self.assertEqual((review["ticket_count"], review["resolved_count"], review["open_count"]), (2, 1, 1))
        self.assertEqual(review["first_response_median"], 1.0)
        self.assertNotIn(other, review["tickets"].ticket_id)
        html, __ = self.env["ir.actions.report"]._render_qweb_pdf(
            "service_desk.action_report_service_review", self.customer.ids, data=data
        )
        html = html.decode() if isinstance(html, bytes) else html
        self.assertIn("Answered in time", html)
        self.assertIn("Still waiting", html)
        self.assertNotIn("Other customer", html)
        outside = Review._get_report_values(self.customer.ids, {"date_from": "2026-12-01", "date_to": "2026-12-31"})
        self.assertEqual(outside["reviews"][self.customer.id]["ticket_count"], 0)

    def test_wizard_refuses_reversed_period(self):
        with self.assertRaises(UserError):
            self.env["service.review.wizard"].create(
                {
                    "partner_id": self.customer.id,
                    "date_from": "2026-12-01",
                    "date_to": "2026-11-01",
                }
            )


@tagged("post_install", "-at_install")
class TestServiceReviewPdf(HttpCase, ServiceDeskCommon):
    """The review printed as a user prints it: the wizard's action, through
    the report route the web client calls, rendered by wkhtmltopdf."""

    def _print_from_wizard(self, partner):
        wizard = self.env["service.review.wizard"].with_user(self.user_manager).create({"partner_id": partner.id})
        action = wizard.action_print()
        self.assertEqual(action["type"], "ir.actions.report")
        # the web client's URL of a report action with data: no ids in the path
        context = dict(action["context"], force_report_rendering=True)  # a PDF, not HTML, in tests
        query = urlencode({"options": json.dumps(action["data"]), "context": json.dumps(context)})
        self.authenticate(self.user_manager.login, self.user_manager.login)
        response = self.url_open(f"/report/pdf/{action['report_name']}?{query}", timeout=120)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        reader = PdfFileReader(io.BytesIO(response.content))
        return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)

    def test_review_printed_from_the_wizard_has_the_customer_and_figures(self):
        resolved = self._create_ticket(name="Scanner jams on thick paper", partner_id=self.customer_a_contact.id)
        self._create_ticket(name="Toner light blinks", partner_id=self.customer_a.id)
        self._create_ticket(name="Other customer's request", partner_id=self.customer_b.id)
        resolved.stage_id = self.stage_resolved
        resolved.rating_apply(4, token=resolved._rating_get_access_token())
        text = self._print_from_wizard(self.customer_a)
        self.assertIn(f"Service review: {self.customer_a.name}", text)
        for words in ("Scanner jams on thick paper", "Toner light blinks"):
            self.assertIn(words, text)
        self.assertNotIn("Other customer", text)
        self.assertRegex(text, r"Requests 2\b")
        self.assertRegex(text, r"Resolved 1\b")
        self.assertRegex(text, r"Still open 1\b")
        self.assertRegex(text, r"Satisfaction \(1 to 5\) 4\.0\b")
