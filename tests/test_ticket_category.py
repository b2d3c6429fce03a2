"""Choosing a category on a ticket: every category of the user's companies
is offered (the team follows the category), and typing a new one creates it."""

from odoo import Command
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import ServiceDeskCommon


@tagged("post_install", "-at_install")
class TestTicketCategory(ServiceDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["service.category"]
        cls.category_a = Category.create({"name": "SD Printers", "team_id": cls.team_a.id})
        cls.category_b = Category.create({"name": "SD Deliveries", "team_id": cls.team_b.id})
        cls.category_any = Category.create({"name": "SD General"})
        cls.category_other = Category.create({"name": "SD Elsewhere", "team_id": cls.team_other.id})
        # Alice works in both teams: team A, her first, is the new ticket's default
        cls.team_b.member_ids = [Command.create({"user_id": cls.user_agent_a.id})]

    def _offered_categories(self, user, ticket_form):
        domain = self.env["service.ticket"]._fields["category_id"].domain
        context = {
            "team_id": ticket_form.team_id.id,
            "company_id": ticket_form.company_id.id,
            "allowed_company_ids": user.company_ids.ids,
        }
        return self.env["service.category"].with_user(user).search(safe_eval(domain, context))

    def test_new_ticket_offers_the_categories_of_every_team(self):
        agent = self.user_agent_a
        form = Form(self.env["service.ticket"].with_user(agent))
        self.assertEqual(form.team_id, self.team_a, "the agent's first team by default")
        offered = self._offered_categories(agent, form)
        self.assertIn(self.category_a, offered)
        self.assertIn(self.category_b, offered, "a category of another team of the agent")
        self.assertIn(self.category_any, offered)
        self.assertNotIn(self.category_other, offered, "not another company's")
        form.name = "Parcel lost"
        form.category_id = self.category_b
        self.assertEqual(form.team_id, self.team_b, "the team follows the category")
        ticket = form.save()
        self.assertEqual((ticket.team_id, ticket.category_id), (self.team_b, self.category_b))

    def test_typed_category_is_created_by_its_name(self):
        Category = self.env["service.category"].with_user(self.user_manager)
        category_id, display_name = Category.name_create("SD Scanners")
        category = Category.browse(category_id)
        self.assertEqual((category.name, display_name), ("SD Scanners", "SD Scanners"))
        category_id, display_name = Category.name_create("SD Printers / Laser")
        laser = Category.browse(category_id)
        self.assertEqual((laser.name, laser.parent_id), ("Laser", self.category_a), "placed under the path typed")
        self.assertEqual(display_name, "SD Printers / Laser")
        category_id, __ = Category.name_create("Nowhere / Toner")
        self.assertEqual(Category.browse(category_id).name, "Nowhere / Toner", "an unknown path is a plain name")
