from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain

from .service_warranty_portal import PORTAL_EXPIRING_DAYS


class ServiceContract(models.Model):
    """What the customer portal shows of the contracts."""

    _inherit = "service.contract"

    @api.model
    def _portal_domain(self, partner):
        """The contracts of `partner`'s company, its contacts' included."""
        return Domain("partner_id", "child_of", partner.commercial_partner_id.id)

    @api.model
    def _portal_filter_domains(self, today=None):
        today = today or fields.Date.context_today(self)
        soon = today + timedelta(days=PORTAL_EXPIRING_DAYS)
        return {
            "all": Domain.TRUE,
            "active": Domain("state", "=", "active"),
            "expiring": Domain("state", "=", "active")
            & Domain("date_end", "!=", False)
            & Domain("date_end", "<=", soon),
            "expired": Domain("state", "in", ("expired", "cancelled")),
        }

    def _portal_sla_targets(self):
        """[(label, hours)] of the contract's SLA policy, the targets it sets only."""
        self.ensure_one()
        # sudo: the target hours of a contract the portal found with the customer's rights
        policy = self.sudo().sla_policy_id
        targets = [
            (self.env._("First response"), policy.first_response_hours),
            (self.env._("Next response"), policy.next_response_hours),
            (self.env._("Resolution"), policy.resolution_hours),
        ]
        return [(label, hours) for label, hours in targets if hours]
