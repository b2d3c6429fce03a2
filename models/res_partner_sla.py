from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    service_sla_policy_id = fields.Many2one(
        "service.sla.policy",
        string="SLA Policy",
        compute="_compute_service_sla_policy_id",
        help="Policy that applies to this customer's tickets unless a team, category, type or priority "
        "condition of another policy matches first.",
    )

    def _service_contract_policy(self):
        """Policy of the customer's active service contract; contracts extend this."""
        self.ensure_one()
        return self.env["service.sla.policy"]

    def _service_sla_facts(self):
        """What the policies' conditions read of a ticket of this customer
        that says nothing else (no team, category, type nor priority)."""
        self.ensure_one()
        return {
            "company_id": self.env.company.id,
            "tier_id": (self.service_tier_id or self.commercial_partner_id.service_tier_id).id,
            "customer_ids": {self.id, self.commercial_partner_id.id},
        }

    def _compute_service_sla_policy_id(self):
        Policy = self.env["service.sla.policy"]
        if not Policy.has_access("read"):
            self.service_sla_policy_id = False
            return
        for partner in self:
            policy, __ = Policy._select(partner._service_sla_facts(), partner._service_contract_policy())
            partner.service_sla_policy_id = policy
