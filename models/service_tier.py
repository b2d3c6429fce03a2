from odoo import fields, models


class ServiceTier(models.Model):
    _name = "service.tier"
    _description = "Customer Service Tier"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10, help="Higher tiers come later.")
    active = fields.Boolean(default=True)
    color = fields.Integer()
    description = fields.Text(translate=True)
    priority_boost = fields.Integer(
        help="Levels added to the priority of this tier's new tickets (0 to 3).",
    )
    min_yearly_revenue = fields.Monetary(
        string="Minimum Yearly Revenue",
        currency_field="currency_id",
        help="Customers whose invoiced revenue over the last twelve months reaches this amount "
        "are moved to this tier by the automatic tiering.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        default=lambda self: self.env.company.currency_id,
        required=True,
    )
    sla_policy_id = fields.Many2one(
        "service.sla.policy",
        string="SLA Policy",
        help="Applies to this tier's tickets that no contract and no other policy covers.",
    )
    partner_ids = fields.One2many("res.partner", "service_tier_id", string="Customers")
    partner_count = fields.Integer(compute="_compute_partner_count")

    _name_uniq = models.UniqueIndex("(name)", "A tier with this name already exists.")
    _priority_boost_range = models.Constraint(
        "CHECK(priority_boost BETWEEN 0 AND 3)",
        "The priority boost goes from 0 to 3.",
    )
    _min_yearly_revenue_positive = models.Constraint(
        "CHECK(min_yearly_revenue >= 0)",
        "The minimum yearly revenue cannot be negative.",
    )

    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("service_tier_id", "in", self.ids)],
                ["service_tier_id"],
                ["__count"],
            )
        )
        for tier in self:
            tier.partner_count = counts.get(tier, 0)
