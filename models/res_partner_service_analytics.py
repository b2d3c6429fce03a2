from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.fields import Domain

# default risk score from which a customer is listed as at risk (ir.config_parameter overrides it)
AT_RISK_THRESHOLD = 40
AT_RISK_PARAMETER = "service_desk.at_risk_threshold"


class ResPartner(models.Model):
    """Customer analytics: who is at risk (a search over the risk score, which
    is computed, not stored) and the buying trend next to the service trend."""

    _inherit = "res.partner"

    service_at_risk = fields.Boolean(
        compute="_compute_service_at_risk",
        search="_search_service_at_risk",
        string="At Risk",
        help="The risk score reaches the threshold of at-risk customers (system parameter "
        "service_desk.at_risk_threshold, 40 by default).",
    )

    def _service_at_risk_threshold(self):
        # sudo: a system parameter, no user data; a value that is not a number falls back
        value = self.env["ir.config_parameter"].sudo().get_param(AT_RISK_PARAMETER)
        try:
            threshold = int(value) if value else AT_RISK_THRESHOLD
        except ValueError:
            return AT_RISK_THRESHOLD
        return min(100, max(1, threshold))  # a score of 0 is no sign of trouble

    def _compute_service_at_risk(self):
        threshold = self._service_at_risk_threshold()
        for partner in self:
            partner.service_at_risk = partner.service_risk_score >= threshold

    def _service_risk_candidates(self):
        """Customers whose risk score may be above zero: those with tickets or
        confirmed sales in the last twelve months (every signal of the score
        is read from that period)."""
        since = fields.Datetime.now() - relativedelta(months=12)
        # sudo: customers with tickets in twelve months, ids only, searched then with the user's rights
        ticketing = (
            self.env["service.ticket"]
            .sudo()
            .with_context(active_test=False)
            ._read_group(
                [("create_date", ">=", since), ("commercial_partner_id", "!=", False)],
                ["commercial_partner_id"],
            )
        )
        self.env.flush_all()
        # sudo: customers with sales in twelve months, ids only, for users without sales rights
        buying = (
            self.env["sale.report"]
            .sudo()
            ._read_group(
                [("state", "=", "sale"), ("date", ">=", since), ("commercial_partner_id", "!=", False)],
                ["commercial_partner_id"],
            )
        )
        return self.browse({partner.id for (partner,) in ticketing} | {partner.id for (partner,) in buying})

    def _search_service_at_risk(self, operator, value):
        if operator != "in":
            return NotImplemented
        if set(value) >= {True, False}:
            return Domain.TRUE
        threshold = self._service_at_risk_threshold()
        at_risk = self._service_risk_candidates().filtered(lambda partner: partner.service_risk_score >= threshold)
        return Domain("id", "in" if True in value else "not in", at_risk.ids)

    @api.readonly
    def action_open_service_trend(self):
        """Confirmed sales and tickets of this customer per month, side by side."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("service_desk.service_customer_trend_report_action")
        customer = self.commercial_partner_id
        action["display_name"] = self.env._("%(customer)s: sales and tickets", customer=customer.display_name)
        action["domain"] = [("partner_id", "=", customer.id)]
        return action


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    service_at_risk_threshold = fields.Integer(
        string="At-Risk Threshold",
        config_parameter=AT_RISK_PARAMETER,
        default=AT_RISK_THRESHOLD,
        help="Risk score (1-100) from which a customer is listed among the at-risk customers.",
    )
