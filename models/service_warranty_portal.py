from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain

# A warranty or a contract whose last day falls within this many days is "expiring".
PORTAL_EXPIRING_DAYS = 30


class ServiceWarranty(models.Model):
    """What the customer portal shows of the warranties."""

    _inherit = "service.warranty"

    @api.model
    def _portal_domain(self, partner):
        """The warranties of `partner`'s company: what "my warranties" lists."""
        return Domain("partner_id", "=", partner.commercial_partner_id.id)

    @api.model
    def _portal_filter_domains(self, today=None):
        today = today or fields.Date.context_today(self)
        soon = today + timedelta(days=PORTAL_EXPIRING_DAYS)
        return {
            "all": Domain.TRUE,
            "active": Domain("state", "=", "active"),
            "expiring": Domain("state", "=", "active") & Domain("end_date", "<=", soon),
            "expired": Domain("state", "=", "expired"),
        }

    def _portal_is_expiring(self, today=None):
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        return bool(
            self.state == "active" and self.end_date and self.end_date <= today + timedelta(days=PORTAL_EXPIRING_DAYS)
        )

    def _portal_tickets_domain(self):
        """The tickets about these goods: on the serial, else on the warranty itself."""
        self.ensure_one()
        if self.lot_id:
            return Domain("lot_id", "=", self.lot_id.id) | Domain("warranty_id", "=", self.id)
        return Domain("warranty_id", "=", self.id)

    def _portal_request_url(self):
        """The new-request form, prefilled with the warranty's product and serial."""
        self.ensure_one()
        url = f"/my/service/tickets/new?ticket_type=request&product_id={self.product_id.id}"
        if self.lot_id:
            url += f"&lot_id={self.lot_id.id}"
        return url
