"""The customer asks for a return, exchange, refund or repair on the portal
and follows each remedy on the ticket page (issue 20, "Portal")."""

import base64

from lxml import etree

from odoo import Command, http
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import Customer360Common

# a 1×1 transparent PNG
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


class RemedyPortalCommon(Customer360Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["service.team"].search([("portal_visible", "=", True)]).portal_visible = False
        cls.team_a.portal_visible = True
        cls.product_serial.write({"invoice_policy": "order"})
        cls.product_untracked.write({"invoice_policy": "order"})
        # customer A (portal user Paula's company): two serials and five power supplies on one order
        cls.lots_a = cls._stock_serials(cls.product_serial, ["SDRP-A1", "SDRP-A2"])
        cls._stock(cls.product_untracked, 5)
        cls.order_a = cls._sell(cls.customer_a_contact, [(cls.product_serial, 2), (cls.product_untracked, 5)])
        cls.delivery_a = cls._deliver(cls.order_a, lots=cls.lots_a)
        cls.move_serial_a = cls.delivery_a.move_ids.filtered(lambda m: m.product_id == cls.product_serial)
        cls.move_untracked_a = cls.delivery_a.move_ids - cls.move_serial_a
        # customer B: one serial
        cls.lot_b = cls._stock_serials(cls.product_serial, ["SDRP-B1"])
        cls.order_b = cls._sell(cls.customer_b_contact, [(cls.product_serial, 1)])
        cls.delivery_b = cls._deliver(cls.order_b, lots=cls.lot_b)

    def _tickets(self):
        return self.env["service.ticket"].search([("remedy_request", "!=", False)])

    def _request(self, remedy="return", lines=(), reason="It arrived broken", photos=(), csrf=True, **extra):
        """POST the form as the logged-in customer; `lines`: [(move, lot, quantity)]."""
        data = [("remedy", remedy), ("reason", reason)]
        for move, lot, quantity in lines:
            key = f"{move.id}-{lot.id if lot else 0}"
            data += [("line", key), (f"quantity_{key}", str(quantity))]
        data += list(extra.items())
        if csrf:
            data.append(("csrf_token", http.Request.csrf_token(self)))
        files = [("photos", (name, content, mimetype)) for name, content, mimetype in photos]
        return self.url_open("/my/service/remedy", data=data, files=files or None, allow_redirects=False)

    def _receive(self, picking):
        picking = picking.sudo()
        picking.move_ids.picked = True
        picking.with_context(skip_backorder=True, skip_sms=True).button_validate()
        self.assertEqual(picking.state, "done")
        return picking

    def _return_as_agent(self, ticket, exchange=False):
        """What the agent does: the ticket's return wizard, as it proposes it."""
        action = ticket.with_user(self.user_manager).action_service_return()
        wizard = (
            self.env["stock.return.picking"].with_user(self.user_manager).with_context(**action["context"]).create({})
        )
        proposed = {(line.move_id, line.quantity) for line in wizard.product_return_moves if line.quantity}
        if exchange:
            wizard.action_create_exchanges()
        else:
            wizard.action_create_returns()
        return proposed


@tagged("post_install", "-at_install")
class TestRemedyRequest(HttpCase, RemedyPortalCommon):
    def test_form_lists_own_deliveries_with_what_is_left(self):
        self.authenticate(self.user_portal_a.login, self.user_portal_a.login)
        page = self.url_open("/my/service/remedy")
        self.assertEqual(page.status_code, 200)
        self.assertIn("SDRP-A1", page.text)
        self.assertIn("SDRP-A2", page.text)
        self.assertIn(self.product_untracked.name, page.text)
        self.assertNotIn("SDRP-B1", page.text, "nothing of another customer")
        rows = etree.HTML(page.text).xpath("//tr[contains(@class, 'o_service_remedy_row')]")
        self.assertEqual(
            {len(row.xpath("./td")) for row in rows},
            {len(etree.HTML(page.text).xpath("//table[.//tr[contains(@class, 'o_service_remedy_row')]]//th"))},
            "a line without serial keeps its cells under their headings",
        )
        self.authenticate(self.user_portal_b.login, self.user_portal_b.login)
        page = self.url_open("/my/service/remedy")
        self.assertIn("SDRP-B1", page.text)
        self.assertNotIn("SDRP-A1", page.text)

    def test_form_needs_login(self):
        response = self.url_open("/my/service/remedy", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])

    def test_request_creates_ticket_with_lines_and_photos(self):
        self.authenticate(self.user_portal_a.login, self.user_portal_a.login)
        response = self._request(
            lines=[(self.move_serial_a, self.lots_a[0], 1), (self.move_untracked_a, None, 2)],
            photos=[("broken.png", PNG, "image/png")],
        )
        self.assertEqual(response.status_code, 303, response.text.partition("o_service_error")[2][:300])
        ticket = self._tickets()
        self.assertEqual(len(ticket), 1)
        self.assertTrue(response.headers["Location"].endswith(f"/my/service/tickets/{ticket.id}?message=created"))
        self.assertEqual(ticket.remedy_request, "return")
        self.assertEqual(ticket.ticket_type, "return")
        self.assertEqual(ticket.channel, "portal")
        self.assertEqual(ticket.partner_id, self.partner_portal_a)
        self.assertEqual(ticket.sale_order_id, self.order_a)
        self.assertIn("It arrived broken", ticket.description)
        self.assertEqual(
            {(line.move_id, line.lot_id, line.quantity) for line in ticket.remedy_line_ids},
            {(self.move_serial_a, self.lots_a[0], 1.0), (self.move_untracked_a, self.env["stock.lot"], 2.0)},
        )
        photo = self.env["ir.attachment"].search([("res_model", "=", "service.ticket"), ("res_id", "=", ticket.id)])
        self.assertEqual(photo.name, "broken.png")
        self.assertEqual(photo.raw, PNG)
        page = self.url_open(f"/my/service/tickets/{ticket.id}")
        self.assertIn("o_service_remedy_asked", page.text)
        self.assertIn("broken.png", page.text, "the customer sees their photo")

        # the agent's return wizard proposes what was asked, and only that
        proposed = self._return_as_agent(ticket)
        self.assertEqual(proposed, {(self.move_serial_a, 1.0), (self.move_untracked_a, 2.0)})
        returned = ticket.picking_ids
        self.assertEqual(returned.move_line_ids.filtered("lot_id").lot_id, self.lots_a[0])

    def test_kinds_of_request_open_matching_tickets(self):
        self.authenticate(self.user_portal_a.login, self.user_portal_a.login)
        for remedy, ticket_type, lot in (
            ("exchange", "return", self.lots_a[0]),
            ("repair", "incident", self.lots_a[1]),
        ):
            response = self._request(remedy=remedy, lines=[(self.move_serial_a, lot, 1)])
            self.assertEqual(response.status_code, 303, response.text.partition("o_service_error")[2][:300])
            ticket = self._tickets().filtered(lambda t, lot=lot: t.lot_id == lot)
            self.assertEqual(ticket.remedy_request, remedy)
            self.assertEqual(ticket.ticket_type, ticket_type)
        response = self._request(remedy="refund", lines=[(self.move_untracked_a, None, 1)])
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self._tickets().filtered(lambda t: t.remedy_request == "refund").ticket_type, "refund")

    def assertRefused(self, response, reason):
        self.assertEqual(response.status_code, 400)
        self.assertIn(reason, response.text)
        self.assertIn("o_service_remedy_form", response.text, "the form is shown again")

    def test_every_refusal_creates_nothing(self):
        returned_lot = self.lots_a[1]
        # a serial already back with us
        self._return(self.delivery_a, {self.product_serial: 1}, lots=returned_lot)
        self.authenticate(self.user_portal_a.login, self.user_portal_a.login)
        cases = [
            ("another company's delivery", [(self.delivery_b.move_ids, self.lot_b, 1)], "not delivered to your"),
            ("more than left", [(self.move_untracked_a, None, 6)], "5.0 left to return"),
            ("zero", [(self.move_untracked_a, None, 0)], "more than zero"),
            ("negative", [(self.move_untracked_a, None, -1)], "more than zero"),
            ("not a number", [(self.move_untracked_a, None, "two")], "not valid"),
            ("no line", [], "Please choose what you want"),
            ("serial no longer theirs", [(self.move_serial_a, returned_lot, 1)], "returned already"),
            ("two units of one serial", [(self.move_serial_a, self.lots_a[0], 2)], "one unit"),
            ("serial of another product line", [(self.move_untracked_a, self.lots_a[0], 1)], "has no serial number"),
        ]
        for label, lines, reason in cases:
            with self.subTest(label):
                self.assertRefused(self._request(lines=lines), reason)
        self.assertRefused(self._request(lines=[(self.move_untracked_a, None, 1)], reason=" "), "what is wrong")
        self.assertRefused(
            self._request(lines=[(self.move_untracked_a, None, 1)], remedy="gift"), "Please choose a return"
        )
        self.assertRefused(
            self._request(lines=[(self.move_untracked_a, None, 1)], photos=[("notes.txt", b"hello", "image/png")]),
            "is not a photo",
        )
        self.assertRefused(
            self._request(
                lines=[(self.move_untracked_a, None, 1)],
                photos=[(f"p{i}.png", PNG, "image/png") for i in range(6)],
            ),
            "at most 5 photos",
        )
        self.env["ir.config_parameter"].set_param("service_desk.portal_attachment_max_size", "20")
        self.assertRefused(
            self._request(lines=[(self.move_untracked_a, None, 1)], photos=[("big.png", PNG, "image/png")]),
            "is too large",
        )
        self.assertFalse(self._tickets(), "nothing created")
        self.assertFalse(self.env["service.ticket.remedy.line"].search([]))
        photos = self.env["ir.attachment"].search([("res_model", "=", "service.ticket"), ("name", "=like", "p_.png")])
        self.assertFalse(photos)

    def test_serial_on_its_way_back_and_open_requests_count(self):
        self.authenticate(self.user_portal_a.login, self.user_portal_a.login)
        self.assertEqual(self._request(lines=[(self.move_untracked_a, None, 3)]).status_code, 303)
        self.assertEqual(self._request(lines=[(self.move_serial_a, self.lots_a[0], 1)]).status_code, 303)
        untracked_ticket = self._tickets().filtered(lambda t: not t.lot_id)
        serial_ticket = self._tickets() - untracked_ticket
        self.assertRefused(self._request(lines=[(self.move_untracked_a, None, 3)]), "2.0 left to return")
        self.assertRefused(self._request(lines=[(self.move_serial_a, self.lots_a[0], 1)]), "already in your request")
        # the serial's return is under way, its request resolved: the serial is on its way back
        self._return_as_agent(serial_ticket)
        self.ensure_resolved(serial_ticket)
        self.assertRefused(self._request(lines=[(self.move_serial_a, self.lots_a[0], 1)]), "on its way back")
        # what a request's own return takes back is not counted twice
        self._return_as_agent(untracked_ticket)
        self.assertRefused(self._request(lines=[(self.move_untracked_a, None, 3)]), "2.0 left to return")
        self.assertEqual(len(self._tickets()), 2, "nothing more created")
        self.assertEqual(self._request(lines=[(self.move_untracked_a, None, 2)]).status_code, 303)

    def ensure_resolved(self, ticket):
        ticket.write({"stage_id": self.stage_resolved.id})
        self.assertTrue(ticket.is_resolved)

    def test_csrf_required(self):
        self.authenticate(self.user_portal_a.login, self.user_portal_a.login)
        response = self._request(lines=[(self.move_untracked_a, None, 1)], csrf=False)
        self.assertNotEqual(response.status_code, 303)
        self.assertFalse(self._tickets())

    def test_warranty_and_order_pages_lead_to_the_form(self):
        warranty = self.env["service.warranty"].search([("lot_id", "=", self.lots_a[0].id)])
        self.authenticate(self.user_portal_a.login, self.user_portal_a.login)
        page = self.url_open(f"/my/service/warranties/{warranty.id}")
        link = f"/my/service/remedy?move_id={self.move_serial_a.id}&amp;lot_id={self.lots_a[0].id}"
        self.assertIn(link, page.text)
        form = self.url_open(link.replace("&amp;", "&"))
        self.assertIn(f'value="{self.move_serial_a.id}-{self.lots_a[0].id}" checked', form.text)
        order_page = self.url_open(self.order_a.get_portal_url())
        self.assertIn(f"/my/service/remedy?sale_order_id={self.order_a.id}", order_page.text)
        undelivered = self._sell(self.customer_a_contact, [(self.product_plain, 1)])
        order_page = self.url_open(undelivered.get_portal_url())
        self.assertIn("o_service_refund_from_order", order_page.text)
        self.assertNotIn("o_service_remedy_from_order", order_page.text, "nothing delivered to send back yet")
        form = self.url_open(f"/my/service/remedy?sale_order_id={self.order_b.id}")
        self.assertNotIn("SDRP-B1", form.text, "another customer's order lists nothing of theirs")


@tagged("post_install", "-at_install")
class TestRemedyProgress(HttpCase, RemedyPortalCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._portal_remedy_request(
            "exchange",
            [{"move_id": cls.move_serial_a.id, "lot_id": cls.lots_a[0].id, "quantity": 1}],
            "Dead on arrival",
        )
        cls.ticket.user_id = cls.user_agent_a

    def _page(self, user=None):
        user = user or self.user_portal_a
        self.authenticate(user.login, user.login)
        return self.url_open(f"/my/service/tickets/{self.ticket.id}")

    def test_return_received_and_replacement_shipped(self):
        new_lot = self._stock_serials(self.product_serial, ["SDRP-NEW"])
        self._return_as_agent(self.ticket, exchange=True)
        returned = self.ticket.picking_ids.filtered(lambda p: p.service_remedy_kind == "return")
        replacement = self.ticket.picking_ids.filtered(lambda p: p.service_remedy_kind == "replacement")
        page = self._page()
        self.assertIn("Waiting for your parcel", page.text)
        self.assertIn("Being prepared", page.text)
        self.assertIn(replacement.name, page.text)
        self._receive(returned)
        self._validate(replacement.sudo(), lots=new_lot)
        page = self._page()
        self.assertNotIn("Waiting for your parcel", page.text)
        self.assertIn("Received", page.text)
        self.assertIn("Shipped", page.text)
        self.assertNotIn("Being prepared", page.text)

    def _credit_in_accounting(self):
        """A credit note of the order's invoice made in Accounting with Odoo's own wizard, left draft."""
        invoice = self.order_a._create_invoices()
        invoice.action_post()
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Broken"})
        )
        reversal.refund_moves()
        return reversal.new_move_ids

    def test_credit_note_shown_once_posted_with_its_pdf(self):
        credit_note = self._credit_in_accounting()
        credit_note.service_ticket_id = self.ticket
        page = self._page()
        self.assertIn("A credit note is being prepared", page.text)
        self.assertNotIn("o_service_remedy_credit_note_pdf", page.text, "a draft is not shown as issued")
        credit_note.action_post()
        page = self._page()
        self.assertIn(credit_note.name, page.text)
        self.assertNotIn("being prepared", page.text)
        pdf_url = credit_note.get_portal_url(report_type="pdf", download=True)
        self.assertIn(f"/my/invoices/{credit_note.id}?access_token=", pdf_url)
        pdf_url = pdf_url.replace("&", "&amp;")
        self.assertIn(pdf_url, page.text)
        pdf = self.url_open(pdf_url.replace("&amp;", "&"))
        self.assertEqual(pdf.status_code, 200)
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")

    def test_repair_paid_shows_quotation_free_does_not(self):
        self.ticket.write({"product_id": self.product_serial.id, "lot_id": self.lots_a[0].id})
        warranty = self.env["service.warranty"].search([("lot_id", "=", self.lots_a[0].id)])
        warranty.write({"start_date": "2020-01-01", "end_date": "2021-01-01"})
        self.ticket.invalidate_recordset()
        self.assertFalse(self.ticket.under_warranty)
        self.ticket.with_user(self.user_agent_a).action_service_repair()
        repair = self.ticket.repair_ids.sudo()
        repair.move_ids = [
            Command.create({"product_id": self.product_untracked.id, "product_uom_qty": 1, "repair_line_type": "add"})
        ]
        self._stock(self.product_untracked, 1)
        action = repair.action_validate()
        if isinstance(action, dict):
            # the unit is the customer's, not in stock: confirm anyway, as the technician does
            self.env[action["res_model"]].with_context(**action["context"]).create({}).action_done()
        quotation = repair.sale_order_id
        self.assertTrue(quotation)
        page = self._page()
        self.assertIn("at your charge", page.text)
        self.assertIn(quotation.name, page.text)
        url = quotation.get_portal_url().replace("&", "&amp;")
        self.assertIn(url, page.text)
        self.assertIn("to accept or refuse", page.text)
        self.assertEqual(self.url_open(quotation.get_portal_url()).status_code, 200)

    def test_free_repair_under_warranty(self):
        self.ticket.write({"product_id": self.product_serial.id, "lot_id": self.lots_a[0].id})
        self.assertTrue(self.ticket.under_warranty)
        self.ticket.with_user(self.user_agent_a).action_service_repair()
        page = self._page()
        self.assertIn("free of charge", page.text)
        self.assertNotIn("o_service_remedy_quotation", page.text)

    def test_other_customer_sees_nothing(self):
        self._return_as_agent(self.ticket)
        page = self._page(self.user_portal_b)
        self.assertEqual(page.status_code, 404)
        self.assertNotIn("SDRP-A1", page.text)
        self.assertNotIn(self.ticket.picking_ids.name, page.text)

    def test_documents_of_another_customer_are_not_shown(self):
        self._return_as_agent(self.ticket)
        # a transfer of customer B wrongly linked to A's ticket stays hidden
        self.delivery_b.service_ticket_id = self.ticket
        self.delivery_b.service_remedy_kind = "return"
        page = self._page()
        self.assertNotIn(self.delivery_b.name, page.text)
        self.assertIn(self.ticket.picking_ids.filtered(lambda p: p != self.delivery_b).name, page.text)

    def _count_progress_queries(self):
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        progress = self.ticket.with_user(self.user_portal_a)._portal_remedy_progress()
        shown = [(p.name, p.state, p.date_done) for p in progress["returns"] | progress["replacements"]]
        shown += [(note.name, note.amount_total, note.currency_id.name, url) for note, url in progress["credit_notes"]]
        shown += [(r.name, r.state, r.under_warranty, q.name, q.state, url) for r, q, url in progress["repairs"]]
        shown += [(line.product_id.display_name, line.lot_id.name, line.quantity) for line in progress["lines"]]
        self.assertTrue(shown)
        return self.env.cr.sql_log_count - before

    def _add_documents(self, count):
        """`count` more returns, posted credit notes and paid repairs with their quotation."""
        for __ in range(count):
            self.delivery_a.copy({"service_ticket_id": self.ticket.id, "service_remedy_kind": "return"})
            note = self.env["account.move"].create(
                {
                    "move_type": "out_refund",
                    "partner_id": self.customer_a_contact.id,
                    "service_ticket_id": self.ticket.id,
                    "invoice_line_ids": [
                        Command.create({"product_id": self.product_untracked.id, "quantity": 1, "price_unit": 40})
                    ],
                }
            )
            note.action_post()
            quotation = self._sell(self.customer_a_contact, [(self.product_untracked, 1)], confirm=False)
            self.env["repair.order"].create(
                {
                    "partner_id": self.customer_a_contact.id,
                    "product_id": self.product_untracked.id,
                    "service_ticket_id": self.ticket.id,
                    "sale_order_id": quotation.id,
                }
            )
        self.ticket._portal_remedy_progress()  # access tokens are made once, on the first view

    def test_constant_queries_whatever_the_count(self):
        self._add_documents(1)
        one = self._count_progress_queries()
        self._add_documents(4)
        progress = self.ticket._portal_remedy_progress()
        self.assertEqual((len(progress["credit_notes"]), len(progress["repairs"])), (5, 5))
        self.assertEqual(self._count_progress_queries(), one)


@tagged("post_install", "-at_install")
class TestRemedyReturnedSerials(HttpCase, RemedyPortalCommon):
    def _request_serials(self, lots):
        return self._portal_remedy_request(
            "return",
            [{"move_id": self.move_serial_a.id, "lot_id": lot.id, "quantity": 1} for lot in lots],
            "Both units are dead",
        )

    def test_return_carries_the_serial_asked_not_the_first_delivered(self):
        ticket = self._request_serials(self.lots_a[1])
        self.assertEqual(ticket.lot_id, self.lots_a[1])
        self._return_as_agent(ticket)
        self.assertEqual(ticket.picking_ids.move_line_ids.lot_id, self.lots_a[1])

    def test_return_of_several_serials_carries_each(self):
        ticket = self._request_serials(self.lots_a)
        self.assertFalse(ticket.lot_id)
        self._return_as_agent(ticket)
        self.assertEqual(ticket.picking_ids.move_line_ids.lot_id, self.lots_a)
        self._receive(ticket.picking_ids)
        self.assertFalse(self.lots_a.service_owner_id, "both serials are back with us")

    def test_serials_asked_returned_one_at_a_time_each_come_back_once(self):
        ticket = self._request_serials(self.lots_a)
        for __ in range(2):
            action = ticket.with_user(self.user_manager).action_service_return()
            wizard = (
                self.env["stock.return.picking"]
                .with_user(self.user_manager)
                .with_context(**action["context"])
                .create({})
            )
            wizard.product_return_moves.filtered("quantity").quantity = 1
            wizard.action_create_returns()
        first, second = ticket.picking_ids.sorted("id")
        self.assertEqual(len(first.move_line_ids.lot_id), 1)
        self.assertEqual(second.move_line_ids.lot_id, self.lots_a - first.move_line_ids.lot_id, "the other serial")
        self._receive(first)
        self._receive(second)
        self.assertFalse(self.lots_a.service_owner_id, "both serials are back with us")

    def test_agent_return_of_the_tickets_second_serial_carries_it(self):
        ticket = self._create_ticket(partner_id=self.customer_a_contact.id, lot_id=self.lots_a[1].id)
        self._return_as_agent(ticket)
        self.assertEqual(ticket.picking_ids.move_line_ids.lot_id, self.lots_a[1])


@tagged("post_install", "-at_install")
class TestRemedyLineAccess(RemedyPortalCommon):
    def test_agents_read_requests_of_their_tickets_only(self):
        ticket = self._portal_remedy_request(
            "refund", [{"move_id": self.move_untracked_a.id, "quantity": 2}], "Two were not needed"
        )
        self.assertEqual(ticket.team_id, self.team_a)
        lines = ticket.remedy_line_ids.with_env(self.env)
        self.assertEqual(lines.with_user(self.user_agent_a).read(["quantity"])[0]["quantity"], 2.0)
        self.assertTrue(lines.with_user(self.user_manager).has_access("read"))
        for user in (self.user_agent_b, self.user_agent_other, self.user_portal_a, self.user_portal_b):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                lines.with_user(user).read(["quantity"])
        with self.assertRaises(AccessError):
            lines.with_user(self.user_agent_a).write({"quantity": 1})
