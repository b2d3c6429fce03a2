from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.fields import Domain

# points of each risk signal of the last twelve months, and their caps
RISK_BREACH_POINTS, RISK_BREACH_MAX = 15, 40
RISK_LOW_RATING_POINTS, RISK_LOW_RATING_MAX = 20, 40
RISK_REOPEN_POINTS, RISK_REOPEN_MAX = 10, 30
RISK_FALLING_SALES_MAX = 30


class ResPartner(models.Model):
    """The customer's 360° view: contracts, warranties, serials owned,
    satisfaction, sales and a risk score, read in a few grouped queries."""

    _inherit = "res.partner"

    service_contract_ids = fields.One2many("service.contract", "partner_id", string="Service Contracts")
    service_warranty_ids = fields.One2many("service.warranty", "partner_id", string="Warranties")
    service_customer_ticket_ids = fields.Many2many(
        "service.ticket",
        compute="_compute_service_customer_ticket_ids",
        groups="service_desk.group_service_user",
        string="Customer's Tickets",
        help="A company's tickets include its contacts'; a contact's are its own (as its counters count them), "
        "archived ones too.",
    )
    service_active_contract_count = fields.Integer(compute="_compute_service_360", string="Active Contracts")
    service_warranty_active_count = fields.Integer(compute="_compute_service_360", string="Active Warranties")
    service_warranty_expiring_count = fields.Integer(
        compute="_compute_service_360",
        string="Expiring Warranties",
        help="Active warranties ending within 60 days.",
    )
    service_warranty_expired_count = fields.Integer(compute="_compute_service_360", string="Expired Warranties")
    service_lot_ids = fields.Many2many(
        "stock.lot",
        compute="_compute_service_lot_ids",
        string="Serials Owned",
        help="Serial numbers delivered to this customer and not returned.",
    )
    service_csat_avg = fields.Float(
        compute="_compute_service_360",
        groups="service_desk.group_service_user",
        string="Average CSAT",
        help="Average of the ratings the customer gave its tickets in the last twelve months "
        "(1 unhappy, 3 okay, 5 happy); empty without any.",
    )
    service_rating_count = fields.Integer(
        compute="_compute_service_360",
        groups="service_desk.group_service_user",
        string="Ratings (12 months)",
        help="Ratings the customer gave its tickets in the last twelve months.",
    )
    service_sales_12m = fields.Monetary(
        compute="_compute_service_360",
        groups="service_desk.group_service_user",
        string="Sales (12 months)",
        currency_field="service_currency_id",
        help="Untaxed total of the confirmed sales of the last twelve months.",
    )
    service_currency_id = fields.Many2one("res.currency", compute="_compute_service_360")
    service_last_order_date = fields.Datetime(
        compute="_compute_service_360", string="Last Order", groups="service_desk.group_service_user"
    )
    service_risk_score = fields.Integer(
        compute="_compute_service_risk",
        groups="service_desk.group_service_user",
        string="Risk Score",
        help="0 (no sign of trouble) to 100, from the last twelve months: SLA breaches, low ratings, "
        "reopened tickets and falling purchases.",
    )
    service_risk_explanation = fields.Text(
        compute="_compute_service_risk", string="Risk Explanation", groups="service_desk.group_service_user"
    )
    service_tier_locked = fields.Boolean(
        string="Tier Locked",
        tracking=True,
        help="The automatic tiering leaves this customer's tier as set by hand.",
    )

    # ------------------------------------------------------------------
    # Helpers reading facts for several customers at once
    # ------------------------------------------------------------------

    def _service_commercials(self):
        return self.commercial_partner_id

    def _service_sales_by_customer(self, date_from, date_to=None):
        """{commercial partner id: (untaxed sales, last order date)} of confirmed sales."""
        domain = (
            Domain("commercial_partner_id", "in", self._service_commercials().ids)
            & Domain("state", "=", "sale")
            & Domain("date", ">=", date_from)
        )
        if date_to:
            domain &= Domain("date", "<", date_to)
        self.env.flush_all()  # sale.report is a view over the order lines
        # sudo: confirmed sales summed per customer, read-only, for agents without sales rights
        rows = (
            self.env["sale.report"]
            .sudo()
            ._read_group(
                domain,
                ["commercial_partner_id"],
                ["price_subtotal:sum", "date:max"],
            )
        )
        return {partner.id: (amount, last) for partner, amount, last in rows}

    def _service_ratings_by_customer(self, date_from):
        """{commercial partner id: (ratings, average, low ratings)} of the
        ratings given since date_from, dated when the customer rated."""
        self.env.flush_all()  # service.rating.report is a view over ratings and tickets
        # sudo: ratings counted per customer, read-only; the satisfaction report is the managers' only
        rows = (
            self.env["service.rating.report"]
            .sudo()
            ._read_group(
                [("partner_id", "in", self._service_commercials().ids), ("rated_date", ">=", date_from)],
                ["partner_id", "is_low"],
                ["__count", "rating:sum"],
            )
        )
        totals = defaultdict(lambda: [0, 0.0, 0])
        for partner, is_low, count, total in rows:
            totals[partner.id][0] += count
            totals[partner.id][1] += total
            if is_low:
                totals[partner.id][2] += count
        return {key: (count, total / count, low) for key, (count, total, low) in totals.items()}

    def _compute_service_360(self):
        commercials = self._service_commercials()
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        Contract, Warranty = self.env["service.contract"], self.env["service.warranty"]
        contracts = (
            dict(
                Contract._read_group(
                    [("partner_id.commercial_partner_id", "in", commercials.ids), ("state", "=", "active")],
                    ["partner_id"],
                    ["__count"],
                )
            )
            if Contract.has_access("read")
            else {}
        )
        contract_counts = defaultdict(int)
        for partner, count in contracts.items():
            contract_counts[partner.commercial_partner_id.id] += count
        warranty_counts = defaultdict(int)
        if Warranty.has_access("read"):
            soon = today + relativedelta(days=60)
            for partner, state, end, count in Warranty._read_group(
                [("partner_id", "in", commercials.ids)],
                ["partner_id", "state", "end_date:day"],
                ["__count"],
            ):
                warranty_counts[partner.id, state] += count
                if state == "active" and end and end <= soon:
                    warranty_counts[partner.id, "expiring"] += count
        ratings = self._service_ratings_by_customer(now - relativedelta(months=12))
        sales = self._service_sales_by_customer(now - relativedelta(months=12))
        # sudo: last order date per customer, read-only; the field is the service users' only
        last_orders = {
            partner.id: last
            for partner, last in self.env["sale.report"]
            .sudo()
            ._read_group(
                [("commercial_partner_id", "in", commercials.ids), ("state", "=", "sale")],
                ["commercial_partner_id"],
                ["date:max"],
            )
        }
        for partner in self:
            key = partner.commercial_partner_id.id
            partner.service_active_contract_count = contract_counts[key]
            partner.service_warranty_active_count = warranty_counts[key, "active"]
            partner.service_warranty_expiring_count = warranty_counts[key, "expiring"]
            partner.service_warranty_expired_count = warranty_counts[key, "expired"]
            partner.service_rating_count, partner.service_csat_avg, __ = ratings.get(key, (0, 0.0, 0))
            partner.service_currency_id = self.env.company.currency_id
            partner.service_sales_12m = sales.get(key, (0.0, False))[0]
            partner.service_last_order_date = last_orders.get(key, False)

    def _compute_service_customer_ticket_ids(self):
        Ticket = self.env["service.ticket"].with_context(active_test=False)
        if not Ticket.has_access("read"):
            self.service_customer_ticket_ids = False
            return
        tickets = Ticket.search(self._service_ticket_domain(), order="create_date desc, id desc")
        by_company, by_contact = defaultdict(list), defaultdict(list)
        for ticket in tickets:
            by_company[ticket.commercial_partner_id.id].append(ticket.id)
            by_contact[ticket.partner_id.id].append(ticket.id)
        for partner in self:
            shown = by_company if partner == partner.commercial_partner_id else by_contact
            partner.service_customer_ticket_ids = [Command.set(shown[partner.id])]

    def _compute_service_lot_ids(self):
        commercials = self._service_commercials()
        # sudo: serials delivered to these customers, read-only, for agents without inventory rights
        MoveLine = self.env["stock.move.line"].sudo()
        base = Domain("lot_id", "!=", False) & Domain("state", "=", "done")
        customer_of = Domain("picking_partner_id.commercial_partner_id", "in", commercials.ids)
        delivered = MoveLine.search_fetch(
            base
            & customer_of
            & Domain("location_dest_usage", "=", "customer")
            & Domain("location_usage", "!=", "customer"),
            ["lot_id", "date", "picking_partner_id"],
        )
        returned = MoveLine.search_fetch(
            base
            & Domain("lot_id", "in", delivered.lot_id.ids)
            & Domain("location_usage", "=", "customer")
            & Domain("location_dest_usage", "!=", "customer"),
            ["lot_id", "date"],
        )
        last_return = {}
        for line in returned:
            last_return[line.lot_id] = max(last_return.get(line.lot_id, line.date), line.date)
        owned = defaultdict(set)
        for line in delivered:
            if line.lot_id not in last_return or last_return[line.lot_id] < line.date:
                owned[line.picking_partner_id.commercial_partner_id.id].add(line.lot_id.id)
        for partner in self:
            partner.service_lot_ids = [(6, 0, sorted(owned[partner.commercial_partner_id.id]))]

    # ------------------------------------------------------------------
    # Risk
    # ------------------------------------------------------------------

    def _compute_service_risk(self):
        commercials = self._service_commercials()
        now = fields.Datetime.now()
        since = now - relativedelta(months=12)
        # sudo: risk signals counted per customer, read-only; the risk fields are the service users' only
        Ticket = self.env["service.ticket"].sudo()
        recent = Domain("commercial_partner_id", "in", commercials.ids) & Domain("create_date", ">=", since)
        breaches = dict(
            Ticket._read_group(
                recent & Domain("sla_line_ids.status", "=", "breached"),
                ["commercial_partner_id"],
                ["__count"],
            )
        )
        ratings = self._service_ratings_by_customer(since)
        reopens = dict(Ticket._read_group(recent, ["commercial_partner_id"], ["reopen_count:sum"]))
        recent_sales = self._service_sales_by_customer(now - relativedelta(months=6))
        earlier_sales = self._service_sales_by_customer(since, now - relativedelta(months=6))
        for partner in self:
            company = partner.commercial_partner_id
            score, reasons = 0, []
            count = breaches.get(company, 0)
            if count:
                points = min(RISK_BREACH_MAX, count * RISK_BREACH_POINTS)
                score += points
                reasons.append(
                    self.env._("%(count)s ticket(s) with a breached SLA (+%(points)s)", count=count, points=points)
                )
            count = ratings.get(company.id, (0, 0.0, 0))[2]
            if count:
                points = min(RISK_LOW_RATING_MAX, count * RISK_LOW_RATING_POINTS)
                score += points
                reasons.append(self.env._("%(count)s unhappy rating(s) (+%(points)s)", count=count, points=points))
            count = int(reopens.get(company) or 0)
            if count:
                points = min(RISK_REOPEN_MAX, count * RISK_REOPEN_POINTS)
                score += points
                reasons.append(self.env._("%(count)s reopened ticket(s) (+%(points)s)", count=count, points=points))
            before = earlier_sales.get(company.id, (0.0, False))[0]
            after = recent_sales.get(company.id, (0.0, False))[0]
            if before > 0 and after < before:
                drop = (before - after) / before
                points = round(drop * RISK_FALLING_SALES_MAX)
                if points:
                    score += points
                    reasons.append(
                        self.env._(
                            "purchases down %(drop)s%% over the last six months (+%(points)s)",
                            drop=round(drop * 100),
                            points=points,
                        )
                    )
            partner.service_risk_score = min(100, score)
            partner.service_risk_explanation = (
                "; ".join(reasons) if reasons else self.env._("No sign of trouble in the last twelve months.")
            )

    # ------------------------------------------------------------------
    # SLA and navigation
    # ------------------------------------------------------------------

    def _service_contract_policy(self):
        self.ensure_one()
        # sudo: this customer's active contract, only its SLA policy comes out
        contract = self.env["service.contract"].sudo()._active_for(self)
        return contract.sla_policy_id.sudo(False) or super()._service_contract_policy()

    @api.readonly
    def action_open_service_contracts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("service_desk.service_contract_action")
        action.update(
            domain=[("partner_id", "child_of", self.commercial_partner_id.id)],
            context={"default_partner_id": self.commercial_partner_id.id},
        )
        return action

    @api.readonly
    def action_open_service_warranties(self):
        self.ensure_one()
        return self.env["service.warranty"]._action_open(
            [("partner_id", "=", self.commercial_partner_id.id)],
            {"search_default_filter_active": 1},
        )

    @api.readonly
    def action_open_service_sales(self):
        """The sales analysis filtered on this customer: the buying trend by month."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_order_report_all")
        action.update(
            domain=[("commercial_partner_id", "=", self.commercial_partner_id.id)],
            context={"search_default_Sales": 1, "group_by": ["date:month"]},
        )
        return action


class ResPartnerRecommendations(models.Model):
    _inherit = "res.partner"

    service_recommendation_ids = fields.One2many(
        "service.recommendation",
        "partner_id",
        string="Suggestions",
    )

    service_ownership_ids = fields.Many2many(
        "service.lot.ownership",
        compute="_compute_service_ownership_ids",
        string="Ownership History",
        help="Deliveries, returns and transfers of serial numbers this customer owned or owns.",
    )

    def _compute_service_ownership_ids(self):
        Event = self.env["service.lot.ownership"]
        if not Event.has_access("read"):
            self.service_ownership_ids = False
            return
        commercials = self._service_commercials()
        events = Event.search(
            [
                "|",
                ("partner_id", "in", commercials.ids),
                ("previous_partner_id", "in", commercials.ids),
            ]
        )
        for partner in self:
            company = partner.commercial_partner_id
            partner.service_ownership_ids = events.filtered(lambda e: company in (e.partner_id | e.previous_partner_id))


class ResPartnerRemedies(models.Model):
    """The customer's after-sales remedies on the 360° view: returns, credit
    notes and repairs of its tickets, as far as the user may read them (an
    agent counts what the buttons would open)."""

    _inherit = "res.partner"

    service_return_count = fields.Integer(
        compute="_compute_service_remedies",
        string="Returns",
        groups="service_desk.group_service_user",
        help="Returns of the customer's tickets, not cancelled.",
    )
    service_credit_note_count = fields.Integer(
        compute="_compute_service_remedies",
        string="Credit Notes",
        groups="service_desk.group_service_user",
        help="Credit notes issued from the customer's tickets.",
    )
    service_credit_note_amount = fields.Monetary(
        compute="_compute_service_remedies",
        string="Credited",
        currency_field="service_currency_id",
        groups="service_desk.group_service_user",
        help="Untaxed total of the credit notes issued from the customer's tickets, in the company's currency.",
    )
    service_repair_count = fields.Integer(
        compute="_compute_service_remedies",
        string="Repairs",
        groups="service_desk.group_service_user",
        help="Repairs of the customer's tickets, not cancelled.",
    )
    service_repair_free_count = fields.Integer(
        compute="_compute_service_remedies",
        string="Free Repairs",
        groups="service_desk.group_service_user",
        help="Of those, the repairs free of charge (warranty or contract).",
    )

    def _service_remedy_domain(self, model):
        """The documents of `model` made from tickets of these customers."""
        domain = [("service_ticket_id.commercial_partner_id", "in", self._service_commercials().ids)]
        if model == "stock.picking":
            return [*domain, ("service_remedy_kind", "=", "return"), ("state", "!=", "cancel")]
        if model == "account.move":
            return [*domain, ("move_type", "=", "out_refund"), ("state", "=", "posted")]
        return [*domain, ("state", "!=", "cancel")]

    def _service_remedy_groups(self, model, groupby, aggregates):
        """_read_group of the remedies of `model` grouped by customer, as the
        user: empty when they may not read that model."""
        Model = self.env[model]
        if not self._service_commercials() or not Model.has_access("read"):
            return []
        return Model._read_group(
            self._service_remedy_domain(model),
            ["service_ticket_id.commercial_partner_id", *groupby],
            aggregates,
        )

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_service_remedies(self):
        returns = dict(self._service_remedy_groups("stock.picking", [], ["__count"]))
        credited = {
            partner: (count, -amount)
            for partner, count, amount in self._service_remedy_groups(
                "account.move", [], ["__count", "amount_untaxed_signed:sum"]
            )
        }
        repairs = defaultdict(lambda: [0, 0])
        for partner, free, count in self._service_remedy_groups("repair.order", ["under_warranty"], ["__count"]):
            repairs[partner][0] += count
            if free:
                repairs[partner][1] += count
        for partner in self:
            company = partner.commercial_partner_id
            partner.service_return_count = returns.get(company, 0)
            partner.service_credit_note_count, partner.service_credit_note_amount = credited.get(company, (0, 0.0))
            partner.service_repair_count, partner.service_repair_free_count = repairs[company]

    def _service_open_remedies(self, model, name, context=None):
        self.ensure_one()
        return self.env["service.ticket"]._service_documents_action(
            model, name, self._service_remedy_domain(model), context
        )

    @api.readonly
    def action_open_service_returns(self):
        return self._service_open_remedies("stock.picking", self.env._("Returns"))

    @api.readonly
    def action_open_service_credit_notes(self):
        return self._service_open_remedies(
            "account.move", self.env._("Credit Notes"), {"default_move_type": "out_refund"}
        )

    @api.readonly
    def action_open_service_repairs(self):
        return self._service_open_remedies("repair.order", self.env._("Repairs"))
