from odoo import api, models


class ServiceTicket(models.Model):
    """Tier behaviour of the ticket: new tickets of a higher tier start at a
    higher priority (service.tier.priority_boost)."""

    _inherit = "service.ticket"

    @api.model_create_multi
    def create(self, vals_list):
        Partner = self.env["res.partner"].sudo()
        for vals in vals_list:
            if not vals.get("partner_id"):
                continue
            partner = Partner.browse(vals["partner_id"])
            tier = partner.service_tier_id or partner.commercial_partner_id.service_tier_id
            if tier.priority_boost:
                priority = int(vals.get("priority") or self.default_get(["priority"]).get("priority") or 0)
                vals["priority"] = str(min(3, priority + tier.priority_boost))
        return super().create(vals_list)
