from odoo import api, fields, models
from odoo.models import parse_read_group_spec
from odoo.tools import SQL

REMEDY_FACTS = [
    ("refund", "Refund"),
    ("replacement", "Replacement"),
    ("repair_free", "Free Repair"),
    ("repair_paid", "Paid Repair"),
    ("return", "Return"),
]

# moves in the unit of their product: the move's quantity through both units' factors
PRODUCT_QUANTITY = "move.quantity * move_uom.factor / NULLIF(product_uom.factor, 0)"


def reader_date(env, column):
    """SQL for the day of a UTC datetime `column` in the reader's time zone
    (the context's, else the user's, else UTC), the one Odoo groups
    datetimes by."""
    return SQL("(%s AT TIME ZONE 'UTC' AT TIME ZONE %s)::date", SQL(column), env.tz.zone)


class ServiceRemedyReport(models.Model):
    """The cost of service: one row per remedy of a ticket and product, with
    the ticket's customer, team and the document's company and date.

    - refund: a posted credit note of a ticket, per product, its untaxed
      amount in the company's currency;
    - replacement: a done move of a ticket's replacement delivery, its
      quantity and its cost (the move's stock value, else quantity x cost);
    - repair_free / repair_paid: a repair of a ticket (not cancelled), free
      under warranty or a contract, else paid, with its quotation's untaxed
      amount when it has one;
    - return: a done move of a ticket's return, its quantity.

    Per-fact measures (refund amount, replacement cost, free and paid
    repairs, returned quantity) let one pivot by product, category, customer
    or month show them side by side; `cost_amount` adds what the company
    gives away (refunds and replacements at cost).

    A credit note is dated by its accounting date; a move or a repair, which
    happen at a moment, by that moment's day in the reader's time zone, as
    Odoo groups datetimes: a return received at 23:30 UTC is the next day's
    for a manager in Bangkok, and the same day's in Brussels."""

    _name = "service.remedy.report"
    _description = "Cost of Service Analysis"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "kind"

    kind = fields.Selection(REMEDY_FACTS, string="Remedy", readonly=True)
    ticket_id = fields.Many2one("service.ticket", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    team_id = fields.Many2one("service.team", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    product_category_id = fields.Many2one("product.category", readonly=True)
    date = fields.Date(readonly=True)
    picking_id = fields.Many2one("stock.picking", string="Transfer", readonly=True)
    credit_note_id = fields.Many2one("account.move", readonly=True)
    repair_id = fields.Many2one("repair.order", readonly=True)
    remedy_count = fields.Integer(string="Remedies", readonly=True, aggregator="sum")
    quantity = fields.Float(readonly=True, aggregator="sum", digits="Product Unit")
    amount = fields.Monetary(
        readonly=True,
        aggregator="sum",
        help="Refunded amount, replacement cost or paid repair's quotation, untaxed, in the company's currency.",
    )
    refund_amount = fields.Monetary(string="Refunded", readonly=True, aggregator="sum")
    replacement_quantity = fields.Float(
        string="Replacements Shipped", readonly=True, aggregator="sum", digits="Product Unit"
    )
    replacement_cost = fields.Monetary(readonly=True, aggregator="sum")
    repair_free_count = fields.Integer(string="Free Repairs", readonly=True, aggregator="sum")
    repair_paid_count = fields.Integer(string="Paid Repairs", readonly=True, aggregator="sum")
    repair_paid_amount = fields.Monetary(
        string="Paid Repairs Quoted", readonly=True, aggregator="sum", help="Untaxed amount of their quotations."
    )
    return_quantity = fields.Float(string="Returned", readonly=True, aggregator="sum", digits="Product Unit")
    cost_amount = fields.Monetary(
        string="Cost of Service",
        readonly=True,
        aggregator="sum",
        help="What the remedies gave away: refunded amounts and replacements at cost.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT fact.id, fact.kind, fact.ticket_id, fact.company_id, company.currency_id, ticket.team_id,
                   ticket.commercial_partner_id AS partner_id, fact.product_id,
                   template.categ_id AS product_category_id, fact.date, fact.picking_id, fact.credit_note_id,
                   fact.repair_id, 1 AS remedy_count, fact.quantity, fact.amount,
                   CASE WHEN fact.kind = 'refund' THEN fact.amount ELSE 0 END AS refund_amount,
                   CASE WHEN fact.kind = 'replacement' THEN fact.quantity ELSE 0 END AS replacement_quantity,
                   CASE WHEN fact.kind = 'replacement' THEN fact.amount ELSE 0 END AS replacement_cost,
                   CASE WHEN fact.kind = 'repair_free' THEN 1 ELSE 0 END AS repair_free_count,
                   CASE WHEN fact.kind = 'repair_paid' THEN 1 ELSE 0 END AS repair_paid_count,
                   CASE WHEN fact.kind = 'repair_paid' THEN fact.amount ELSE 0 END AS repair_paid_amount,
                   CASE WHEN fact.kind = 'return' THEN fact.quantity ELSE 0 END AS return_quantity,
                   CASE WHEN fact.kind IN ('refund', 'replacement') THEN fact.amount ELSE 0 END AS cost_amount
              FROM (%(facts)s) fact
              JOIN service_ticket ticket ON ticket.id = fact.ticket_id
              JOIN res_company company ON company.id = fact.company_id
         LEFT JOIN product_product product ON product.id = fact.product_id
         LEFT JOIN product_template template ON template.id = product.product_tmpl_id
            """,
            facts=self._remedy_facts_query(),
        )

    def _remedy_facts_query(self):
        """The remedies of tickets as (id, kind, ticket_id, company_id,
        product_id, date, picking_id, credit_note_id, repair_id, quantity,
        amount); ids are unique across kinds (the document's id times five
        plus the kind's rank)."""
        return SQL(
            """
            SELECT MIN(line.id) * 5 AS id, 'refund' AS kind, credit.service_ticket_id AS ticket_id,
                   credit.company_id, line.product_id, credit.date, NULL::int AS picking_id,
                   credit.id AS credit_note_id, NULL::int AS repair_id,
                   SUM(line.quantity) AS quantity, SUM(line.balance) AS amount
              FROM account_move credit
              JOIN account_move_line line ON line.move_id = credit.id AND line.display_type = 'product'
             WHERE credit.service_ticket_id IS NOT NULL AND credit.move_type = 'out_refund'
               AND credit.state = 'posted'
          GROUP BY credit.id, line.product_id
         UNION ALL
            SELECT move.id * 5 + CASE WHEN picking.service_remedy_kind = 'replacement' THEN 1 ELSE 2 END,
                   picking.service_remedy_kind, picking.service_ticket_id, move.company_id, move.product_id,
                   %(move_date)s, picking.id, NULL, NULL, %(quantity)s,
                   CASE WHEN picking.service_remedy_kind = 'return' THEN 0
                        WHEN move.is_out THEN move.value
                        ELSE %(quantity)s
                             * COALESCE((product.standard_price ->> move.company_id::text)::numeric, 0)
                   END
              FROM stock_picking picking
              JOIN stock_move move ON move.picking_id = picking.id AND move.state = 'done'
              JOIN product_product product ON product.id = move.product_id
              JOIN product_template template ON template.id = product.product_tmpl_id
              JOIN uom_uom move_uom ON move_uom.id = move.product_uom
              JOIN uom_uom product_uom ON product_uom.id = template.uom_id
             WHERE picking.service_ticket_id IS NOT NULL
               AND picking.service_remedy_kind IN ('return', 'replacement')
         UNION ALL
            SELECT repair.id * 5 + 3 + CASE WHEN repair.under_warranty THEN 0 ELSE 1 END,
                   CASE WHEN repair.under_warranty THEN 'repair_free' ELSE 'repair_paid' END,
                   repair.service_ticket_id, repair.company_id, repair.product_id, %(repair_date)s,
                   NULL, NULL, repair.id, COALESCE(repair.product_qty, 1),
                   CASE WHEN repair.under_warranty IS NOT TRUE AND quotation.state != 'cancel'
                        THEN quotation.amount_untaxed / COALESCE(NULLIF(quotation.currency_rate, 0), 1.0)
                        ELSE 0 END
              FROM repair_order repair
         LEFT JOIN sale_order quotation ON quotation.id = repair.sale_order_id
             WHERE repair.service_ticket_id IS NOT NULL AND repair.state != 'cancel'
            """,
            quantity=SQL(PRODUCT_QUANTITY),
            move_date=reader_date(self.env, "move.date"),
            repair_date=reader_date(self.env, "repair.create_date"),
        )

    @api.readonly
    def action_open_document(self):
        """The credit note, transfer or repair this row counts."""
        self.ensure_one()
        document = self.credit_note_id or self.picking_id or self.repair_id
        return document._get_records_action()


class ServiceReturnRateReport(models.Model):
    """What breaks: per product, company and month (in the reader's time
    zone, as the cost of service), the quantity delivered to customers and
    the quantity customers sent back (done moves, in the product's unit),
    for the products ever delivered. `return_rate` is
    returned / delivered of whatever the pivot groups, summed first: a
    category's rate weighs its products by what was delivered."""

    _name = "service.return.rate.report"
    _description = "Return Rate Analysis"
    _auto = False
    _order = "date desc, product_id"
    _rec_name = "product_id"

    product_id = fields.Many2one("product.product", readonly=True)
    product_category_id = fields.Many2one("product.category", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    date = fields.Date(string="Month", readonly=True)
    delivered_quantity = fields.Float(string="Delivered", readonly=True, aggregator="sum", digits="Product Unit")
    returned_quantity = fields.Float(string="Returned", readonly=True, aggregator="sum", digits="Product Unit")
    return_rate = fields.Float(
        string="Return Rate (%)",
        compute="_compute_return_rate",
        aggregator="return_rate",
        help="Returned quantity / delivered quantity, of the rows grouped together.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            WITH customer_move AS (
                SELECT move.product_id, move.company_id, date_trunc('month', %(move_date)s)::date AS date,
                       CASE WHEN source.usage != 'customer' THEN %(quantity)s ELSE 0 END AS delivered,
                       CASE WHEN source.usage = 'customer' THEN %(quantity)s ELSE 0 END AS returned,
                       move.id
                  FROM stock_move move
                  JOIN stock_location source ON source.id = move.location_id
                  JOIN stock_location destination ON destination.id = move.location_dest_id
                  JOIN product_product product ON product.id = move.product_id
                  JOIN product_template template ON template.id = product.product_tmpl_id
                  JOIN uom_uom move_uom ON move_uom.id = move.product_uom
                  JOIN uom_uom product_uom ON product_uom.id = template.uom_id
                 WHERE move.state = 'done' AND (source.usage = 'customer') != (destination.usage = 'customer')
            )
            SELECT MIN(customer_move.id) AS id, customer_move.product_id, template.categ_id AS product_category_id,
                   customer_move.company_id, customer_move.date,
                   SUM(customer_move.delivered) AS delivered_quantity,
                   SUM(customer_move.returned) AS returned_quantity
              FROM customer_move
              JOIN product_product product ON product.id = customer_move.product_id
              JOIN product_template template ON template.id = product.product_tmpl_id
             WHERE customer_move.product_id IN (SELECT product_id FROM customer_move WHERE delivered > 0)
          GROUP BY customer_move.product_id, template.categ_id, customer_move.company_id, customer_move.date
            """,
            quantity=SQL(PRODUCT_QUANTITY),
            move_date=reader_date(self.env, "move.date"),
        )

    def _compute_return_rate(self):
        for row in self:
            row.return_rate = 100.0 * row.returned_quantity / row.delivered_quantity if row.delivered_quantity else 0.0

    def _read_group_select(self, aggregate_spec, query):
        fname, __, func = parse_read_group_spec(aggregate_spec)
        if fname != "return_rate":
            return super()._read_group_select(aggregate_spec, query)
        if func != "return_rate":
            raise ValueError(f"Aggregate {func!r} does not apply to {fname!r} on {self._name}.")
        returned = self._field_to_sql(self._table, "returned_quantity", query)
        delivered = self._field_to_sql(self._table, "delivered_quantity", query)
        return SQL("100.0 * SUM(%s) / NULLIF(SUM(%s), 0)", returned, delivered)
