from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command, Domain

RECOMMENDATION_KINDS = [
    ("warranty_extension", "Warranty Extension"),
    ("contract_renewal", "Contract Renewal"),
    ("cross_sell", "Cross-sell"),
    ("upgrade", "Upgrade"),
]
WARRANTY_HORIZON_DAYS = 60
CONTRACT_HORIZON_DAYS = 60
UPGRADE_MIN_TICKETS = 3
CROSS_SELL_PER_CUSTOMER = 3
REFRESH_BATCH = 200


class ServiceRecommendation(models.Model):
    """A suggestion for an agent to offer a customer, with a score and a
    one-line reason; recomputed by refresh_for() and its daily batch cron."""

    _name = "service.recommendation"
    _description = "Service Recommendation"
    _order = "score desc, id"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    product_id = fields.Many2one("product.product", index=True, ondelete="cascade")
    kind = fields.Selection(RECOMMENDATION_KINDS, required=True, index=True)
    score = fields.Integer(help="0 to 100: how strongly to offer it.")
    reason = fields.Char(required=True)
    warranty_id = fields.Many2one("service.warranty", ondelete="cascade")
    contract_id = fields.Many2one("service.contract", ondelete="cascade")
    sale_order_id = fields.Many2one("sale.order", string="Quotation", readonly=True, copy=False)

    # ------------------------------------------------------------------
    # Computation
    # ------------------------------------------------------------------

    @api.model
    def refresh_for(self, partners):
        """Replace the suggestions of these customers' companies, in batches."""
        commercials = partners.commercial_partner_id
        created = self.browse()
        for start in range(0, len(commercials), REFRESH_BATCH):
            batch = commercials[start : start + REFRESH_BATCH]
            # sudo: these customers' suggestions, from the daily cron (RPC cannot pass records)
            self.sudo().search([("partner_id", "in", batch.ids), ("sale_order_id", "=", False)]).unlink()
            values = (
                self._warranty_extension_values(batch)
                + self._contract_renewal_values(batch)
                + self._cross_sell_values(batch)
                + self._upgrade_values(batch)
            )
            # sudo: suggestions built here from these customers' warranties, contracts, tickets, sales
            created |= self.sudo().create(values)
        return created

    @api.model
    def _cron_refresh(self, batch_size=1000):
        """Daily: refresh the suggestions of every customer company, one
        batch at a time; memory does not grow with the number of customers."""
        Partner = self.env["res.partner"]
        last_id = 0
        while True:
            batch = Partner.search(
                Domain("id", ">", last_id) & self._customer_domain(),
                order="id",
                limit=batch_size,
            )
            if not batch:
                break
            last_id = batch[-1].id
            self.refresh_for(batch)
            self.env.flush_all()
            self.env.invalidate_all()

    @api.model
    def _customer_domain(self):
        """Customers that bought, own or asked something (their companies get the suggestions)."""
        return Domain.OR(
            [
                Domain("customer_rank", ">", 0),
                Domain("sale_order_ids", "!=", False),
                Domain("service_warranty_ids", "!=", False),
                Domain("service_contract_ids", "!=", False),
                Domain("service_ticket_ids", "!=", False),
            ]
        )

    @api.model
    def _warranty_extension_values(self, partners):
        today = fields.Date.context_today(self)
        # sudo: these customers' warranties ending soon, for the daily suggestions
        warranties = (
            self.env["service.warranty"]
            .sudo()
            .search(
                [
                    ("partner_id", "in", partners.ids),
                    ("state", "=", "active"),
                    ("end_date", "<=", today + relativedelta(days=WARRANTY_HORIZON_DAYS)),
                    ("product_tmpl_id.service_extension_product_id", "!=", False),
                ]
            )
        )
        values = []
        for warranty in warranties:
            days = (warranty.end_date - today).days
            extension = warranty.product_id.service_extension_product_id
            values.append(
                {
                    "partner_id": warranty.partner_id.id,
                    "company_id": warranty.company_id.id,
                    "product_id": extension.id,
                    "kind": "warranty_extension",
                    "warranty_id": warranty.id,
                    "score": max(50, 100 - days // 2),
                    "reason": self.env._(
                        "Warranty of %(item)s ends on %(end)s (in %(days)s days): offer %(extension)s.",
                        item=warranty.display_name,
                        end=warranty.end_date,
                        days=days,
                        extension=extension.display_name,
                    ),
                }
            )
        return values

    @api.model
    def _contract_renewal_values(self, partners):
        today = fields.Date.context_today(self)
        # sudo: these customers' contracts ending soon, for the daily suggestions
        contracts = (
            self.env["service.contract"]
            .sudo()
            .search(
                [
                    ("partner_id.commercial_partner_id", "in", partners.ids),
                    ("state", "=", "active"),
                    ("date_end", "!=", False),
                    ("date_end", "<=", today + relativedelta(days=CONTRACT_HORIZON_DAYS)),
                ]
            )
        )
        values = []
        for contract in contracts:
            days = (contract.date_end - today).days
            product = contract.sale_order_id.order_line.filtered(
                lambda sol: sol.product_id and not sol.display_type,
            )[:1].product_id
            values.append(
                {
                    "partner_id": contract.partner_id.commercial_partner_id.id,
                    "company_id": contract.company_id.id,
                    "product_id": product.id,
                    "kind": "contract_renewal",
                    "contract_id": contract.id,
                    "score": max(60, 100 - days // 2),
                    "reason": self.env._(
                        "Contract %(name)s ends on %(end)s (in %(days)s days): propose its renewal.",
                        name=contract.name,
                        end=contract.date_end,
                        days=days,
                    ),
                }
            )
        return values

    @api.model
    def _cross_sell_values(self, partners):
        """Products often bought together with what the customer bought
        (co-occurrence on the confirmed orders of all customers) that the
        customer has not bought yet."""
        if not partners:
            return []
        self.env["sale.order.line"].flush_model(["order_id", "product_id", "state"])
        self.env["sale.order"].flush_model(["partner_id", "state"])
        self.env.cr.execute(
            """
            WITH owned AS (
                SELECT DISTINCT p.commercial_partner_id AS customer, l.product_id
                  FROM sale_order_line l
                  JOIN sale_order o ON o.id = l.order_id
                  JOIN res_partner p ON p.id = o.partner_id
                 WHERE o.state = 'sale' AND l.product_id IS NOT NULL
                   AND p.commercial_partner_id = ANY(%(partners)s)
            ), pairs AS (
                SELECT a.product_id AS product_a, b.product_id AS product_b, COUNT(DISTINCT a.order_id) AS orders
                  FROM sale_order_line a
                  JOIN sale_order_line b ON b.order_id = a.order_id AND b.product_id != a.product_id
                 WHERE a.state = 'sale' AND a.product_id IN (SELECT product_id FROM owned)
                 GROUP BY a.product_id, b.product_id
            )
            SELECT DISTINCT ON (owned.customer, pairs.product_b)
                   owned.customer, pairs.product_b, pairs.orders, pairs.product_a
              FROM owned
              JOIN pairs ON pairs.product_a = owned.product_id
             WHERE NOT EXISTS (
                   SELECT 1 FROM owned o2 WHERE o2.customer = owned.customer AND o2.product_id = pairs.product_b)
             ORDER BY owned.customer, pairs.product_b, pairs.orders DESC, pairs.product_a
        """,
            {"partners": partners.ids},
        )
        rows = sorted(self.env.cr.fetchall(), key=lambda row: (row[0], -row[2], row[1]))
        products = self.env["product.product"].browse({row[1] for row in rows} | {row[3] for row in rows})
        sellable = set(products.filtered(lambda p: p.sale_ok and p.active and p.type != "combo").ids)
        per_customer = defaultdict(int)
        values = []
        for customer_id, product_id, orders, because_id in rows:
            if product_id not in sellable or per_customer[customer_id] >= CROSS_SELL_PER_CUSTOMER:
                continue
            per_customer[customer_id] += 1
            Product = self.env["product.product"]
            product, because = Product.browse(product_id), Product.browse(because_id)
            values.append(
                {
                    "partner_id": customer_id,
                    "product_id": product_id,
                    "kind": "cross_sell",
                    "company_id": self.env.company.id,
                    "score": min(90, 20 + 10 * orders),
                    "reason": self.env._(
                        "Bought with %(owned)s in %(orders)s confirmed order(s): offer %(product)s.",
                        owned=because.display_name,
                        orders=orders,
                        product=product.display_name,
                    ),
                }
            )
        return values

    @api.model
    def _upgrade_values(self, partners):
        """Customers with repeated tickets on one product in the last twelve
        months: offer the next better product of the same category."""
        since = fields.Datetime.now() - relativedelta(months=12)
        # sudo: ticket counts per customer and product, for the daily suggestions
        rows = (
            self.env["service.ticket"]
            .sudo()
            ._read_group(
                [
                    ("commercial_partner_id", "in", partners.ids),
                    ("product_id", "!=", False),
                    ("create_date", ">=", since),
                ],
                ["commercial_partner_id", "product_id"],
                ["__count"],
                having=[("__count", ">=", UPGRADE_MIN_TICKETS)],
            )
        )
        if not rows:
            return []
        categories = {product.categ_id.id for __, product, __ in rows}
        candidates = self.env["product.product"].search(
            [
                ("categ_id", "in", list(categories)),
                ("sale_ok", "=", True),
                ("type", "!=", "service"),
            ],
            order="list_price, id",
        )
        values = []
        for customer, product, count in rows:
            better = candidates.filtered(
                lambda p: (
                    p.categ_id == product.categ_id
                    and p.list_price > product.list_price
                    and p.product_tmpl_id != product.product_tmpl_id
                )
            )[:1]
            if not better:
                continue
            values.append(
                {
                    "partner_id": customer.id,
                    "product_id": better.id,
                    "kind": "upgrade",
                    "company_id": self.env.company.id,
                    "score": min(95, 40 + 10 * count),
                    "reason": self.env._(
                        "%(count)s tickets on %(product)s in twelve months: propose %(better)s.",
                        count=count,
                        product=product.display_name,
                        better=better.display_name,
                    ),
                }
            )
        return values

    # ------------------------------------------------------------------
    # Acting on a suggestion
    # ------------------------------------------------------------------

    def action_create_quotation(self):
        """A quotation for the customer with the suggested product (and the
        warranty it extends), opened in the sales form."""
        self.ensure_one()
        if not self.product_id:
            raise UserError(self.env._("This suggestion has no product to quote: %s", self.reason))
        line = {"product_id": self.product_id.id, "product_uom_qty": 1}
        if self.kind == "warranty_extension" and self.warranty_id:
            line["service_warranty_id"] = self.warranty_id.id
        order = self.env["sale.order"].create(
            {
                "partner_id": self.partner_id.id,
                "company_id": self.company_id.id,
                "order_line": [Command.create(line)],
                "origin": self.reason[:100],
            }
        )
        self.sale_order_id = order
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": order.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
