from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    service_sla_policy_id = fields.Many2one(
        "service.sla.policy",
        string="SLA Policy",
        compute="_compute_service_sla_policy_id",
        help="Policy that applies to this customer's tickets unless a team, category or priority "
        "condition of another policy matches first.",
    )

    def _service_contract_policy(self):
        """Policy of the customer's active service contract; contracts extend this."""
        self.ensure_one()
        return self.env["service.sla.policy"]

    def _compute_service_sla_policy_id(self):
        Policy = self.env["service.sla.policy"]
        if not Policy.has_access("read"):
            self.service_sla_policy_id = False
            return
        policies = Policy._policies_for_matching()
        for partner in self:
            customer = partner | partner.commercial_partner_id
            tier = partner.service_tier_id or partner.commercial_partner_id.service_tier_id
            partner.service_sla_policy_id = (
                partner._service_contract_policy()
                or next((p for p in policies if p.partner_ids & customer), Policy)
                or next((p for p in policies if tier and tier in p.tier_ids), Policy)
                or tier.sla_policy_id
            )
