from dateutil.relativedelta import relativedelta

from odoo import api, fields, models


class ServiceTier(models.Model):
    """Automatic tiering: each customer company gets the highest tier whose
    minimum yearly revenue its confirmed sales of the last twelve months
    reach; customers whose tier a manager locked keep it."""

    _inherit = "service.tier"

    @api.model
    def _tier_for_revenue(self, tiers, revenue):
        """Highest tier (by sequence) whose minimum is reached; tiers without
        a minimum are the floor."""
        reached = tiers.filtered(lambda t: t.min_yearly_revenue and t.min_yearly_revenue <= revenue)
        if reached:
            return reached.sorted(lambda t: (t.sequence, t.id))[-1]
        floor = tiers.filtered(lambda t: not t.min_yearly_revenue)
        return floor.sorted(lambda t: (t.sequence, t.id))[:1]

    @api.model
    def _cron_update_tiers(self):
        """Set the tier of every customer company from its confirmed sales of
        the last twelve months. Returns {partner: new tier} of those changed."""
        # the tiers are a handful of configuration records, all compared
        tiers = self.search([])  # pylint: disable=no-search-all
        if not tiers.filtered("min_yearly_revenue"):
            return {}
        since = fields.Datetime.now() - relativedelta(months=12)
        self.env.flush_all()  # sale.report is a view over the order lines
        # sudo: yearly sales per customer, for tiers; from the cron or a manager's button (checked)
        revenue = dict(
            self.env["sale.report"]
            .sudo()
            ._read_group(
                [("state", "=", "sale"), ("date", ">=", since), ("commercial_partner_id", "!=", False)],
                ["commercial_partner_id"],
                ["price_subtotal:sum"],
            )
        )
        # sudo: customer companies' tiers, set from their sales only
        Partner = self.env["res.partner"].sudo()
        tiered = Partner.search(
            [
                ("service_tier_id", "in", tiers.filtered("min_yearly_revenue").ids),
                ("is_company", "=", True),
            ]
        )
        candidates = (Partner.union(*revenue) | tiered).filtered(
            lambda p: p == p.commercial_partner_id and not p.service_tier_locked
        )
        changes = {}
        for partner in candidates:
            tier = self._tier_for_revenue(tiers, revenue.get(partner, 0.0))
            if tier != partner.service_tier_id and (tier or partner.service_tier_id.min_yearly_revenue):
                changes[partner] = tier
        by_tier = {}
        for partner, tier in changes.items():
            by_tier.setdefault(tier, Partner)
            by_tier[tier] |= partner
        for tier, partners in by_tier.items():
            partners.write({"service_tier_id": tier.id})
        return changes

    def action_update_tiers(self):
        self.env["service.ticket"]._service_check_manager()
        changes = self._cron_update_tiers()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("%s customer(s) changed tier.", len(changes)),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
