"""The demo data tells a consistent story: what a new user sees first.

These tests read the demo (the test database is installed with it): a year
of history the reports can draw, conversations that make sense, customers in
their languages, and a desk that receives email."""

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tests.common import get_db_name
from odoo.tools import email_normalize

ROOT = Path(__file__).resolve().parent.parent


def _load_tool(name):
    """A script of tools/ as a module (tools/ is not part of the addon)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Ticket = cls.env["service.ticket"].with_context(active_test=False)
        # the demo's own tickets: the database is installed with demo data
        cls.tickets = cls.Ticket.search([])
        cls.assertTrue(cls, cls.env.ref("service_desk.ticket_siam_printer_jam", raise_if_not_found=False))
        cls.comment = cls.env.ref("mail.mt_comment")

    def _conversation(self, ticket):
        """The public messages of a ticket's conversation, oldest first."""
        return ticket.message_ids.filtered(
            lambda m: m.message_type in ("comment", "email") and m.subtype_id == self.comment
        ).sorted(lambda m: (m.date, m.id))

    def _is_customer(self, partner):
        return partner._service_is_customer_side()

    # ------------------------------------------------------------------
    # Conversations that make sense
    # ------------------------------------------------------------------

    def test_no_resolved_ticket_without_an_answer(self):
        """A finished ticket (resolved, closed or cancelled) was answered by
        an agent: a public reply, or an outbound contact logged on it. A
        merged ticket's conversation went to the ticket it was merged into."""
        finished = self.tickets.filtered(
            lambda t: (t.resolved_date or t.stage_id.is_resolved or t.stage_id.is_closed) and not t.merged_into_id
        )
        self.assertTrue(finished)
        unanswered = finished.filtered(
            lambda t: (
                not any(not self._is_customer(m.author_id) for m in self._conversation(t))
                and not t.interaction_ids.filtered(lambda i: i.direction == "outbound")
            )
        )
        self.assertFalse(unanswered.mapped("number"), "resolved without any answer to the customer")

    def test_answered_tickets_have_their_first_response(self):
        finished = self.tickets.filtered("resolved_date")
        self.assertFalse(finished.filtered(lambda t: not t.first_response_date).mapped("number"))

    def test_no_ticket_waiting_on_a_customer_who_answered(self):
        """A ticket waiting on the customer does not show the customer's
        message as the last word."""
        waiting = self.tickets.filtered(lambda t: t.stage_id.sla_pause and not t.stage_id.fold)
        self.assertTrue(waiting)
        wrong = waiting.filtered(
            lambda t: self._conversation(t) and self._is_customer(self._conversation(t)[-1].author_id)
        )
        self.assertFalse(wrong.mapped("number"), "waiting on the customer after the customer's answer")

    def test_every_demo_ticket_followed_by_its_customer(self):
        customers = self.tickets.filtered(lambda t: self._is_customer(t.partner_id))
        self.assertGreater(len(customers), 100)
        self.assertFalse(customers.filtered(lambda t: t.partner_id not in t.message_partner_ids).mapped("number"))

    def test_open_tickets_are_recent(self):
        """Today's open tickets (the XML's) are of the last weeks; the year
        before is history, all finished."""
        month_ago = fields.Datetime.now() - timedelta(days=45)
        open_tickets = self.tickets.filtered(lambda t: not (t.stage_id.is_resolved or t.stage_id.is_closed))
        self.assertTrue(open_tickets)
        self.assertFalse(open_tickets.filtered(lambda t: t.create_date < month_ago).mapped("number"))

    # ------------------------------------------------------------------
    # A year of history
    # ------------------------------------------------------------------

    def test_weekly_volume_of_each_team_over_the_year(self):
        """The volume forecast has a series to learn from: tickets in most
        weeks of the last year, for each of the demo's teams."""
        year_ago = fields.Datetime.now() - relativedelta(months=12)
        for xmlid in ("team_technical_support", "team_customer_care", "team_field_service"):
            team = self.env.ref(f"service_desk.{xmlid}")
            weeks = {
                t.create_date.isocalendar()[:2] for t in self.tickets if t.team_id == team and t.create_date >= year_ago
            }
            self.assertGreaterEqual(len(weeks), 25, f"{team.name}: tickets in only {len(weeks)} weeks")

    def test_sla_outcomes_decided_by_the_engine(self):
        """History tickets have targets planned from their creation and
        reached when they were answered and resolved: some met, some
        breached, each as its deadline says."""
        year_ago = fields.Datetime.now() - relativedelta(months=11)
        lines = self.tickets.filtered(lambda t: t.create_date < year_ago).sla_line_ids
        statuses = Counter(lines.mapped("status"))
        self.assertGreater(statuses["met"], statuses["breached"])
        self.assertGreater(statuses["breached"], 0)
        for line in lines:
            self.assertEqual(line.start_date, line.ticket_id.create_date)
            self.assertTrue(line.reached_date)
            expected = "met" if line.reached_date <= line.deadline else "breached"
            self.assertEqual(line.status, expected, line.display_name)
        self.assertTrue(any(lines.ticket_id.mapped("first_response_hours")), "working hours to answer, computed")

    def test_ratings_over_the_year(self):
        """Customers rated 1 to 5 all year long: satisfaction by month has
        a point for (almost) every month."""
        ratings = self.env["rating.rating"].search(
            [("res_model", "=", "service.ticket"), ("consumed", "=", True), ("rating", ">", 0)]
        )
        months = {r.rated_on.strftime("%Y-%m") for r in ratings if r.rated_on}
        self.assertGreaterEqual(len(months), 10)
        self.assertEqual(set(ratings.mapped("rating")), {1.0, 3.0, 5.0})

    def test_sales_over_the_year(self):
        """Customers buy all year long: the buying trends have a shape."""
        year_ago = fields.Datetime.now() - relativedelta(months=12)
        orders = self.env["sale.order"].search([("state", "=", "sale"), ("date_order", ">=", year_ago)])
        self.assertGreaterEqual(len({o.date_order.strftime("%Y-%m") for o in orders}), 10)
        delivered = orders.picking_ids.filtered(lambda p: p.state == "done")
        self.assertTrue(delivered)
        self.assertGreaterEqual(len({p.date_done.strftime("%Y-%m") for p in delivered}), 10)

    def test_some_customers_at_risk_not_all(self):
        """Customers answered late and unhappy are listed at risk; others,
        served well all year, are not."""
        at_risk = self.env["res.partner"].search([("service_at_risk", "=", True)]).commercial_partner_id
        for xmlid in ("partner_jinqiao_logistics", "partner_farmacias_del_sol"):
            self.assertIn(self.env.ref(f"service_desk.{xmlid}"), at_risk)
        for xmlid in ("partner_clinica_vida", "partner_brightwater_schools"):
            self.assertNotIn(self.env.ref(f"service_desk.{xmlid}"), at_risk)

    def test_merged_pair_shows_one_ticket_on_the_portal(self):
        again = self.env.ref("service_desk.ticket_harbor_blank_pages_again")
        kept = self.env.ref("service_desk.ticket_harbor_blank_pages")
        self.assertEqual(again.merged_into_id, kept)
        self.assertTrue(again.is_closed)
        portal = self.env.ref("base.demo_user0")
        listed = (
            self.env["service.ticket"]
            .with_user(portal)
            .search(self.env["service.ticket"]._portal_filter_domains()["all"])
        )
        self.assertIn(kept, listed)
        self.assertNotIn(again, listed, "the customer sees one ticket")

    # ------------------------------------------------------------------
    # After-sales remedies, made through the ticket's buttons
    # ------------------------------------------------------------------

    def test_remedies_on_their_tickets(self):
        """A return with exchange, a partial credit note, a free warranty
        repair and a paid one: each done as far as its story goes and linked
        to its ticket both ways."""
        ref = self.env.ref
        # return with exchange: return received, replacement shipped under a new serial
        ticket = ref("service_desk.ticket_andina_printer_return")
        old_lot, new_lot = ref("service_desk.lot_cx220_04"), ref("service_desk.lot_cx220_07")
        returned = ticket.picking_ids.filtered(lambda p: p.service_remedy_kind == "return")
        replacement = ticket.picking_ids.filtered(lambda p: p.service_remedy_kind == "replacement")
        self.assertEqual((len(returned), len(replacement)), (1, 1))
        self.assertEqual((returned.state, replacement.state), ("done", "done"))
        self.assertEqual(returned.move_line_ids.lot_id, old_lot)
        self.assertEqual(replacement.move_line_ids.lot_id, new_lot)
        self.assertEqual(replacement.picking_type_id.code, "outgoing")
        Warranty = self.env["service.warranty"]
        old, new = Warranty.search([("lot_id", "=", old_lot.id)]), Warranty.search([("lot_id", "=", new_lot.id)])
        self.assertEqual(old.state, "returned")
        self.assertEqual(new.replaced_warranty_id, old, "the replacement's warranty continues the old one's")
        self.assertEqual(new.end_date, old.end_date)
        self.assertEqual(new_lot.service_owner_id, ticket.commercial_partner_id)
        self.assertFalse(old_lot.service_owner_id)
        self.assertEqual(ticket.picking_count, 2)
        # partial credit note: two of the six invoiced toner cartridges
        ticket = ref("service_desk.ticket_clinica_toner")
        credit = ticket.credit_note_ids
        self.assertEqual(len(credit), 1)
        self.assertEqual((credit.move_type, credit.state), ("out_refund", "posted"))
        self.assertEqual(credit.reversed_entry_id.invoice_line_ids.sale_line_ids.order_id, ticket.sale_order_id)
        self.assertEqual(credit.invoice_line_ids.product_id, ticket.product_id)
        self.assertEqual(credit.invoice_line_ids.quantity, 2.0)
        invoiced = credit.reversed_entry_id.invoice_line_ids.filtered(lambda line: line.product_id == ticket.product_id)
        self.assertEqual(invoiced.quantity, 6.0, "part of the quantity invoiced")
        self.assertTrue(ticket.team_id.credit_note_approval_amount, "a team with an approval amount")
        # free warranty repair, under repair (Odoo's repair tests delete every repair, a done one refuses)
        ticket = ref("service_desk.ticket_papelaria_no_power")
        repair = ticket.repair_ids
        self.assertEqual(len(repair), 1)
        self.assertTrue(repair.under_warranty)
        self.assertEqual((repair.state, repair.lot_id), ("under_repair", ticket.lot_id))
        # paid repair out of warranty: confirmed with a part, its quotation sent
        ticket = ref("service_desk.ticket_jinqiao_printer_jam")
        repair = ticket.repair_ids
        self.assertEqual(len(repair), 1)
        self.assertFalse(ticket.under_warranty)
        self.assertFalse(repair.under_warranty)
        self.assertEqual(repair.state, "confirmed")
        self.assertEqual(repair.move_ids.product_id, ref("service_desk.product_fuser_lp400"))
        self.assertEqual(repair.sale_order_id.state, "sent")
        self.assertEqual(repair.sale_order_id.order_line.product_id, ref("service_desk.product_fuser_lp400"))
        self.assertEqual((ticket.repair_count, ticket.credit_note_count), (1, 0))
        self.assertTrue(
            ticket.message_ids.filtered(lambda m: repair.sale_order_id.name in (m.body or "")),
            "the ticket's chatter records the quotation",
        )

    # ------------------------------------------------------------------
    # The customers' languages
    # ------------------------------------------------------------------

    def test_help_center_finds_thai_and_chinese_words_inside_sentences(self):
        article = self.env.ref("service_desk.article_printer_jams_often")
        Article = self.env["service.article"]
        portal = Article._portal_domain()
        for lang, query in (("th_TH", "กระดาษติด"), ("th_TH", "บ่อย"), ("zh_CN", "卡纸"), ("zh_CN", "固件")):
            with self.subTest(lang=lang, query=query):
                found = Article.with_context(lang=lang).search_articles(query, limit=5, domain=portal)
                self.assertIn(article, found)
        self.assertEqual(article.with_context(lang="zh_CN").name, "打印机经常卡纸怎么办")

    def test_customers_languages_installed_with_odoos_translations(self):
        langs = {"th_TH": "partner_siam_office_kanya", "pt_BR": "partner_clinica_vida_rafael"}
        langs |= {"es_ES": "partner_hotel_costa_brava_jordi", "zh_CN": "partner_jinqiao_logistics_lina"}
        Fields = self.env["ir.model.fields"]
        for code, partner in langs.items():
            self.assertTrue(self.env["res.lang"]._lang_get(code).active, code)
            self.assertEqual(self.env.ref(f"service_desk.{partner}").lang, code)
            # Odoo's own terms (base, sale), not only the addon's
            for model, fname in (("res.partner", "name"), ("sale.order", "date_order")):
                label = Fields._get(model, fname)
                self.assertNotEqual(label.with_context(lang=code).field_description, label.field_description, code)
            stage = self.env.ref("service_desk.stage_in_progress")
            self.assertNotEqual(stage.with_context(lang=code).name, stage.name, code)

    # ------------------------------------------------------------------
    # Email out of the box
    # ------------------------------------------------------------------

    def test_demo_receives_email(self):
        domain = self.env.ref("service_desk.mail_alias_domain_demo")
        self.assertEqual(self.env.company.alias_domain_id, domain)
        support = self.env.ref("service_desk.team_technical_support")
        self.assertEqual(support.alias_email, f"support@{domain.name}")

    def test_sample_email_creates_a_ticket_in_the_team(self):
        """`make mail-demo` feeds this email to message_process, as the mail
        gateway does: a ticket of the team whose alias it was sent to."""
        tool = _load_tool("send_sample_email")
        care = self.env.ref("service_desk.team_customer_care")
        for team, to in (
            (self.env.ref("service_desk.team_technical_support"), tool.DEFAULT_TO),
            (care, care.alias_email),
        ):
            raw = tool.sample_email(to=to)
            ticket_id = self.env["mail.thread"].message_process(False, raw)
            ticket = self.Ticket.browse(ticket_id).exists()
            self.assertTrue(ticket)
            self.assertEqual(ticket.team_id, team)
            self.assertEqual(ticket.name, tool.DEFAULT_SUBJECT)
            self.assertEqual(email_normalize(ticket.partner_email), "kofi.mensah@accra-office.example.com")


@tagged("post_install", "-at_install")
class TestMakeDemo(TransactionCase):
    def test_make_demo_refuses_another_checkouts_database(self):
        """`make demo` from a second checkout does not reuse (and upgrade)
        a demo database the first one made: it stops and says why. The
        check runs on this test database, made by `make test` in another
        directory than the copy of tools/ below."""
        with tempfile.TemporaryDirectory() as other:
            shutil.copytree(ROOT / "tools", f"{other}/tools")
            run = subprocess.run(
                [
                    "bash",
                    "-c",
                    'source "$1/tools/common.sh"; sd_odoo_options; sd_check_demo_checkout "$2"; echo reused',
                    "check",
                    other,
                    get_db_name(),
                ],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
                env=dict(os.environ, PYTHON=sys.executable),
            )
        self.assertNotEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertNotIn("reused", run.stdout)
        self.assertIn("was made by another checkout", run.stderr)
        self.assertIn("make drop-demo", run.stderr)


@tagged("post_install", "-at_install")
class TestDemoPortalLanguage(HttpCase):
    def test_thai_customer_reads_the_portal_in_thai(self):
        kanya = self.env.ref("service_desk.user_portal_kanya")
        self.assertEqual(kanya.lang, "th_TH")
        self.assertTrue(kanya._is_portal())
        self.authenticate("kanya", "kanya")
        page = self.url_open("/my/service/tickets")
        self.assertEqual(page.status_code, 200)
        # Odoo's own words in Thai ("Copyright"), not only the addon's
        self.assertIn("ลิขสิทธิ์", page.text)
        self.assertIn(self.env.ref("service_desk.ticket_siam_printer_jam").name, page.text)
