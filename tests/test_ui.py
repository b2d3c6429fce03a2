"""The agent's screens, driven in a browser."""

from odoo.tests import HttpCase, tagged

from .common import ServiceDeskCommon


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
