from odoo import api, models


class ServiceTicket(models.Model):
    """Tier behaviour of the ticket: new tickets of a higher tier start at a
    higher priority (service.tier.priority_boost)."""

    _inherit = "service.ticket"

    @api.model
    def _prepare_tier_priority(self, vals):
        """Raise the priority in a new ticket's values by its customer's tier
        boost (a step of create, before routing and SLA)."""
        if not vals.get("partner_id"):
            return
        # sudo: the tier of the new ticket's customer, only its priority boost is used
        partner = self.env["res.partner"].sudo().browse(vals["partner_id"])
        tier = partner.service_tier_id or partner.commercial_partner_id.service_tier_id
        if tier.priority_boost:
            priority = int(vals.get("priority") or self.default_get(["priority"]).get("priority") or 0)
            vals["priority"] = str(min(3, priority + tier.priority_boost))
