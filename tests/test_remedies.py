"""After-sales remedies from the ticket (DESIGN.md §13): returns and
exchanges on Odoo's return wizard, credit notes on its reversal wizard and
repairs on its repair orders, each started by an agent who is neither a stock
nor an accounting user, checked, and linked back to the ticket."""

from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import Customer360Common


class RemedyCommon(Customer360Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product_serial.write({"invoice_policy": "order", "standard_price": 300.0})
        cls.product_untracked.write({"invoice_policy": "order", "standard_price": 25.0})
        cls.product_plain.write({"invoice_policy": "order"})
        cls.product_labour = cls.env["product.product"].create(
            {"name": "SD Installation", "type": "service", "list_price": 80.0}
        )
        cls.team_a.credit_note_approval_amount = 0.0

    def _serial_sold(self, partner, names):
        lots = self._stock_serials(self.product_serial, names)
        order = self._sell(partner, [(self.product_serial, len(names))])
        picking = self._deliver(order, lots=lots)
        return order, picking, lots

    def _invoice(self, order, post=True):
        invoice = order._create_invoices()
        if post:
            invoice.action_post()
        return invoice

    def _ticket(self, **values):
        values.setdefault("partner_id", self.customer_a_contact.id)
        values.setdefault("ticket_type", "return")
        ticket = self._create_ticket(**values)
        ticket.user_id = self.user_agent_a
        return ticket

    def _open_return(self, ticket, user=None):
        """The return wizard as the button opens it, as `user` (agent A)."""
        user = user or self.user_agent_a
        action = ticket.with_user(user).action_service_return()
        self.assertEqual(action["res_model"], "stock.return.picking")
        view = self.env.ref("service_desk.stock_return_picking_view_form_service")
        self.assertEqual(action["views"], [(view.id, "form")])
        Wizard = self.env["stock.return.picking"].with_user(user).with_context(**action["context"])
        return Form(Wizard, view=view).save()

    def _receive(self, picking):
        """The warehouse validates a return (or ships a replacement)."""
        picking.move_ids.picked = True
        picking.with_context(skip_backorder=True, skip_sms=True).button_validate()
        self.assertEqual(picking.state, "done")
        return picking

    def _credit(self, ticket, user=None, quantity=None, reason="Defective"):
        user = user or self.user_agent_a
        action = ticket.with_user(user).action_service_credit_note()
        self.assertEqual(action["res_model"], "account.move.reversal")
        wizard = self._reversal_form(action, user)
        wizard.reason = reason
        if quantity is not None:
            wizard.service_quantity = quantity
        return wizard.save().refund_moves()

    def _reversal_form(self, action, user):
        view = self.env.ref("service_desk.account_move_reversal_view_form_service")
        self.assertEqual(action["views"], [(view.id, "form")])
        Wizard = self.env["account.move.reversal"].with_user(user).with_context(**action["context"])
        return Form(Wizard, view=view)


@tagged("post_install", "-at_install")
class TestServiceReturns(RemedyCommon):
    def test_agent_returns_the_tickets_serial(self):
        order, delivery, lots = self._serial_sold(self.customer_a_contact, ["SDR-1", "SDR-2"])
        ticket = self._ticket(lot_id=lots[0].id, sale_order_id=order.id)
        self.assertFalse(self.user_agent_a.has_group("stock.group_stock_user"))
        wizard = self._open_return(ticket)
        self.assertEqual(wizard.picking_id, delivery)
        self.assertEqual(wizard.product_return_moves.mapped("quantity"), [1.0], "the ticket's serial, one unit")
        wizard.action_create_returns()
        returned = ticket.picking_ids
        self.assertEqual(len(returned), 1)
        self.assertEqual(returned.service_remedy_kind, "return")
        self.assertEqual(returned.return_id, delivery, "Odoo's own return of the delivery")
        self.assertEqual(returned.move_line_ids.lot_id, lots[0], "the serial comes back")
        self.assertEqual(ticket.picking_count, 1)
        self.assertIn(returned.name, ticket.message_ids[0].body)
        self._receive(returned.sudo())
        warranty = self.env["service.warranty"].search([("lot_id", "=", lots[0].id)])
        self.assertEqual(warranty.state, "returned")
        self.assertFalse(lots[0].service_owner_id, "a returned serial is no longer the customer's")
        self.assertEqual(lots[1].service_owner_id, self.customer_a)

    def test_untracked_partial_return_bounded_by_what_is_left(self):
        self._stock(self.product_untracked, 5)
        order = self._sell(self.customer_b, [(self.product_untracked, 5), (self.product_plain, 1)])
        self._stock(self.product_plain, 1)
        self._deliver(order)
        ticket = self._ticket(partner_id=self.customer_b_contact.id, product_id=self.product_untracked.id)
        ticket.team_id = self.team_a
        wizard = self._open_return(ticket)
        quantities = {line.product_id: line.quantity for line in wizard.product_return_moves}
        self.assertEqual(quantities, {self.product_untracked: 5.0, self.product_plain: 0.0})
        wizard.product_return_moves.filtered(lambda line: line.product_id == self.product_untracked).quantity = 2
        wizard.action_create_returns()
        self.assertEqual(ticket.picking_ids.move_ids.product_uom_qty, 2.0)
        again = self._open_return(ticket)
        line = again.product_return_moves.filtered(lambda line: line.product_id == self.product_untracked)
        self.assertEqual(line.quantity, 3.0, "what is left after the return under way")
        line.quantity = 4
        with self.assertRaisesRegex(UserError, "3.0 left to return"):
            again.action_create_returns()
        self.assertEqual(len(ticket.picking_ids), 1, "nothing created")

    def test_cannot_return_more_than_delivered(self):
        order, delivery, _lots = self._serial_sold(self.customer_a, ["SDR-M1"])
        ticket = self._ticket(product_id=self.product_serial.id, sale_order_id=order.id)
        wizard = self._open_return(ticket)
        wizard.product_return_moves.quantity = 2
        with self.assertRaisesRegex(UserError, "cannot return 2"):
            wizard.action_create_returns()
        self.assertFalse(self.env["stock.picking"].search([("return_id", "=", delivery.id)]))

    def test_serial_of_another_customer_is_refused(self):
        _order, _delivery, lots = self._serial_sold(self.customer_a, ["SDR-O1"])
        ticket = self._ticket(partner_id=self.customer_b_contact.id, lot_id=lots.id)
        with self.assertRaisesRegex(UserError, "belongs to SD Customer A"):
            ticket.with_user(self.user_agent_a).action_service_return()

    def test_serial_already_returned_is_refused(self):
        _order, delivery, lots = self._serial_sold(self.customer_a, ["SDR-A1"])
        self._return(delivery, {self.product_serial: 1}, lots=lots)
        ticket = self._ticket(lot_id=lots.id)
        with self.assertRaisesRegex(UserError, "returned already"):
            ticket.with_user(self.user_agent_a).action_service_return()

    def test_serial_on_its_way_back_is_refused(self):
        order, _delivery, lots = self._serial_sold(self.customer_a, ["SDR-W1"])
        ticket = self._ticket(lot_id=lots.id, sale_order_id=order.id)
        self._open_return(ticket).action_create_returns()
        with self.assertRaisesRegex(UserError, "already on its way back"):
            ticket.with_user(self.user_agent_a).action_service_return()

    def test_nothing_to_return_says_why(self):
        ticket = self._ticket()
        with self.assertRaisesRegex(UserError, "serial number, product or sale order first"):
            ticket.with_user(self.user_agent_a).action_service_return()
        ticket.product_id = self.product_untracked
        with self.assertRaisesRegex(UserError, "Nothing was delivered"):
            ticket.with_user(self.user_agent_a).action_service_return()

    def test_agent_of_another_team_cannot_return(self):
        _order, _delivery, lots = self._serial_sold(self.customer_a, ["SDR-T1"])
        ticket = self._ticket(lot_id=lots.id, team_id=self.team_b.id)
        ticket.user_id = False
        with self.assertRaises(AccessError):
            ticket.with_user(self.user_agent_a).action_service_return()
        with self.assertRaises(AccessError):
            ticket.with_user(self.user_internal).action_service_return()

    def _exchange(self, ticket):
        self._open_return(ticket).action_create_exchanges()
        returned = ticket.picking_ids.filtered(lambda p: p.service_remedy_kind == "return")
        replacement = ticket.picking_ids.filtered(lambda p: p.service_remedy_kind == "replacement")
        self.assertEqual(len(returned), 1)
        self.assertEqual(len(replacement), 1)
        return returned, replacement

    def test_exchange_ships_a_replacement_that_continues_the_warranty(self):
        with freeze_time("2026-01-15 10:00:00"):
            order, _delivery, lots = self._serial_sold(self.customer_a_contact, ["SDX-OLD"])
        new_lot = self._stock_serials(self.product_serial, ["SDX-NEW"])
        with freeze_time("2026-05-04 10:00:00"):
            ticket = self._ticket(lot_id=lots.id, sale_order_id=order.id)
            returned, replacement = self._exchange(ticket)
            self.assertEqual(replacement.picking_type_id.code, "outgoing")
            self.assertEqual(replacement.partner_id, self.customer_a_contact)
            self._receive(returned.sudo())
            self._validate(replacement.sudo(), lots=new_lot)
        old = self.env["service.warranty"].search([("lot_id", "=", lots.id)])
        new = self.env["service.warranty"].search([("lot_id", "=", new_lot.id)])
        self.assertEqual(old.state, "returned")
        self.assertEqual(len(new), 1, "one warranty for the replacement, never two")
        self.assertEqual(new.replaced_warranty_id, old)
        self.assertEqual(new.start_date, date(2026, 5, 4))
        self.assertEqual(new.end_date, date(2027, 1, 15), "the replaced unit's end date")
        self.assertEqual(new_lot.service_owner_id, self.customer_a, "the replacement is the customer's")
        self.assertFalse(lots.service_owner_id)

    def test_exchange_with_fresh_warranty_by_product_setting(self):
        self.product_serial.service_replacement_warranty = "fresh"
        with freeze_time("2026-01-15 10:00:00"):
            order, _delivery, lots = self._serial_sold(self.customer_a, ["SDX-F-OLD"])
        new_lot = self._stock_serials(self.product_serial, ["SDX-F-NEW"])
        with freeze_time("2026-05-04 10:00:00"):
            ticket = self._ticket(lot_id=lots.id, sale_order_id=order.id)
            _returned, replacement = self._exchange(ticket)
            self._validate(replacement.sudo(), lots=new_lot)
        new = self.env["service.warranty"].search([("lot_id", "=", new_lot.id)])
        self.assertEqual(new.end_date, date(2027, 5, 4), "twelve months from the replacement's delivery")

    def test_second_exchange_of_the_same_unit_is_refused(self):
        self._stock(self.product_untracked, 3)
        order = self._sell(self.customer_a, [(self.product_untracked, 3)])
        self._deliver(order)
        ticket = self._ticket(product_id=self.product_untracked.id, sale_order_id=order.id)
        wizard = self._open_return(ticket)
        wizard.product_return_moves.quantity = 1
        wizard.action_create_exchanges()
        count = self.env["stock.picking"].search_count([])
        again = self._open_return(ticket)
        again.product_return_moves.quantity = 1
        with self.assertRaisesRegex(UserError, "already has a replacement"):
            again.action_create_exchanges()
        self.assertEqual(self.env["stock.picking"].search_count([]), count, "nothing created")
        again.action_create_returns()
        self.assertEqual(self.env["stock.picking"].search_count([]), count + 1, "a plain return is still possible")

    def test_exchange_failing_midway_leaves_no_return_behind(self):
        order, delivery, lots = self._serial_sold(self.customer_a, ["SDX-MID"])
        ticket = self._ticket(lot_id=lots.id, sale_order_id=order.id)
        wizard = self._open_return(ticket)
        # nothing can ship the replacement: Odoo refuses after the return is made
        self.env["stock.rule"].search([("location_dest_id.usage", "=", "customer")]).active = False
        with self.assertRaises(UserError):
            wizard.action_create_exchanges()
        self.assertFalse(self.env["stock.picking"].search([("return_id", "=", delivery.id)]))
        self.assertFalse(ticket.picking_ids)

    def test_stock_user_keeps_odoos_return_action(self):
        order, _delivery, lots = self._serial_sold(self.customer_a, ["SDR-S1"])
        ticket = self._ticket(lot_id=lots.id, sale_order_id=order.id)
        self.user_agent_a.group_ids = [Command.link(self.env.ref("stock.group_stock_user").id)]
        action = self._open_return(ticket).action_create_returns()
        self.assertEqual(action["res_model"], "stock.picking")
        self.assertEqual(action["res_id"], ticket.picking_ids.id)


@tagged("post_install", "-at_install")
class TestServiceCreditNotes(RemedyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order = cls._sell(cls.customer_a_contact, [(cls.product_untracked, 3), (cls.product_labour, 1)])

    def test_credit_note_of_the_tickets_product_only(self):
        invoice = self._invoice(self.order)
        ticket = self._ticket(ticket_type="refund", sale_order_id=self.order.id, product_id=self.product_untracked.id)
        self._credit(ticket)
        credit = ticket.credit_note_ids
        self.assertEqual(len(credit), 1)
        self.assertEqual(credit.move_type, "out_refund")
        self.assertEqual(credit.state, "posted")
        self.assertEqual(credit.reversed_entry_id, invoice)
        self.assertEqual(credit.invoice_line_ids.product_id, self.product_untracked, "only the ticket's product")
        self.assertEqual(credit.invoice_line_ids.quantity, 3.0)
        self.assertEqual(ticket.credit_note_count, 1)
        self.assertIn(credit.name, ticket.message_ids[0].body)

    def test_partial_credit_note_then_what_is_left(self):
        self._invoice(self.order)
        ticket = self._ticket(ticket_type="refund", sale_order_id=self.order.id, product_id=self.product_untracked.id)
        self._credit(ticket, quantity=1)
        self.assertEqual(ticket.credit_note_ids.invoice_line_ids.quantity, 1.0)
        self.assertAlmostEqual(ticket.credit_note_ids.amount_untaxed, 40.0)
        with self.assertRaisesRegex(UserError, "2.0 invoiced and not credited"):
            self._credit(ticket, quantity=3)
        self.assertEqual(len(ticket.credit_note_ids), 1, "nothing created")

    def test_whole_invoice_when_the_ticket_has_no_product(self):
        self._invoice(self.order)
        ticket = self._ticket(ticket_type="refund", sale_order_id=self.order.id)
        self._credit(ticket)
        self.assertEqual(
            ticket.credit_note_ids.invoice_line_ids.product_id, self.product_untracked | self.product_labour
        )

    def test_no_invoice_unposted_or_cancelled_says_so(self):
        ticket = self._ticket(ticket_type="refund", sale_order_id=self.order.id)
        with self.assertRaisesRegex(UserError, "has no invoice yet"):
            ticket.with_user(self.user_agent_a).action_service_credit_note()
        invoice = self._invoice(self.order, post=False)
        with self.assertRaisesRegex(UserError, "not posted yet"):
            ticket.with_user(self.user_agent_a).action_service_credit_note()
        invoice.button_cancel()
        with self.assertRaisesRegex(UserError, "are cancelled"):
            ticket.with_user(self.user_agent_a).action_service_credit_note()
        self.assertFalse(
            self.env["account.move"].search([("move_type", "=", "out_refund"), ("reversed_entry_id", "=", invoice.id)])
        )

    def test_invoice_cancelled_while_the_wizard_is_open(self):
        invoice = self._invoice(self.order)
        ticket = self._ticket(ticket_type="refund", sale_order_id=self.order.id)
        action = ticket.with_user(self.user_agent_a).action_service_credit_note()
        form = self._reversal_form(action, self.user_agent_a)
        form.reason = "late"
        wizard = form.save()
        invoice.button_draft()
        invoice.button_cancel()
        with self.assertRaisesRegex(UserError, "Only posted invoices can be credited"):
            wizard.refund_moves()
        self.assertFalse(ticket.credit_note_ids)

    def test_order_of_another_customer_is_refused(self):
        self._invoice(self.order)
        ticket = self._ticket(partner_id=self.customer_b_contact.id, sale_order_id=self.order.id)
        with self.assertRaisesRegex(UserError, "not to this ticket's customer"):
            ticket.with_user(self.user_agent_a).action_service_credit_note()

    def test_above_the_team_amount_waits_for_a_manager(self):
        self.team_a.credit_note_approval_amount = 100.0
        self.team_a.member_ids = [Command.create({"user_id": self.user_manager.id})]
        self._invoice(self.order)
        ticket = self._ticket(ticket_type="refund", sale_order_id=self.order.id, product_id=self.product_untracked.id)
        action = self._credit(ticket)
        self.assertEqual(action["tag"], "display_notification")
        credit = ticket.credit_note_ids
        self.assertEqual(credit.state, "draft", "not issued")
        self.assertTrue(credit.service_awaiting_approval)
        self.assertTrue(ticket.credit_note_awaiting_approval)
        other = ticket.activity_schedule(
            "mail.mail_activity_data_todo", summary="Call back", user_id=self.user_agent_a.id
        )
        activity = ticket.activity_ids - other
        self.assertEqual(
            activity.activity_type_id, self.env.ref("service_desk.mail_activity_type_credit_note_approval")
        )
        self.assertEqual(activity.user_id, self.user_manager, "the team's manager")
        with self.assertRaises(AccessError):
            ticket.with_user(self.user_agent_a).action_service_approve_credit_notes()
        ticket.with_user(self.user_manager).action_service_approve_credit_notes()
        self.assertEqual(credit.state, "posted")
        self.assertFalse(credit.service_awaiting_approval)
        self.assertEqual(ticket.activity_ids, other, "the approval is done, the agent's own to-do stays")

    def test_below_the_team_amount_or_by_a_manager_is_issued(self):
        self.team_a.credit_note_approval_amount = 100.0
        self._invoice(self.order)
        ticket = self._ticket(ticket_type="refund", sale_order_id=self.order.id, product_id=self.product_untracked.id)
        self._credit(ticket, quantity=1)
        self.assertEqual(ticket.credit_note_ids.state, "posted", "40 + tax is under 100")
        self._credit(ticket, user=self.user_manager, quantity=2)
        self.assertEqual(set(ticket.credit_note_ids.mapped("state")), {"posted"}, "a manager needs nobody's approval")


@tagged("post_install", "-at_install")
class TestServiceRepairs(RemedyCommon):
    def _confirm(self, repair):
        """Confirm as the technician does: the unit is the customer's, not in
        stock, so Odoo asks to confirm anyway."""
        action = repair.action_validate()
        if isinstance(action, dict):
            self.env[action["res_model"]].with_context(**action["context"]).create({}).action_done()
        self.assertEqual(repair.state, "confirmed")

    def test_repair_under_warranty_is_free(self):
        with freeze_time("2026-01-15 10:00:00"):
            order, _delivery, lots = self._serial_sold(self.customer_a_contact, ["SDP-W1"])
        with freeze_time("2026-06-01 10:00:00"):
            ticket = self._ticket(ticket_type="incident", lot_id=lots.id, sale_order_id=order.id)
            self.assertTrue(ticket.under_warranty)
            ticket.with_user(self.user_agent_a).action_service_repair()
        repair = ticket.repair_ids
        self.assertEqual(len(repair), 1)
        self.assertTrue(repair.under_warranty)
        self.assertEqual(repair.product_id, self.product_serial)
        self.assertEqual(repair.lot_id, lots)
        self.assertEqual(repair.partner_id, self.customer_a_contact)
        self.assertEqual(repair.sale_order_id, order)
        self.assertIn("free of charge", ticket.message_ids[0].body)
        self.assertEqual(ticket.repair_count, 1)

    def test_repair_out_of_warranty_sends_its_quotation(self):
        with freeze_time("2024-01-15 10:00:00"):
            order, _delivery, lots = self._serial_sold(self.customer_a_contact, ["SDP-P1"])
        ticket = self._ticket(ticket_type="incident", lot_id=lots.id, sale_order_id=order.id)
        self.assertFalse(ticket.under_warranty)
        ticket.with_user(self.user_agent_a).action_service_repair()
        repair = ticket.repair_ids.sudo()
        self.assertFalse(repair.under_warranty)
        self.assertFalse(repair.sale_order_id)
        repair.move_ids = [
            Command.create({"product_id": self.product_untracked.id, "product_uom_qty": 1, "repair_line_type": "add"})
        ]
        self._stock(self.product_untracked, 1)
        self._confirm(repair)
        quotation = repair.sale_order_id
        self.assertTrue(quotation, "Odoo's quotation of the repair")
        self.assertEqual(quotation.state, "sent")
        self.assertEqual(quotation.partner_id, self.customer_a_contact)
        self.assertEqual(quotation.order_line.product_id, self.product_untracked)
        self.assertGreater(quotation.amount_untaxed, 0)
        self.assertIn(quotation.name, ticket.message_ids[0].body)

    def test_repair_covered_by_a_contract_is_free(self):
        with freeze_time("2024-01-15 10:00:00"):
            order, _delivery, lots = self._serial_sold(self.customer_a, ["SDP-C1"])
        self.env["service.contract"].create(
            {
                "name": "SD Care",
                "partner_id": self.customer_a.id,
                "date_start": date(2025, 1, 1),
                "product_ids": [Command.link(self.product_serial.id)],
                "sla_policy_id": self.env["service.sla.policy"].search([], limit=1).id,
            }
        )
        ticket = self._ticket(ticket_type="incident", lot_id=lots.id, sale_order_id=order.id)
        self.assertFalse(ticket.under_warranty)
        ticket.with_user(self.user_agent_a).action_service_repair()
        self.assertTrue(ticket.repair_ids.under_warranty)

    def test_what_cannot_be_repaired_is_refused(self):
        ticket = self._ticket(ticket_type="incident", product_id=self.product_labour.id)
        with self.assertRaisesRegex(UserError, "not a good that can be repaired"):
            ticket.with_user(self.user_agent_a).action_service_repair()
        ticket.product_id = self.product_serial
        with self.assertRaisesRegex(UserError, "serial number of the unit"):
            ticket.with_user(self.user_agent_a).action_service_repair()
        _order, _delivery, lots = self._serial_sold(self.customer_b, ["SDP-X1"])
        ticket.lot_id = lots
        with self.assertRaisesRegex(UserError, "belongs to SD Customer B"):
            ticket.with_user(self.user_agent_a).action_service_repair()
        self.assertFalse(self.env["repair.order"].search([("service_ticket_id", "=", ticket.id)]))

    def test_one_repair_under_way_per_unit(self):
        _order, _delivery, lots = self._serial_sold(self.customer_a, ["SDP-D1"])
        ticket = self._ticket(ticket_type="incident", lot_id=lots.id)
        ticket.with_user(self.user_agent_a).action_service_repair()
        with self.assertRaisesRegex(UserError, "already has a repair under way"):
            ticket.with_user(self.user_agent_a).action_service_repair()
        self.assertEqual(len(ticket.repair_ids), 1)

    def _finish(self, repair):
        repair = repair.sudo()
        self._confirm(repair)
        repair.action_repair_start()
        repair.action_repair_end()
        self.assertEqual(repair.state, "done")

    def test_repair_done_resolves_the_ticket_when_the_team_says_so(self):
        _order, _delivery, lots = self._serial_sold(self.customer_a, ["SDP-R1"])
        ticket = self._ticket(ticket_type="incident", lot_id=lots.id)
        ticket.with_user(self.user_agent_a).action_service_repair()
        self._finish(ticket.repair_ids)
        self.assertTrue(ticket.is_resolved)
        self.assertIn("is done", ticket.message_ids.filtered(lambda m: "is done" in (m.body or ""))[:1].body)

    def test_repair_done_leaves_the_ticket_when_the_team_does_not(self):
        self.team_a.repair_done_resolves = False
        _order, _delivery, lots = self._serial_sold(self.customer_a, ["SDP-R2"])
        ticket = self._ticket(ticket_type="incident", lot_id=lots.id)
        ticket.with_user(self.user_agent_a).action_service_repair()
        self._finish(ticket.repair_ids)
        self.assertFalse(ticket.is_resolved)


@tagged("post_install", "-at_install")
class TestRemedyAccess(RemedyCommon):
    def test_agents_read_remedies_of_their_teams_tickets_only(self):
        order_a, _d, lots_a = self._serial_sold(self.customer_a, ["SDA-1"])
        order_b, _d, lots_b = self._serial_sold(self.customer_b, ["SDA-2"])
        ticket_a = self._ticket(lot_id=lots_a.id, sale_order_id=order_a.id)
        ticket_b = self._ticket(
            partner_id=self.customer_b_contact.id, lot_id=lots_b.id, sale_order_id=order_b.id, team_id=self.team_b.id
        )
        ticket_b.user_id = self.user_agent_b
        self._open_return(ticket_a).action_create_returns()
        self._open_return(ticket_b, user=self.user_agent_b).action_create_returns()
        Picking = self.env["stock.picking"].with_user(self.user_agent_a)
        self.assertEqual(Picking.search([("service_ticket_id", "!=", False)]), ticket_a.picking_ids)
        with self.assertRaises(AccessError):
            ticket_b.picking_ids.with_user(self.user_agent_a).read(["name"])
        self.assertEqual(ticket_a.with_user(self.user_agent_a).picking_count, 1)
        # a stock user who is also an agent keeps seeing every transfer (the demo's remedies too)
        self.user_agent_a.group_ids = [Command.link(self.env.ref("stock.group_stock_user").id)]
        every = self.env["stock.picking"].search([("service_ticket_id", "!=", False)])
        self.assertLessEqual(ticket_a.picking_ids | ticket_b.picking_ids, every)
        self.assertEqual(Picking.search([("service_ticket_id", "!=", False)]), every)

    def test_agents_read_invoices_of_their_tickets_customers_only(self):
        order_a = self._sell(self.customer_a, [(self.product_untracked, 1)])
        order_b = self._sell(self.customer_b, [(self.product_untracked, 1)])
        invoice_a = self._invoice(order_a)
        invoice_b = self._invoice(order_b)
        self._ticket(sale_order_id=order_a.id)
        Move = self.env["account.move"].with_user(self.user_agent_a)
        self.assertEqual(Move.search([("id", "in", (invoice_a | invoice_b).ids)]), invoice_a)
        with self.assertRaises(AccessError):
            invoice_b.with_user(self.user_agent_a).read(["name"])
        self.assertEqual(
            self.env["account.move"].with_user(self.user_manager).search([("id", "in", (invoice_a | invoice_b).ids)]),
            invoice_a | invoice_b,
        )

    def test_team_settings_are_for_managers(self):
        with self.assertRaises(AccessError):
            self.team_a.with_user(self.user_agent_a).credit_note_approval_amount = 1.0
        with Form(self.team_a.with_user(self.user_manager)) as form:
            form.credit_note_approval_amount = 250.0
        self.assertEqual(self.team_a.credit_note_approval_amount, 250.0)

    def test_companies_stay_apart(self):
        order, _delivery, lots = self._serial_sold(self.customer_a, ["SDA-MC"])
        ticket = self._ticket(lot_id=lots.id, sale_order_id=order.id)
        self._invoice(order)
        self._open_return(ticket).action_create_returns()
        agent = self.user_agent_other
        with self.assertRaises(AccessError):
            ticket.with_user(agent).action_service_return()
        with self.assertRaises(AccessError):
            ticket.with_user(agent).action_service_credit_note()
        with self.assertRaises(AccessError):
            ticket.with_user(agent).action_service_repair()
        self.assertFalse(self.env["stock.picking"].with_user(agent).search([("service_ticket_id", "=", ticket.id)]))
        self.assertFalse(self.env["account.move"].with_user(agent).search([("partner_id", "=", self.customer_a.id)]))
