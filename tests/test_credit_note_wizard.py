"""Odoo's own credit note wizard, used in Accounting without a service
ticket, works as Odoo made it with the desk installed."""

from odoo.tests import tagged

from .common import Customer360Common


@tagged("post_install", "-at_install")
class TestCreditNoteWithoutTicket(Customer360Common):
    def test_accounting_credits_an_invoice_without_a_ticket(self):
        self.product_untracked.invoice_policy = "order"
        order = self._sell(self.customer_a_contact, [(self.product_untracked, 2)])
        invoice = order._create_invoices()
        invoice.action_post()
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Broken"})
        )
        reversal.refund_moves()
        credit_note = reversal.new_move_ids
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.reversed_entry_id, invoice)
        self.assertFalse(credit_note.service_ticket_id)
        self.assertFalse(reversal.service_product_id)
