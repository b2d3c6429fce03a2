"""Warranties from deliveries (DESIGN.md §6): what validating, returning and
back-filling deliveries create, how they expire and extend, and what a
ticket finds."""

from datetime import date

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import Customer360Common


@tagged("post_install", "-at_install")
class TestWarrantyFromDeliveries(Customer360Common):
    def _warranties(self, order):
        return self.env["service.warranty"].search([("sale_order_id", "=", order.id)], order="id")

    def test_serial_delivery_one_warranty_per_serial(self):
        lots = self._stock_serials(self.product_serial, ["SDW-A1", "SDW-A2", "SDW-A3"])
        with freeze_time("2026-01-15 10:00:00"):
            order = self._sell(self.customer_a_contact, [(self.product_serial, 3), (self.product_plain, 2)])
            self._stock(self.product_plain, 2)
            self._deliver(order)
        warranties = self._warranties(order)
        self.assertEqual(warranties.lot_id, lots)
        self.assertEqual(len(warranties), 3, "one warranty per serial, none for the product without warranty")
        for warranty in warranties:
            self.assertEqual(warranty.partner_id, self.customer_a, "the customer company owns the goods")
            self.assertEqual(warranty.product_id, self.product_serial)
            self.assertEqual(warranty.quantity, 1.0)
            self.assertEqual(warranty.start_date, date(2026, 1, 15))
            self.assertEqual(warranty.end_date, date(2027, 1, 15), "twelve months to the day")
            self.assertEqual(warranty.sale_line_id.order_id, order)
            self.assertEqual(warranty.move_id.picking_id, order.picking_ids)
        with freeze_time("2026-06-01"):
            self.assertEqual(set(warranties.mapped("state")), {"active"})

    def test_untracked_delivery_one_warranty_per_line_with_quantity(self):
        self._stock(self.product_untracked, 5)
        with freeze_time("2026-03-31 09:00:00"):
            order = self._sell(self.customer_b, [(self.product_untracked, 5)])
            self._deliver(order)
        warranty = self._warranties(order)
        self.assertEqual(len(warranty), 1)
        self.assertFalse(warranty.lot_id)
        self.assertEqual(warranty.quantity, 5.0)
        self.assertEqual(warranty.partner_id, self.customer_b)
        self.assertEqual(warranty.end_date, date(2026, 9, 30), "31 March + 6 months ends on the last day of September")

    def test_partial_delivery_then_backorder(self):
        lots = self._stock_serials(self.product_serial, ["SDW-P1", "SDW-P2", "SDW-P3"])
        order = self._sell(self.customer_a, [(self.product_serial, 3)])
        self._deliver(order, lots=lots[:2])
        self.assertEqual(self._warranties(order).lot_id, lots[:2], "only what left the warehouse is covered")
        backorder = order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        self.assertEqual(len(backorder), 1)
        self._validate(backorder, lots=lots[2:])
        self.assertEqual(self._warranties(order).lot_id, lots)
        self.assertEqual(len(self._warranties(order)), 3)

    def test_return_of_a_serial_marks_only_its_warranty_returned(self):
        lots = self._stock_serials(self.product_serial, ["SDW-R1", "SDW-R2"])
        order = self._sell(self.customer_a, [(self.product_serial, 2)])
        picking = self._deliver(order)
        self._return(picking, {self.product_serial: 1}, lots=lots[:1])
        warranties = self._warranties(order)
        returned = warranties.filtered(lambda w: w.lot_id == lots[0])
        self.assertEqual(returned.state, "returned")
        self.assertEqual(returned.return_date, fields.Date.context_today(returned))
        self.assertEqual((warranties - returned).state, "active")

    def test_partial_return_of_untracked_goods_splits_the_warranty(self):
        self._stock(self.product_untracked, 5)
        order = self._sell(self.customer_b, [(self.product_untracked, 5)])
        picking = self._deliver(order)
        self._return(picking, {self.product_untracked: 2})
        warranties = self.env["service.warranty"].search([("product_id", "=", self.product_untracked.id)])
        kept = warranties.filtered(lambda w: w.state == "active")
        gone = warranties.filtered(lambda w: w.state == "returned")
        self.assertEqual(kept.quantity, 3.0)
        self.assertEqual(gone.quantity, 2.0)
        self.assertEqual(gone.end_date, kept.end_date)

    def test_backfill_creates_past_warranties_once(self):
        lots = self._stock_serials(self.product_plain_serial(), ["SDW-B1", "SDW-B2"])
        product = lots.product_id
        with freeze_time("2025-05-10 08:00:00"):
            order = self._sell(self.customer_a, [(product, 2)])
            picking = self._deliver(order)
        self._return(picking, {product: 1}, lots=lots[1:])
        self.assertFalse(self._warranties(order), "no warranty terms at delivery time")
        product.service_warranty_months = 24
        created = self.env["service.warranty"].action_backfill()
        warranties = self._warranties(order)
        self.assertEqual(warranties, created.filtered(lambda w: w.sale_order_id == order))
        self.assertEqual(warranties.lot_id, lots)
        self.assertEqual(set(warranties.mapped("start_date")), {date(2025, 5, 10)}, "dated on the delivery")
        self.assertEqual(set(warranties.mapped("end_date")), {date(2027, 5, 10)})
        self.assertEqual(warranties.filtered(lambda w: w.lot_id == lots[1]).state, "returned")
        self.assertFalse(self.env["service.warranty"].action_backfill(), "running it again creates nothing")
        self.assertEqual(self._warranties(order), warranties)

    def product_plain_serial(self):
        return self.env["product.product"].create(
            {
                "name": "SD Label Printer",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
            }
        )

    def test_daily_cron_expires_warranties_covered_through_end_day(self):
        lots = self._stock_serials(self.product_serial, ["SDW-E1"])
        with freeze_time("2026-01-15 10:00:00"):
            order = self._sell(self.customer_a, [(self.product_serial, 1)])
            self._deliver(order)
        warranty = self._warranties(order)
        self.assertEqual(warranty.lot_id, lots)
        with freeze_time("2027-01-15 12:00:00"):
            self.env["service.warranty"]._cron_update_states()
            self.assertEqual(warranty.state, "active")
            self.assertTrue(warranty.covers(date(2027, 1, 15)))
        with freeze_time("2027-01-16 08:00:00"):
            self.env["service.warranty"]._cron_update_states()
            self.assertEqual(warranty.state, "expired")
            self.assertFalse(warranty.covers(date(2027, 1, 16)))

    def test_selling_the_extension_for_a_serial_extends_its_warranty(self):
        lots = self._stock_serials(self.product_serial, ["SDW-X1", "SDW-X2"])
        order = self._sell(self.customer_a, [(self.product_serial, 2)])
        self._deliver(order)
        first, second = self._warranties(order).sorted(lambda w: w.lot_id.name)
        base_end = second.end_date
        extension = self._sell(self.customer_a, [], confirm=False)
        extension.order_line = [
            Command.create(
                {
                    "product_id": self.product_extension.id,
                    "product_uom_qty": 1,
                    "service_warranty_id": second.id,
                }
            )
        ]
        self.assertEqual(second.end_date, base_end, "a quotation extends nothing")
        extension.action_confirm()
        self.assertEqual(second.end_date, base_end + relativedelta(months=12))
        self.assertEqual(first.end_date, base_end, "the other serial keeps its warranty")
        # without a chosen warranty, the customer's first unextended one is taken
        self._sell(self.customer_a, [(self.product_extension, 1)])
        self.assertEqual(first.end_date, base_end + relativedelta(months=12))
        self.assertEqual(lots, (first | second).lot_id)
        extension._action_cancel()
        self.assertEqual(second.end_date, base_end, "cancelling the sale takes the extension back")

    def _queries_to_confirm(self, order):
        """Queries of confirming `order`, counted as assertQueryCount does."""
        self.env.invalidate_all()
        self.env.cr.flush()
        before = self.env.cr.sql_log_count
        order.action_confirm()
        self.env.flush_all()
        self.env.cr.flush()
        return self.env.cr.sql_log_count - before

    def test_extensions_of_an_order_are_linked_in_the_same_queries_whatever_its_lines(self):
        # the customer's warranties of a covered product, ending one day apart
        warranties = self.env["service.warranty"].create(
            [
                {
                    "partner_id": self.customer_a.id,
                    "product_id": self.product_serial.id,
                    "start_date": fields.Date.today() - relativedelta(days=day),
                    "months": 12,
                }
                for day in range(52)
            ]
        )
        by_end = warranties.sorted(lambda warranty: (warranty.end_date, warranty.id))
        self._queries_to_confirm(self._sell(self.customer_a, [(self.product_extension, 1)], confirm=False))  # warm-up
        one_line = self._sell(self.customer_a, [(self.product_extension, 1)], confirm=False)
        for_one_line = self._queries_to_confirm(one_line)
        many_lines = self._sell(self.customer_a, [(self.product_extension, 1)] * 50, confirm=False)
        self.assertEqual(len(many_lines.order_line), 50)
        self.env.invalidate_all()
        with self.assertQueryCount(for_one_line):
            many_lines.action_confirm()
        # each line extends a warranty of its own, those that end first first
        self.assertEqual(one_line.order_line.service_warranty_id, by_end[1])
        self.assertEqual([line.service_warranty_id for line in many_lines.order_line.sorted("id")], list(by_end[2:]))


@tagged("post_install", "-at_install")
class TestTicketWarranty(Customer360Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lots = cls._stock_serials(cls.product_serial, ["SDW-T1", "SDW-T2"])
        cls.order = cls._sell(cls.customer_a, [(cls.product_serial, 2)])
        cls._deliver(cls.order)
        cls.warranties = cls.env["service.warranty"].search([("sale_order_id", "=", cls.order.id)])

    def test_ticket_finds_the_warranty_of_its_serial(self):
        ticket = self._create_ticket(partner_id=self.customer_a_contact.id, lot_id=self.lots[1].id)
        self.assertEqual(ticket.warranty_id.lot_id, self.lots[1])
        self.assertTrue(ticket.under_warranty)
        self.assertEqual(ticket.warranty_end_date, ticket.warranty_id.end_date)

    def test_ticket_finds_the_warranty_from_product_and_customer(self):
        ticket = self._create_ticket(partner_id=self.customer_a_contact.id, product_id=self.product_serial.id)
        self.assertIn(ticket.warranty_id, self.warranties)
        self.assertTrue(ticket.under_warranty)
        other = self._create_ticket(partner_id=self.customer_b.id, product_id=self.product_serial.id)
        self.assertFalse(other.warranty_id, "another customer's warranty is not theirs")
        self.assertFalse(other.under_warranty)

    def test_agent_choosing_a_serial_on_the_form_sees_the_warranty(self):
        # serial numbers are Inventory records: the agent reads them as an Inventory user
        self.user_agent_a.group_ids = [Command.link(self.env.ref("stock.group_stock_user").id)]
        with Form(self.env["service.ticket"].with_user(self.user_agent_a)) as form:
            form.name = "Scanner jams"
            form.team_id = self.team_a
            form.partner_id = self.customer_a_contact
            form.lot_id = self.lots[0]
            self.assertEqual(form.product_id, self.product_serial)
            self.assertEqual(form.warranty_id.lot_id, self.lots[0])
            self.assertTrue(form.under_warranty)
            self.assertEqual(form.warranty_end_date, form.warranty_id.end_date)
        ticket = form.record
        self.assertTrue(ticket.under_warranty)
        partner_form = Form(self.customer_a.with_user(self.user_agent_a))
        self.assertEqual(partner_form.service_warranty_active_count, 2)
        self.assertEqual(set(partner_form.service_lot_ids.ids), set(self.lots.ids))

    def test_ticket_after_the_end_is_not_under_warranty(self):
        warranty = self.warranties.filtered(lambda w: w.lot_id == self.lots[0])
        today = fields.Date.context_today(warranty)
        warranty.write({"start_date": today - relativedelta(months=13)})
        self.env["service.warranty"]._cron_update_states()
        self.assertEqual(warranty.state, "expired")
        ticket = self._create_ticket(partner_id=self.customer_a.id, lot_id=self.lots[0].id)
        self.assertEqual(ticket.warranty_id, warranty, "the expired warranty still shows")
        self.assertFalse(ticket.under_warranty)

    def test_smart_buttons(self):
        lot = self.lots[0]
        self.assertEqual(lot.service_warranty_count, 1)
        action = lot.action_open_service_warranties()
        self.assertEqual(self.env["service.warranty"].search(action["domain"]).lot_id, lot)
        self.assertEqual(self.product_serial.product_tmpl_id.service_warranty_count, 2)
        self.assertEqual(self.customer_a.service_warranty_active_count, 2)
        self.assertEqual(self.customer_a_contact.service_warranty_active_count, 2)
        self.assertEqual(self.customer_a.service_lot_ids, self.lots)
        self.assertFalse(self.customer_b.service_lot_ids)

    @mute_logger("odoo.addons.base.models.ir_rule", "odoo.addons.base.models.ir_model")
    def test_portal_user_sees_only_own_warranties(self):
        self._stock(self.product_untracked, 1)
        other = self._sell(self.customer_b, [(self.product_untracked, 1)])
        self._deliver(other)
        Warranty = self.env["service.warranty"]
        self.assertEqual(Warranty.with_user(self.user_portal_a).search([]), self.warranties)
        self.assertEqual(Warranty.with_user(self.user_portal_b).search([]).partner_id, self.customer_b)
        with self.assertRaises(AccessError):
            self.warranties.with_user(self.user_portal_b).read(["end_date"])
        with self.assertRaises(AccessError):
            self.warranties[0].with_user(self.user_portal_a).write({"end_date": "2040-01-01"})
        with self.assertRaises(AccessError):
            self.warranties[0].with_user(self.user_agent_a).write({"end_date": "2040-01-01"})
        visible = Warranty.with_user(self.user_agent_a).search([("partner_id", "=", self.customer_a.id)])
        self.assertEqual(len(visible), 2)
        self.assertFalse(Warranty.with_user(self.user_agent_other).search([]), "other company sees none")


@tagged("post_install", "-at_install")
class TestOwnershipTransfer(Customer360Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lot = cls._stock_serials(cls.product_serial, ["SDW-O1"])
        cls.order = cls._sell(cls.customer_a_contact, [(cls.product_serial, 1)])
        cls.picking = cls._deliver(cls.order)
        cls.warranty = cls.env["service.warranty"].search([("lot_id", "=", cls.lot.id)])

    def _case(self, **values):
        return self._create_ticket(
            **dict(
                {
                    "name": "Vehicle sold to a new owner",
                    "ticket_type": "case",
                    "case_kind": "ownership_transfer",
                    "partner_id": self.customer_a_contact.id,
                    "lot_id": self.lot.id,
                    "new_owner_id": self.customer_b_contact.id,
                },
                **values,
            )
        )

    def test_delivery_records_the_owner(self):
        self.assertEqual(self.lot.service_owner_id, self.customer_a)
        self.assertEqual(self.lot.service_ownership_ids.mapped("event"), ["delivery"])

    def test_closing_the_case_moves_serial_and_warranty(self):
        case = self._case()
        self.assertEqual(self.lot.service_owner_id, self.customer_a, "nothing moves while the case is open")
        case.action_close()
        self.assertTrue(case.ownership_transferred)
        self.assertEqual(self.lot.service_owner_id, self.customer_b)
        self.assertEqual(self.lot.service_ownership_ids.mapped("event"), ["transfer", "delivery"])
        transfer = self.lot.service_ownership_ids[0]
        self.assertEqual(
            (transfer.previous_partner_id, transfer.partner_id, transfer.ticket_id),
            (self.customer_a, self.customer_b, case),
        )
        self.assertEqual(self.warranty.partner_id, self.customer_b, "the warranty follows the serial")
        self.assertEqual(self.warranty.state, "active")
        self.assertIn(transfer, self.customer_a.service_ownership_ids, "history shows on the former owner")
        self.assertIn(transfer, self.customer_b_contact.service_ownership_ids, "and on the new one")
        self.assertEqual(self.env["service.warranty"].with_user(self.user_portal_b).search([]), self.warranty)
        self.assertFalse(self.env["service.warranty"].with_user(self.user_portal_a).search([]))
        case.action_reopen()
        case.action_close()
        self.assertEqual(len(self.lot.service_ownership_ids), 2, "a case transfers once")

    def test_non_transferable_warranty_stays(self):
        self.product_serial.service_warranty_transferable = False
        self._case().action_close()
        self.assertEqual(self.lot.service_owner_id, self.customer_b)
        self.assertEqual(self.warranty.partner_id, self.customer_a)

    def test_case_without_new_owner_cannot_close(self):
        case = self._case(new_owner_id=False)
        with self.assertRaises(UserError):
            case.action_close()
        self.assertEqual(self.lot.service_owner_id, self.customer_a)

    def test_return_ends_ownership(self):
        self._return(self.picking, {self.product_serial: 1}, lots=self.lot)
        self.assertFalse(self.lot.service_owner_id)
        self.assertEqual(self.lot.service_ownership_ids.mapped("event"), ["return", "delivery"])
