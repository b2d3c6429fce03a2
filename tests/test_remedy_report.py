"""The cost of service and the return rate (issue 20, 360° and analytics):
rows of real remedies made through the ticket's buttons, as agents make
them, read by managers only."""

from datetime import timedelta

from freezegun import freeze_time
from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import Customer360Common


class RemedyReportCommon(Customer360Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.category = cls.env["product.category"].create({"name": "SD Scanners and spares"})
        cls.product_serial.write({"invoice_policy": "order", "standard_price": 300.0, "categ_id": cls.category.id})
        cls.product_untracked.write({"invoice_policy": "order", "standard_price": 25.0, "categ_id": cls.category.id})
        cls.team_a.credit_note_approval_amount = 0.0
        cls.products = cls.product_serial | cls.product_untracked

    def _ticket(self, **values):
        values.setdefault("partner_id", self.customer_a_contact.id)
        ticket = self._create_ticket(**values)
        ticket.user_id = self.user_agent_a
        return ticket

    @classmethod
    def _serial_sold(cls, partner, names):
        lots = cls._stock_serials(cls.product_serial, names)
        order = cls._sell(partner, [(cls.product_serial, len(names))])
        return order, cls._deliver(order, lots=lots), lots

    def _return_wizard(self, ticket):
        action = ticket.with_user(self.user_agent_a).action_service_return()
        view = self.env.ref("service_desk.stock_return_picking_view_form_service")
        Wizard = self.env["stock.return.picking"].with_user(self.user_agent_a).with_context(**action["context"])
        return Form(Wizard, view=view).save()

    def _credit(self, ticket, quantity):
        action = ticket.with_user(self.user_agent_a).action_service_credit_note()
        view = self.env.ref("service_desk.account_move_reversal_view_form_service")
        Wizard = self.env["account.move.reversal"].with_user(self.user_agent_a).with_context(**action["context"])
        form = Form(Wizard, view=view)
        form.reason = "Defective"
        form.service_quantity = quantity
        form.save().refund_moves()

    def _receive(self, picking):
        picking = picking.sudo()
        picking.move_ids.picked = True
        picking.with_context(skip_backorder=True, skip_sms=True).button_validate()
        self.assertEqual(picking.state, "done")

    def _confirm_repair(self, repair):
        action = repair.action_validate()
        if isinstance(action, dict):
            self.env[action["res_model"]].with_context(**action["context"]).create({}).action_done()

    def _rows(self, domain=(), user=None):
        Report = self.env["service.remedy.report"].with_user(user or self.user_manager)
        return Report.search([("ticket_id.partner_id", "in", self.customer_a_contact.ids), *domain])


@tagged("post_install", "-at_install")
class TestCostOfService(RemedyReportCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # an exchange of a serial under warranty: the return received, the replacement shipped
        with freeze_time("2026-01-15 10:00:00"):
            cls.order_serial, _delivery, cls.lots = cls._serial_sold(cls.customer_a_contact, ["SDC-1"])
        cls.new_lot = cls._stock_serials(cls.product_serial, ["SDC-NEW"])
        with freeze_time("2024-01-15 10:00:00"):
            __, __, cls.old_lot = cls._serial_sold(cls.customer_a_contact, ["SDC-OLD"])
        __, __, cls.covered_lot = cls._serial_sold(cls.customer_a_contact, ["SDC-COVERED"])
        # three power supplies sold and invoiced
        cls._stock(cls.product_untracked, 3)
        cls.order_untracked = cls._sell(cls.customer_a_contact, [(cls.product_untracked, 3)])
        cls._deliver(cls.order_untracked)
        cls.invoice = cls.order_untracked._create_invoices()
        cls.invoice.action_post()

    def test_each_remedy_is_a_row_with_its_amount(self):
        with freeze_time("2026-05-04 10:00:00"):
            exchange = self._ticket(ticket_type="return", lot_id=self.lots.id, sale_order_id=self.order_serial.id)
            self._return_wizard(exchange).action_create_exchanges()
            returned = exchange.picking_ids.filtered(lambda p: p.service_remedy_kind == "return")
            replacement = exchange.picking_ids.filtered(lambda p: p.service_remedy_kind == "replacement")
            self.env.flush_all()
            self.assertFalse(self._rows(), "nothing done yet: no return received, nothing shipped")
            self._receive(returned)
            self._validate(replacement.sudo(), lots=self.new_lot)
            refund = self._ticket(
                ticket_type="refund", sale_order_id=self.order_untracked.id, product_id=self.product_untracked.id
            )
            self._credit(refund, 1)
        # tickets are dated by the transaction (their create_date), not by freeze_time
        free = self._ticket(ticket_type="incident", lot_id=self.covered_lot.id)
        self.assertTrue(free.under_warranty)
        free.with_user(self.user_agent_a).action_service_repair()
        paid = self._ticket(ticket_type="incident", lot_id=self.old_lot.id)
        self.assertFalse(paid.under_warranty)
        paid.with_user(self.user_agent_a).action_service_repair()
        repair = paid.repair_ids.sudo()
        repair.move_ids = [
            Command.create({"product_id": self.product_untracked.id, "product_uom_qty": 2, "repair_line_type": "add"})
        ]
        self._stock(self.product_untracked, 2)
        self._confirm_repair(repair)
        quotation = repair.sale_order_id
        self.assertTrue(quotation)
        self.env.flush_all()

        rows = self._rows()
        by_kind = {row.kind: row for row in rows}
        self.assertEqual(sorted(by_kind), ["refund", "repair_free", "repair_paid", "replacement", "return"])
        self.assertEqual(len(rows), 5)
        for row in rows:
            self.assertEqual(row.partner_id, self.customer_a, "the customer is the commercial partner")
            self.assertEqual(row.team_id, self.team_a)
            self.assertEqual(row.product_category_id, self.category)
            self.assertEqual(row.remedy_count, 1)

        credit = refund.credit_note_ids
        self.assertEqual(by_kind["refund"].credit_note_id, credit)
        self.assertEqual(by_kind["refund"].product_id, self.product_untracked)
        self.assertAlmostEqual(by_kind["refund"].amount, credit.amount_untaxed)
        self.assertAlmostEqual(by_kind["refund"].amount, 40.0, msg="one unit at 40, untaxed")
        self.assertAlmostEqual(by_kind["refund"].refund_amount, 40.0)
        self.assertEqual(str(by_kind["refund"].date), "2026-05-04")

        self.assertEqual(by_kind["replacement"].picking_id, replacement)
        self.assertEqual(by_kind["replacement"].quantity, 1.0)
        self.assertAlmostEqual(by_kind["replacement"].replacement_cost, 300.0, msg="one unit at its cost")

        self.assertEqual(by_kind["return"].picking_id, returned)
        self.assertEqual(by_kind["return"].return_quantity, 1.0)
        self.assertEqual(by_kind["return"].amount, 0.0)

        self.assertEqual(by_kind["repair_free"].repair_id, free.repair_ids)
        self.assertEqual(by_kind["repair_free"].repair_free_count, 1)
        self.assertEqual(by_kind["repair_free"].amount, 0.0, "a free repair quotes nothing")
        self.assertEqual(by_kind["repair_paid"].repair_paid_count, 1)
        self.assertGreater(quotation.amount_untaxed, 0)
        self.assertAlmostEqual(by_kind["repair_paid"].repair_paid_amount, quotation.amount_untaxed)
        self.assertEqual(
            by_kind["repair_paid"].date,
            fields.Datetime.context_timestamp(self.user_manager, paid.create_date).date(),
            "its creation's day for the manager, in Brussels",
        )

        # the cost of service adds the refunds and the replacements at cost, per product and month
        Report = self.env["service.remedy.report"].with_user(self.user_manager)
        domain = [("partner_id", "=", self.customer_a.id)]
        totals = dict(Report._read_group(domain, ["product_id"], ["cost_amount:sum"]))
        self.assertAlmostEqual(totals[self.product_serial], 300.0)
        self.assertAlmostEqual(totals[self.product_untracked], 40.0)
        [(cost, free_count, paid_count)] = Report._read_group(
            domain, [], ["cost_amount:sum", "repair_free_count:sum", "repair_paid_count:sum"]
        )
        self.assertAlmostEqual(cost, 340.0)
        self.assertEqual((free_count, paid_count), (1, 1))
        months = dict(Report._read_group(domain, ["date:month"], ["__count"]))
        self.assertEqual(months[by_kind["refund"].date.replace(day=1)], 3, "May: the return, replacement and refund")
        for groupby in ("product_category_id", "partner_id", "team_id", "kind"):
            self.assertTrue(Report._read_group(domain, [groupby], ["amount:sum"]))
        self.assertEqual(by_kind["refund"].action_open_document()["res_id"], credit.id)

    def test_draft_credit_note_and_cancelled_repair_are_not_counted(self):
        self.team_a.credit_note_approval_amount = 10.0
        refund = self._ticket(
            ticket_type="refund", sale_order_id=self.order_untracked.id, product_id=self.product_untracked.id
        )
        self._credit(refund, 1)
        self.assertEqual(refund.credit_note_ids.state, "draft", "waits for a manager's approval")
        repair_ticket = self._ticket(ticket_type="incident", lot_id=self.lots.id)
        repair_ticket.with_user(self.user_agent_a).action_service_repair()
        repair_ticket.repair_ids.sudo().action_repair_cancel()
        self.env.flush_all()
        self.assertFalse(self._rows())
        refund.with_user(self.user_manager).action_service_approve_credit_notes()
        self.env.flush_all()
        self.assertEqual(self._rows().mapped("kind"), ["refund"])

    def test_managers_only(self):
        with self.assertRaises(AccessError):
            self.env["service.remedy.report"].with_user(self.user_agent_a).search([])
        with self.assertRaises(AccessError):
            self.env["service.return.rate.report"].with_user(self.user_agent_a).search([])
        self.env["service.remedy.report"].with_user(self.user_manager).search([])
        self.env["service.return.rate.report"].with_user(self.user_manager).search([])


@tagged("post_install", "-at_install")
class TestReturnRate(RemedyReportCommon):
    def test_returned_over_delivered_per_product_and_category(self):
        self._stock(self.product_untracked, 10)
        order = self._sell(self.customer_a, [(self.product_untracked, 10)])
        delivery = self._deliver(order)
        self._return(delivery, {self.product_untracked: 2})
        _order, delivery, lots = self._serial_sold(self.customer_b, ["SDRR-1", "SDRR-2"])
        self._return(delivery, {self.product_serial: 1}, lots=lots[0])
        never_delivered = self.env["product.product"].create(
            {"name": "SD Spare never sold", "type": "consu", "is_storable": True, "categ_id": self.category.id}
        )
        self.env.flush_all()
        Report = self.env["service.return.rate.report"].with_user(self.user_manager)
        domain = [("product_category_id", "=", self.category.id)]
        rows = {
            product: (delivered, returned, rate)
            for product, delivered, returned, rate in Report._read_group(
                domain,
                ["product_id"],
                ["delivered_quantity:sum", "returned_quantity:sum", "return_rate:return_rate"],
            )
        }
        self.assertEqual(rows[self.product_untracked], (10.0, 2.0, 20.0))
        self.assertEqual(rows[self.product_serial], (2.0, 1.0, 50.0))
        self.assertNotIn(never_delivered, rows, "only products delivered")
        [(__, rate)] = Report._read_group(domain, ["product_category_id"], ["return_rate:return_rate"])
        self.assertAlmostEqual(rate, 100.0 * 3 / 12, msg="weighted by what was delivered, not a mean of rates")
        row = Report.search([("product_id", "=", self.product_untracked.id)])
        self.assertEqual(row.return_rate, 20.0)


@tagged("post_install", "-at_install")
class TestRemediesOnTheCustomer(RemedyReportCommon):
    """The customer's Service tab and its service review show the remedies of
    its tickets."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time("2024-01-15 10:00:00"):
            cls.order_old, __, cls.old_lot = cls._serial_sold(cls.customer_a_contact, ["SDV-OLD"])
        cls.order_new, __, cls.lots = cls._serial_sold(cls.customer_a_contact, ["SDV-1", "SDV-2"])
        cls.order_new._create_invoices().action_post()

    def _make_remedies(self):
        returned = self._ticket(ticket_type="return", lot_id=self.lots[0].id, sale_order_id=self.order_new.id)
        self._return_wizard(returned).action_create_returns()
        self._receive(returned.picking_ids)
        refund = self._ticket(ticket_type="refund", sale_order_id=self.order_new.id, product_id=self.product_serial.id)
        self._credit(refund, 1)
        free = self._ticket(ticket_type="incident", lot_id=self.lots[1].id)
        free.with_user(self.user_agent_a).action_service_repair()
        paid = self._ticket(ticket_type="incident", lot_id=self.old_lot.id)
        paid.with_user(self.user_agent_a).action_service_repair()
        self.env.flush_all()
        return returned.picking_ids, refund.credit_note_ids, free.repair_ids | paid.repair_ids

    def test_service_tab_counts_and_opens_the_remedies(self):
        pickings, credit_notes, repairs = self._make_remedies()
        self.assertAlmostEqual(credit_notes.amount_untaxed, 500.0)
        for user in (self.user_agent_a, self.user_manager):
            for customer in (self.customer_a, self.customer_a_contact):
                partner = customer.with_user(user)
                self.assertEqual(partner.service_return_count, 1)
                self.assertEqual(partner.service_credit_note_count, 1)
                self.assertAlmostEqual(partner.service_credit_note_amount, 500.0)
                self.assertEqual(partner.service_repair_count, 2)
                self.assertEqual(partner.service_repair_free_count, 1)
        customer = self.customer_a.with_user(self.user_agent_a)
        for action, records in (
            (customer.action_open_service_returns(), pickings),
            (customer.action_open_service_credit_notes(), credit_notes),
            (customer.action_open_service_repairs(), repairs),
        ):
            found = self.env[action["res_model"]].with_user(self.user_agent_a).search(action["domain"])
            self.assertEqual(found, records)
        # an agent of another team counts none of them: they cannot open them
        self.assertEqual(self.customer_a.with_user(self.user_agent_b).service_return_count, 0)
        self.assertEqual(self.customer_a.with_user(self.user_agent_b).service_repair_count, 0)
        self.assertEqual(self.customer_b.with_user(self.user_manager).service_repair_count, 0)

    def test_service_review_has_a_remedies_section(self):
        self._make_remedies()
        Review = self.env["report.service_desk.report_service_review"].with_user(self.user_manager)
        # the days around the transaction's: its remedies fall on its day in
        # the manager's time zone (Brussels), whatever the hour in UTC
        today = self.env.cr.now().date()
        data = {"date_from": str(today - timedelta(days=1)), "date_to": str(today + timedelta(days=1))}
        remedies = Review._get_report_values(self.customer_a.ids, data)["remedies"][self.customer_a.id]
        self.assertEqual(remedies["returned"], 1.0)
        self.assertEqual(remedies["credit_note_count"], 1)
        self.assertAlmostEqual(remedies["credited"], 500.0)
        self.assertEqual((remedies["repair_free_count"], remedies["repair_paid_count"]), (1, 1))
        html = (
            self.env["ir.actions.report"]
            .with_user(self.user_manager)
            ._render_qweb_html("service_desk.report_service_review", self.customer_a.ids, data=data)[0]
            .decode()
        )
        self.assertIn("o_service_review_remedies", html)
        self.assertIn("Repairs free of charge", html)
        before = {"date_from": "2025-01-01", "date_to": "2025-01-31"}
        self.assertIsNone(Review._get_report_values(self.customer_a.ids, before)["remedies"][self.customer_a.id])

    def test_remedies_and_reviewed_tickets_are_dated_in_the_readers_time_zone(self):
        # everything happens at 23:30 UTC on 31 May: already 1 June in
        # Bangkok (UTC+7), still 31 May in Sao Paulo (UTC-3)
        moment = "2026-05-31 23:30:00"
        with freeze_time(moment):
            pickings, credit_note, repairs = self._make_remedies()
        self.env.cr.execute("UPDATE repair_order SET create_date = %s WHERE id = ANY(%s)", [moment, repairs.ids])
        self.env.cr.execute(
            "UPDATE service_ticket SET create_date = %s WHERE id = %s", [moment, pickings.service_ticket_id.id]
        )
        self.env.invalidate_all()
        self.assertEqual(str(credit_note.date), "2026-06-01", "its accounting date, in its author's Brussels")

        def dates(tz):
            self.env.invalidate_all()  # as between two requests: a report's row is read in one time zone
            rows = self._rows(user=self.user_manager.with_context(tz=tz))
            return {row.kind: str(row.date) for row in rows.with_context(tz=tz)}

        self.assertEqual(
            dates("Asia/Bangkok"),
            {"return": "2026-06-01", "refund": "2026-06-01", "repair_free": "2026-06-01", "repair_paid": "2026-06-01"},
        )
        self.assertEqual(
            dates("America/Sao_Paulo"),
            {"return": "2026-05-31", "refund": "2026-06-01", "repair_free": "2026-05-31", "repair_paid": "2026-05-31"},
        )
        # the return rate's month of the return is June in Bangkok, May in Sao Paulo
        for tz, month in (("Asia/Bangkok", "2026-06-01"), ("America/Sao_Paulo", "2026-05-01")):
            self.env.invalidate_all()
            ReturnRate = self.env["service.return.rate.report"].with_user(self.user_manager).with_context(tz=tz)
            returned = ReturnRate.search([("product_id", "=", self.product_serial.id), ("returned_quantity", ">", 0)])
            self.assertEqual([str(row.date) for row in returned], [month], tz)

        # the review of 1 June counts the ticket and its return in Bangkok only
        first_june = {"date_from": "2026-06-01", "date_to": "2026-06-01"}
        for tz, tickets, returned, repairs_count in (("Asia/Bangkok", 1, 1.0, 2), ("America/Sao_Paulo", 0, 0.0, 0)):
            Review = self.env["report.service_desk.report_service_review"].with_user(self.user_manager)
            values = Review.with_context(tz=tz)._get_report_values(self.customer_a.ids, first_june)
            review = values["reviews"][self.customer_a.id]
            self.assertEqual(review["ticket_count"], tickets, tz)
            self.assertEqual(review["tickets"].ticket_id, pickings.service_ticket_id[:tickets], tz)
            remedies = values["remedies"][self.customer_a.id]
            self.assertEqual(remedies["returned"], returned, tz)
            self.assertEqual(remedies["credit_note_count"], 1, tz)
            self.assertEqual(remedies["repair_free_count"] + remedies["repair_paid_count"], repairs_count, tz)


@tagged("post_install", "-at_install")
class TestTicketWithRemediesQueries(RemedyReportCommon):
    """Opening a ticket with its remedies costs the same queries however many
    orders its customer placed."""

    def _form_spec(self, user):
        """What the web client reads to show the ticket's form to `user`:
        the form's fields, many2one names and the lines of its lists."""
        Ticket = self.env["service.ticket"].with_user(user)
        view = Ticket.get_views([(False, "form")])["views"]["form"]
        arch = etree.fromstring(view["arch"])
        fields_info = Ticket.fields_get()

        def spec_of(node, model_fields):
            spec = {}
            for field in node.iter("field"):
                if any(ancestor.tag == "field" for ancestor in field.iterancestors()) and node.tag != "field":
                    continue
                name = field.get("name")
                info = model_fields.get(name)
                if not info:
                    continue
                if info["type"] == "many2one":
                    spec[name] = {"fields": {"display_name": {}}}
                elif info["type"] in ("one2many", "many2many"):
                    comodel = self.env[info["relation"]].with_user(user)
                    inner = field.find("list")
                    sub = spec_of(inner, comodel.fields_get()) if inner is not None else {}
                    spec[name] = {"fields": sub or {"display_name": {}}}
                else:
                    spec[name] = {}
            return spec

        return spec_of(arch, fields_info)

    def _queries_to_open(self, ticket, spec):
        self.env.invalidate_all()
        self.env.cr.flush()
        before = self.env.cr.sql_log_count
        ticket.with_user(self.user_agent_a).web_read(spec)
        self.env.cr.flush()
        return self.env.cr.sql_log_count - before

    def _orders(self, count):
        orders = self.env["sale.order"].create(
            [
                {
                    "partner_id": self.customer_a_contact.id,
                    "order_line": [Command.create({"product_id": self.product_untracked.id, "product_uom_qty": 1})],
                }
                for __ in range(count)
            ]
        )
        orders.write({"state": "sale"})
        self.env.flush_all()

    def test_same_queries_with_5_or_100_orders(self):
        order, __, lots = self._serial_sold(self.customer_a_contact, ["SDQ-1"])
        order._create_invoices().action_post()
        ticket = self._ticket(ticket_type="return", lot_id=lots.id, sale_order_id=order.id)
        self._return_wizard(ticket).action_create_returns()
        self._credit(ticket, 1)
        ticket.with_user(self.user_agent_a).action_service_repair()
        self.assertEqual((ticket.picking_count, ticket.credit_note_count, ticket.repair_count), (1, 1, 1))
        spec = self._form_spec(self.user_agent_a)
        for name in ("picking_ids", "credit_note_ids", "repair_ids", "picking_count", "credit_note_count"):
            self.assertIn(name, spec)
        self._orders(4)
        self._queries_to_open(ticket, spec)  # warm-up
        with_5 = self._queries_to_open(ticket, spec)
        self._orders(95)
        self.assertEqual(self.env["sale.order"].search_count([("partner_id", "=", self.customer_a_contact.id)]), 100)
        self._queries_to_open(ticket, spec)
        with_100 = self._queries_to_open(ticket, spec)
        self.assertEqual(with_100, with_5)


@tagged("post_install", "-at_install")
class TestReturnReceiptQueries(RemedyReportCommon):
    """Receiving a return of serials marks their warranties returned in the
    same queries whatever the number of serials."""

    def _queries_to_mark_returned(self, names):
        _order, delivery, lots = self._serial_sold(self.customer_a, names)
        returned = self._return(delivery, {self.product_serial: len(names)}, lots=lots)
        warranties = self.env["service.warranty"].search([("lot_id", "in", lots.ids)])
        self.assertEqual(set(warranties.mapped("state")), {"returned"})
        warranties.return_date = False
        self.env.flush_all()
        self.env.invalidate_all()
        self.env.cr.flush()
        before = self.env.cr.sql_log_count
        self.env["service.warranty"]._apply_returns(returned.move_line_ids)
        self.env.flush_all()
        self.env.cr.flush()
        count = self.env.cr.sql_log_count - before
        self.assertEqual(set(warranties.mapped("state")), {"returned"})
        return count

    def test_marking_warranties_returned_does_not_query_per_serial(self):
        self._queries_to_mark_returned(["SDQR-W1"])  # warm-up
        two = self._queries_to_mark_returned(["SDQR-A1", "SDQR-A2"])
        ten = self._queries_to_mark_returned([f"SDQR-B{i}" for i in range(10)])
        self.assertEqual(ten, two)
