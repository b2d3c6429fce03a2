"""The customer's portal pages, driven in a browser."""

from odoo.tests import HttpCase, tagged

from .common import ServiceDeskPortalCommon


@tagged("post_install", "-at_install")
class TestPortalTours(HttpCase, ServiceDeskPortalCommon):
    def test_submit_ticket_and_reply(self):
        self.start_tour("/my/service/tickets", "service_desk_portal_submit_tour", login=self.user_portal_a.login)
        ticket = self.env["service.ticket"].search([("name", "=", "Tour: scanner beeps all night")])
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.partner_id, self.partner_portal_a)
        self.assertEqual(ticket.channel, "portal")
        self.assertEqual(ticket.ticket_type, "incident")
        self.assertEqual(ticket.product_id, self.product)
        self.assertEqual(ticket.lot_id, self.lot_a)
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "service.ticket"), ("res_id", "=", ticket.id)]
        )
        self.assertEqual(attachment.name, "beep-log.txt")
        self.assertEqual(attachment.raw, b"beep beep")
        reply = ticket.message_ids.filtered(lambda m: "It also blinks red" in m.body)
        self.assertEqual(reply.author_id, self.partner_portal_a)

    def test_reopen_with_reason(self):
        self.member_a.seniority = "senior"
        self.ticket_a.action_resolve()
        self.start_tour(
            f"/my/service/tickets/{self.ticket_a.id}", "service_desk_portal_reopen_tour", login=self.user_portal_a.login
        )
        self.assertFalse(self.ticket_a.is_resolved)
        self.assertEqual(self.ticket_a.reopen_count, 1)
        self.assertEqual(self.ticket_a.escalation_level, 1)
        self.assertIn("It still beeps at 3 am.", "".join(self.ticket_a.message_ids.mapped("body")))

    def test_confirm_and_rate(self):
        self.ticket_a.write({"user_id": self.user_agent_a.id})
        self.ticket_a.action_resolve()
        self.start_tour(
            f"/my/service/tickets/{self.ticket_a.id}",
            "service_desk_portal_confirm_rate_tour",
            login=self.user_portal_a.login,
        )
        self.assertEqual(self.ticket_a.stage_id, self.stage_closed)
        rating = self.ticket_a.rating_ids.filtered("consumed")
        self.assertEqual(len(rating), 1)
        self.assertEqual(rating.rating, 5)
        self.assertEqual(rating.feedback, "Quick and friendly, thanks!")
        self.assertEqual(rating.partner_id, self.customer_a_contact)
        self.assertFalse(self.ticket_a.activity_ids.filtered(lambda a: a.summary == "Follow up a poor rating"))

    def test_choose_language_in_account(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.partner_portal_a.write(
            {
                "lang": "en_US",
                "street": "Rue du Port 1",
                "city": "Brussels",
                "zip": "1000",
                "phone": "+32 2 555 00 00",
                "country_id": self.env.ref("base.be").id,
            }
        )
        self.start_tour("/my/account", "service_desk_portal_language_tour", login=self.user_portal_a.login)
        self.assertEqual(self.partner_portal_a.lang, "zh_CN")
