from odoo import fields, models


class ServiceTicket(models.Model):
    _inherit = "service.ticket"

    recommendation_ids = fields.Many2many(
        "service.recommendation",
        compute="_compute_recommendation_ids",
        string="Suggestions",
        help="What the agent can offer this customer, best first.",
    )

    def _compute_recommendation_ids(self):
        Recommendation = self.env["service.recommendation"]
        if not Recommendation.has_access("read"):
            self.recommendation_ids = False
            return
        found = Recommendation.search([("partner_id", "in", self.commercial_partner_id.ids)])
        for ticket in self:
            ticket.recommendation_ids = found.filtered(lambda r: r.partner_id == ticket.commercial_partner_id)
