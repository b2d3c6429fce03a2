"""The agent's screens, driven in a browser."""

from datetime import datetime, timedelta

from lxml import etree

from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import ServiceDeskCommon, raw_email


@tagged("post_install", "-at_install")
class TestServiceDeskTour(HttpCase, ServiceDeskCommon):
    def test_agent_ticket_tour(self):
        customer = self.env["res.partner"].create(
            {
                "name": "SD Tour Customer",
                "email": "tour.customer@customer-a.example.com",
                "parent_id": self.customer_a.id,
            }
        )
        # a ticket already waiting, so the New column is there
        self._create_ticket(name="Waiting call", partner_id=self.customer_a_contact.id)
        self.start_tour(
            "/odoo/action-service_desk.service_ticket_action",
            "service_desk_ticket_tour",
            login=self.user_agent_a.login,
        )
        ticket = self.env["service.ticket"].search([("name", "=", "Tour: printer on fire")])
        self.assertEqual(len(ticket), 1)
        self.assertRegex(ticket.number, r"^SD\d{5}$")
        self.assertEqual(ticket.create_uid, self.user_agent_a)
        self.assertEqual(ticket.partner_id, customer)
        self.assertEqual(ticket.commercial_partner_id, self.customer_a)
        self.assertEqual(ticket.team_id, self.team_a)
        self.assertEqual(ticket.channel, "phone", "tickets logged from the backend are phone calls")
        self.assertEqual(ticket.stage_id, self.stage_resolved)
        self.assertTrue(ticket.resolved_date)
        self.assertFalse(ticket.closed_date)
        self.assertEqual(ticket.reopen_count, 0)
        stages = ticket.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "stage_id",
        )
        self.assertEqual(
            sorted(stages.mapped("new_value_char")),
            ["In Progress", "Resolved"],
            "both moves were tracked",
        )


@tagged("post_install", "-at_install")
class TestManagerTicketTour(HttpCase, ServiceDeskCommon):
    """The manager walks one ticket through the back office, on a narrow laptop screen."""

    browser_size = "1024x768"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["service.sla.policy"].search([]).active = False
        cls.team_a.resource_calendar_id = cls._create_calendar("SD Tour always", (0, 24), days=range(7))
        cls.env["service.sla.policy"].create(
            {
                "name": "SD Tour policy",
                "team_ids": [Command.set(cls.team_a.ids)],
                "first_response_hours": 3,
                "resolution_hours": 48,
            }
        )
        Product = cls.env["product.product"]
        cls.printer = Product.create(
            {"name": "Tour Printer", "type": "consu", "is_storable": True, "tracking": "serial"}
        )
        scanner = Product.create({"name": "Tour Scanner", "type": "consu", "is_storable": True, "tracking": "serial"})
        cls.printer_lot = cls.env["stock.lot"].create({"name": "TOUR-PRN-1", "product_id": cls.printer.id})
        cls.env["stock.lot"].create({"name": "TOUR-SCN-1", "product_id": scanner.id})
        cls.macro = cls.env["service.macro"].create(
            {
                "name": "Tour reply",
                "body": "<p>Hello {{customer}}, a replacement drum is on its way.</p>",
                "stage_id": cls.stage_in_progress.id,
            }
        )

    def _ticket_due(self, name, delta):
        ticket = self._create_ticket(name=name, partner_id=self.customer_a_contact.id)
        line = ticket.sla_line_ids.filtered(lambda line: line.target_type == "first_response")
        line.write({"deadline": datetime.now() + delta, "status": "breached" if delta < timedelta() else "ongoing"})
        return ticket

    def test_manager_ticket_tour(self):
        self._ticket_due("Tour: late answer", timedelta(hours=-2, minutes=-10))
        soon = self._ticket_due("Tour: answer due soon", timedelta(hours=2))
        self._ticket_due("Tour: answer due tomorrow", timedelta(hours=26))
        self.assertTrue(soon.sla_deadline)
        subject = (
            "Tour: the printer on the second floor prints every page twice, then jams with a grinding noise "
            "that nobody in the meeting room can stop, and the toner light keeps blinking"
        )
        body = "\n".join(
            [
                "Hello,",
                "since this morning " + "the printer feeds sheet after sheet and prints everything twice " * 8,
                "Best regards,",
                "Carla",
            ]
        )
        self.env["mail.thread"].sudo().message_process(
            None,
            raw_email(
                '"Carla Customer" <carla@customer-a.example.com>',
                self.team_a.alias_email,
                subject,
                "<tour-long-email@customer-a.example.com>",
                body,
            ),
        )
        ticket = self.env["service.ticket"].search([("name", "=", subject)])
        self.assertEqual(len(ticket), 1)

        self.start_tour(
            "/odoo/action-service_desk.service_ticket_action_all",
            "service_desk_manager_ticket_tour",
            login="admin",
        )

        self.assertEqual(ticket.stage_id, self.stage_resolved)
        self.assertEqual(ticket.lot_id, self.printer_lot)
        self.assertEqual(ticket.escalation_level, 1)
        self.assertTrue(ticket.message_ids.filtered(lambda message: "replacement drum" in message.body))
        self.assertTrue(
            ticket.interaction_ids.filtered(lambda contact: contact.summary == "Confirmed the delivery address")
        )


@tagged("post_install", "-at_install")
class TestPlainTextEmail(ServiceDeskCommon):
    """A plain-text email reads as paragraphs in the ticket, not as one <pre> line."""

    def _receive(self, subject, body, msg_id, headers=()):
        raw = raw_email(
            '"Carla Customer" <carla@customer-a.example.com>',
            self.team_a.alias_email,
            subject,
            msg_id,
            body,
            headers=headers,
        )
        self.env["mail.thread"].sudo().message_process(None, raw)
        return self.env["mail.message"].search([("message_id", "=", msg_id)])

    def test_plain_text_email_becomes_paragraphs(self):
        long_line = "the printer feeds sheet after sheet " * 20
        message = self._receive(
            "Printer <feeds> twice",
            f"Hello,\n{long_line}\n\nBest regards,\nCarla & co",
            "<plain-1@customer-a.example.com>",
        )
        self.assertEqual(message.model, "service.ticket")
        body = str(message.body)
        self.assertNotIn("<pre>", body, "a <pre> block never wraps in the chatter")
        self.assertIn(long_line.strip(), body)
        self.assertIn("Hello,<br>", body.replace("<br/>", "<br>"), "line breaks are kept")
        self.assertIn("Carla &amp; co", body, "the text stays text")
        ticket = self.env["service.ticket"].browse(message.res_id)
        self.assertNotIn("<pre>", str(ticket.description))

        reply = self._receive(
            f"Re: [{ticket.number}] Printer",
            "It happened again\nthis morning",
            "<plain-2@customer-a.example.com>",
            headers=[("In-Reply-To", "<plain-1@customer-a.example.com>")],
        )
        self.assertEqual(reply.res_id, ticket.id, "the reply joins the ticket")
        self.assertNotIn("<pre>", str(reply.body))
        self.assertIn("this morning", str(reply.body))


@tagged("post_install", "-at_install")
class TestTicketViews(ServiceDeskCommon):
    """What the ticket screens declare, read from the views as the web client gets them."""

    def _arch(self, view_type, model="service.ticket"):
        views = self.env[model].with_user(self.user_manager).get_views([(False, view_type)])
        return etree.fromstring(views["views"][view_type]["arch"])

    def test_finished_ticket_offers_no_reroute_nor_escalate(self):
        form = self._arch("form")
        for name in ("action_reroute", "action_escalate"):
            (button,) = form.xpath(f"//header/button[@name='{name}']")
            invisible = button.get("invisible")
            self.assertIn("is_resolved", invisible, f"{name} hidden on resolved tickets")
            self.assertIn("is_closed", invisible, f"{name} hidden on closed tickets")

    def test_long_subject_wraps_in_title(self):
        (name,) = self._arch("form").xpath("//div[hasclass('oe_title')]//field[@name='name']")
        self.assertEqual(name.get("widget"), "text", "a text area wraps, a one-line input cuts")
        self.assertIn("line_breaks", name.get("options"), "the subject stays one paragraph")

    def test_sla_deadlines_count_down_in_lists(self):
        (deadline,) = self._arch("list").xpath("//field[@name='sla_deadline']")
        self.assertEqual(deadline.get("widget"), "service_sla_countdown")
        (deadline,) = self._arch("list", "service.ticket.sla").xpath("//field[@name='deadline']")
        self.assertEqual(deadline.get("widget"), "service_sla_countdown")

    def test_sla_tab_keeps_secondary_columns_optional(self):
        (tab,) = self._arch("form").xpath("//field[@name='sla_line_ids']/list")
        columns = {field.get("name"): field for field in tab.xpath("./field")}
        self.assertEqual(columns["deadline"].get("widget"), "service_sla_countdown")
        self.assertIn("reached_field", columns["deadline"].get("options"), "a met target shows its date")
        for name in ("policy_id", "start_date", "paused_hours"):
            self.assertEqual(columns[name].get("optional"), "hide", f"{name} is a secondary column")
        shown = [name for name, field in columns.items() if field.get("optional") != "hide"]
        self.assertLessEqual(len(shown), 4, f"the SLA tab fits a laptop: {shown}")


@tagged("post_install", "-at_install")
class TestPortalPromisedResponse(HttpCase, ServiceDeskCommon):
    def test_promised_response_without_seconds(self):
        self.env["service.sla.policy"].search([]).active = False
        self.env["service.sla.policy"].create(
            {"name": "SD Promise", "team_ids": [Command.set(self.team_a.ids)], "first_response_hours": 3}
        )
        ticket = self._create_ticket(name="Promise me", partner_id=self.partner_portal_a.id)
        ticket.sla_line_ids.deadline = datetime(2030, 1, 9, 10, 7, 42)
        self.authenticate(self.user_portal_a.login, self.user_portal_a.login)
        for url in ("/my/service/tickets", f"/my/service/tickets/{ticket.id}"):
            page = self.url_open(url)
            self.assertEqual(page.status_code, 200)
            html = page.text
            self.assertRegex(html, r"01/09/2030 \d\d:07", f"{url} shows the promised time")
            self.assertNotIn(":07:42", html, f"{url} shows no seconds")


@tagged("post_install", "-at_install")
class TestRemedyTour(HttpCase, ServiceDeskCommon):
    def test_agent_returns_credits_and_repairs_from_the_ticket(self):
        """In the browser, as an agent without stock or accounting rights."""
        product = self.env["product.product"].create(
            {
                "name": "SD Tour Scanner",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "list_price": 500.0,
                "invoice_policy": "order",
                "service_warranty_months": 12,
            }
        )
        lots = self.env["stock.lot"].create(
            [{"name": name, "product_id": product.id, "company_id": self.company.id} for name in ("TOUR-1", "TOUR-2")]
        )
        for lot in lots:
            self.env["stock.quant"]._update_available_quantity(product, self.stock_location, 1.0, lot_id=lot)
        order = self._sell(self.customer_a_contact, [(product, 2)])
        self._deliver(order, lots=lots)
        order._create_invoices().action_post()
        ticket = self._create_ticket(
            name="Tour: scanner dead",
            partner_id=self.customer_a_contact.id,
            product_id=product.id,
            lot_id=lots[0].id,
            sale_order_id=order.id,
            ticket_type="return",
        )
        ticket.user_id = self.user_agent_a
        self.assertFalse(self.user_agent_a.has_group("stock.group_stock_user"))
        self.assertFalse(self.user_agent_a.has_group("account.group_account_invoice"))
        self.start_tour(
            f"/odoo/action-service_desk.service_ticket_action/{ticket.id}",
            "service_desk_remedy_tour",
            login=self.user_agent_a.login,
        )
        kinds = {picking.service_remedy_kind: picking for picking in ticket.picking_ids}
        self.assertEqual(set(kinds), {"return", "replacement"})
        self.assertEqual(kinds["return"].move_line_ids.lot_id, lots[0])
        self.assertEqual(ticket.credit_note_ids.state, "posted")
        self.assertEqual(ticket.credit_note_ids.invoice_line_ids.quantity, 1.0)
        self.assertTrue(ticket.repair_ids.under_warranty)
