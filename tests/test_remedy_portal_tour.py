"""The customer asks for a return on the portal and sees it received, in a browser."""

from odoo.tests import HttpCase, tagged

from .common import Customer360Common


@tagged("post_install", "-at_install")
class TestRemedyPortalTour(HttpCase, Customer360Common):
    def test_request_return_with_photo_then_see_it_received(self):
        self.env["service.team"].search([("portal_visible", "=", True)]).portal_visible = False
        self.team_a.portal_visible = True
        lot = self._stock_serials(self.product_serial, ["SDRP-T1"])
        order = self._sell(self.customer_a_contact, [(self.product_serial, 1)])
        self._deliver(order, lots=lot)
        warranty = self.env["service.warranty"].search([("lot_id", "=", lot.id)])
        self.assertEqual(len(warranty), 1)

        self.start_tour(
            f"/my/service/warranties/{warranty.id}",
            "service_desk_portal_remedy_request_tour",
            login=self.user_portal_a.login,
        )
        ticket = self.env["service.ticket"].search([("remedy_request", "=", "return")])
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.partner_id, self.partner_portal_a)
        self.assertEqual(ticket.lot_id, lot)
        self.assertEqual(ticket.remedy_line_ids.lot_id, lot)
        photo = self.env["ir.attachment"].search([("res_model", "=", "service.ticket"), ("res_id", "=", ticket.id)])
        self.assertEqual(photo.name, "cracked.png")
        self.assertEqual(photo.mimetype, "image/png")

        # the agent makes the return the customer asked; the warehouse receives it
        ticket.user_id = self.user_agent_a
        action = ticket.with_user(self.user_agent_a).action_service_return()
        wizard = (
            self.env["stock.return.picking"].with_user(self.user_agent_a).with_context(**action["context"]).create({})
        )
        self.assertEqual(wizard.product_return_moves.mapped("quantity"), [1.0])
        wizard.action_create_returns()
        returned = ticket.picking_ids.sudo()
        returned.move_ids.picked = True
        returned.with_context(skip_backorder=True, skip_sms=True).button_validate()
        self.assertEqual(returned.state, "done")

        self.start_tour(
            f"/my/service/tickets/{ticket.id}",
            "service_desk_portal_remedy_received_tour",
            login=self.user_portal_a.login,
        )
