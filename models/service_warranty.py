from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain

WARRANTY_STATES = [("active", "Active"), ("expired", "Expired"), ("returned", "Returned")]


class ServiceWarranty(models.Model):
    """One warranty on delivered goods (DESIGN.md §6): one per delivered
    serial, or per delivery line of an untracked product with its quantity."""

    _name = "service.warranty"
    _description = "Warranty"
    _order = "end_date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="restrict",
        help="The customer company the goods were delivered to.",
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    product_id = fields.Many2one("product.product", required=True, index=True, ondelete="restrict")
    product_tmpl_id = fields.Many2one(related="product_id.product_tmpl_id", store=True, index=True)
    lot_id = fields.Many2one("stock.lot", string="Serial Number", index="btree_not_null", ondelete="restrict")
    quantity = fields.Float(default=1.0, digits="Product Unit", required=True)
    sale_line_id = fields.Many2one("sale.order.line", index="btree_not_null", ondelete="set null")
    sale_order_id = fields.Many2one(related="sale_line_id.order_id", string="Sale Order", store=True)
    move_id = fields.Many2one("stock.move", string="Delivery Move", index="btree_not_null", ondelete="set null")
    move_line_id = fields.Many2one(
        "stock.move.line",
        string="Delivery Line",
        index="btree_not_null",
        ondelete="set null",
        copy=False,
    )
    picking_id = fields.Many2one(related="move_id.picking_id", string="Delivery")
    start_date = fields.Date(required=True, help="Delivery date.")
    months = fields.Integer(string="Warranty Months", help="Months of the product's warranty at delivery.")
    extension_line_ids = fields.One2many("sale.order.line", "service_warranty_id", string="Extensions")
    ticket_ids = fields.One2many("service.ticket", "warranty_id", string="Tickets")
    extension_months = fields.Integer(compute="_compute_extension_months", store=True)
    end_date = fields.Date(
        compute="_compute_end_date",
        store=True,
        readonly=False,
        index=True,
        help="Last day covered: the delivery date plus the warranty months, to the day, plus extensions.",
    )
    return_date = fields.Date(readonly=True, copy=False)
    replaced_warranty_id = fields.Many2one(
        "service.warranty",
        string="Replaces",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The warranty of the returned unit this one was shipped to replace.",
    )
    state = fields.Selection(
        WARRANTY_STATES,
        compute="_compute_state",
        store=True,
        index=True,
        help="Updated daily: active until the end date, then expired; returned once the goods came back.",
    )
    days_left = fields.Integer(compute="_compute_days_left")

    _move_line_uniq = models.UniqueIndex(
        "(move_line_id) WHERE move_line_id IS NOT NULL",
        "A delivery line already has its warranty.",
    )
    _quantity_positive = models.Constraint("CHECK(quantity > 0)", "A warranty covers a positive quantity.")

    @api.depends("product_id", "lot_id", "partner_id")
    def _compute_display_name(self):
        for warranty in self:
            label = warranty.product_id.display_name or ""
            if warranty.lot_id:
                label = f"{label} ({warranty.lot_id.name})"
            warranty.display_name = label

    @api.depends("extension_line_ids.order_id.state", "extension_line_ids.product_id")
    def _compute_extension_months(self):
        for warranty in self:
            lines = warranty.extension_line_ids.filtered(lambda sol: sol.order_id.state == "sale")
            warranty.extension_months = sum(line._service_extension_months(warranty) for line in lines)

    @api.depends("start_date", "months", "extension_months")
    def _compute_end_date(self):
        for warranty in self:
            if warranty.start_date:
                warranty.end_date = warranty.start_date + relativedelta(
                    months=warranty.months + warranty.extension_months,
                )

    @api.depends("end_date", "return_date")
    def _compute_state(self):
        today = fields.Date.context_today(self)
        for warranty in self:
            if warranty.return_date:
                warranty.state = "returned"
            elif warranty.end_date and warranty.end_date < today:
                warranty.state = "expired"
            else:
                warranty.state = "active"

    def _compute_days_left(self):
        today = fields.Date.context_today(self)
        for warranty in self:
            warranty.days_left = (
                (warranty.end_date - today).days if warranty.state == "active" and warranty.end_date else 0
            )

    @api.constrains("start_date", "end_date")
    def _check_dates(self):
        for warranty in self:
            if warranty.end_date and warranty.end_date < warranty.start_date:
                raise ValidationError(
                    self.env._(
                        "The warranty of %s cannot end before it starts.",
                        warranty.display_name,
                    )
                )

    @api.constrains("lot_id", "product_id")
    def _check_lot_product(self):
        for warranty in self:
            if warranty.lot_id and warranty.lot_id.product_id != warranty.product_id:
                raise ValidationError(
                    self.env._(
                        "Serial number %(lot)s is not a %(product)s.",
                        lot=warranty.lot_id.name,
                        product=warranty.product_id.display_name,
                    )
                )

    def covers(self, day):
        """Whether this warranty covers `day` (start and end days included)."""
        self.ensure_one()
        return bool(
            self.state != "returned" and self.start_date and self.end_date and self.start_date <= day <= self.end_date
        )

    # ------------------------------------------------------------------
    # Deliveries and returns
    # ------------------------------------------------------------------

    @api.model
    def _is_customer_delivery(self, move_line):
        return move_line.location_dest_usage == "customer" and move_line.location_usage != "customer"

    @api.model
    def _is_customer_return(self, move_line):
        return move_line.location_usage == "customer" and move_line.location_dest_usage != "customer"

    @api.model
    def _delivery_customer(self, move):
        partner = move.sale_line_id.order_id.partner_id or move.picking_id.partner_id or move.partner_id
        return partner.commercial_partner_id

    @api.model
    def _values_from_move_line(self, move_line):
        move = move_line.move_id
        product = move_line.product_id
        quantity = (
            1.0
            if move_line.lot_id and product.tracking == "serial"
            else move_line.product_uom_id._compute_quantity(move_line.quantity, product.uom_id)
        )
        start = fields.Date.context_today(self, move_line.date or move.date)
        return {
            **self._replacement_values(move, start),
            "partner_id": self._delivery_customer(move).id,
            "company_id": move_line.company_id.id,
            "product_id": product.id,
            "lot_id": move_line.lot_id.id,
            "quantity": quantity,
            "sale_line_id": move.sale_line_id.id,
            "move_id": move.id,
            "move_line_id": move_line.id,
            "start_date": start,
            "months": product.service_warranty_months,
        }

    @api.model
    def _replacement_values(self, move, start):
        """A unit shipped to replace one under warranty continues that
        warranty's end date (when it is not over by then), unless its
        product starts afresh."""
        ticket = move.picking_id.service_ticket_id
        if move.picking_id.service_remedy_kind != "replacement" or not ticket:
            return {}
        replaced = ticket.warranty_id
        if not replaced or replaced.product_id != move.product_id:
            return {}
        values = {"replaced_warranty_id": replaced.id}
        if move.product_id.service_replacement_warranty != "fresh" and replaced.end_date >= start:
            values["end_date"] = replaced.end_date
        return values

    @api.model
    def _create_from_move_lines(self, move_lines):
        """Warranties for the done customer-delivery lines among `move_lines`
        whose product carries a warranty; lines that have one are skipped."""
        lines = move_lines.filtered(
            lambda ml: (
                ml.state == "done"
                and ml.product_id.service_warranty_months > 0
                and ml.quantity > 0
                and self._is_customer_delivery(ml)
            )
        )
        if not lines:
            return self.browse()
        covered = self.with_context(active_test=False).search([("move_line_id", "in", lines.ids)]).move_line_id
        values_list = []
        for line in lines - covered:
            values = self._values_from_move_line(line)
            if values["partner_id"]:
                values_list.append(values)
        return self.create(values_list)

    @api.model
    def _apply_returns(self, move_lines, warranties=None):
        """Mark returned the warranties of the goods that came back from a
        customer in `move_lines` (done returns): by serial number, else by the
        delivery move a return line undoes. A partial return of an untracked
        line splits its warranty into a kept and a returned part.
        `warranties` limits the search to those records."""
        returns = move_lines.filtered(lambda ml: ml.state == "done" and self._is_customer_return(ml))
        if not returns:
            return
        candidates = (
            warranties
            if warranties is not None
            else self.search(
                Domain.OR(
                    [
                        Domain("lot_id", "in", returns.lot_id.ids),
                        Domain("move_id", "in", returns.move_id.origin_returned_move_id.ids),
                    ]
                )
                & Domain("state", "!=", "returned")
            )
        )
        candidates = candidates.filtered(lambda w: w.state != "returned")
        by_lot = defaultdict(self.browse)
        by_move = defaultdict(self.browse)
        for warranty in candidates:
            if warranty.lot_id:
                by_lot[warranty.lot_id] |= warranty
            else:
                by_move[warranty.move_id] |= warranty
        # warranties are written once per return date, not once per line: each
        # write makes the tickets of those warranties recompute, one query each
        returned_on = defaultdict(self.browse)
        done = self.browse()
        for line in returns:
            when = fields.Date.context_today(self, line.date)
            if line.lot_id:
                matching = by_lot[line.lot_id].filtered(lambda w: w.start_date <= when and not w.return_date) - done
                returned_on[when] |= matching
                done |= matching
                continue
            origin = line.move_id.origin_returned_move_id
            left = line.product_uom_id._compute_quantity(line.quantity, line.product_id.uom_id)
            for warranty in (by_move[origin].filtered(lambda w: not w.return_date) - done).sorted("id"):
                if left <= 0:
                    break
                if warranty.quantity <= left:
                    left -= warranty.quantity
                    returned_on[when] |= warranty
                    done |= warranty
                else:
                    warranty.copy(
                        {
                            "quantity": left,
                            "return_date": when,
                            "start_date": warranty.start_date,
                            "move_line_id": False,
                            "end_date": warranty.end_date,
                        }
                    )
                    warranty.quantity -= left
                    left = 0
        for when, warranties in returned_on.items():
            warranties.write({"return_date": when})

    @api.model
    def action_backfill(self):
        """Create the warranties of past customer deliveries of products with
        warranty months, then mark those that came back as returned; record
        the serials' past deliveries and returns in their ownership history.
        Running it again creates nothing new. Managers only: it reads every
        delivery as superuser."""
        self.env["service.ticket"]._service_check_manager()
        # sudo: every past delivery and return, for managers only (checked above), from a server action
        MoveLine = self.env["stock.move.line"].sudo()
        # sudo: the serials' ownership history from those same moves
        self.env["service.lot.ownership"].sudo()._record_moves(
            MoveLine.search(
                [
                    ("state", "=", "done"),
                    ("lot_id", "!=", False),
                    "|",
                    ("location_usage", "=", "customer"),
                    ("location_dest_usage", "=", "customer"),
                ]
            )
        )
        # sudo: products with warranty months, for the same back-fill
        products = (
            self.env["product.product"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [("service_warranty_months", ">", 0)],
            )
        )
        if not products:
            return self.browse()
        delivered = MoveLine.search(
            [
                ("state", "=", "done"),
                ("product_id", "in", products.ids),
                ("location_dest_usage", "=", "customer"),
                ("location_usage", "!=", "customer"),
            ],
            order="date, id",
        )
        # sudo: the back-fill's warranties, of the deliveries found above
        created = self.sudo()._create_from_move_lines(delivered)
        if created:
            returned = MoveLine.search(
                [
                    ("state", "=", "done"),
                    ("product_id", "in", created.product_id.ids),
                    ("location_usage", "=", "customer"),
                    ("location_dest_usage", "!=", "customer"),
                ],
                order="date, id",
            )
            # sudo: returns of the serials just covered by the back-fill
            self.sudo()._apply_returns(returned, warranties=created)
            created._refresh_tickets()
        return created

    def _refresh_tickets(self):
        """Tickets opened before these warranties existed find them now."""
        # sudo: tickets of these warranties' customers and serials, bookkeeping of the warranties just created
        tickets = (
            self.env["service.ticket"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("warranty_id", "=", False),
                    "|",
                    ("lot_id", "in", self.lot_id.ids),
                    "&",
                    ("lot_id", "=", False),
                    ("product_id", "in", self.product_id.ids),
                ]
            )
        )
        for fname in ("warranty_id", "under_warranty"):
            self.env.add_to_compute(tickets._fields[fname], tickets)
            tickets.flush_recordset([fname])

    def action_backfill_notify(self):
        created = self.action_backfill()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("%s warranties created from past deliveries.", len(created)),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def _cron_update_states(self):
        """Daily: warranties whose end date passed become expired."""
        today = fields.Date.context_today(self)
        stale = self.search([("state", "=", "active"), ("end_date", "<", today)])
        self.env.add_to_compute(self._fields["state"], stale)
        stale.flush_recordset(["state"])
        return stale

    # ------------------------------------------------------------------
    # Lookups and navigation
    # ------------------------------------------------------------------

    @api.model
    def _find_for(self, lot=None, product=None, partner=None, day=None):
        """The warranty of a serial, else of a product for a customer; the one
        covering `day` first, else the latest."""
        if lot:
            domain = Domain("lot_id", "=", lot.id)
        elif product and partner:
            domain = Domain("product_id", "=", product.id) & Domain("partner_id", "=", partner.commercial_partner_id.id)
        else:
            return self.browse()
        warranties = self.search(domain, order="start_date desc, id desc")
        if day:
            covering = warranties.filtered(lambda w: w.covers(day))
            if covering:
                return covering[:1]
        return warranties.filtered(lambda w: w.state != "returned")[:1] or warranties[:1]

    @api.model
    def _action_open(self, domain, context):
        action = self.env["ir.actions.act_window"]._for_xml_id("service_desk.service_warranty_action")
        action.update(domain=domain, context=context)
        return action
