from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain


class ServiceTicket(models.Model):
    """After-sales remedies of the ticket: returns and replacements on
    Odoo's stock, credit notes on its accounting and repairs on its repair
    app, each started from what the ticket knows (customer, order, product,
    serial, warranty) and linked back to it.

    Agents need not be stock or accounting users: the buttons check that the
    agent may change the ticket and that the documents are the ticket
    customer's, then run Odoo's own wizards with the rights they lack."""

    _inherit = "service.ticket"

    picking_ids = fields.One2many("stock.picking", "service_ticket_id", string="Returns and Replacements")
    credit_note_ids = fields.One2many("account.move", "service_ticket_id", string="Credit Notes")
    repair_ids = fields.One2many("repair.order", "service_ticket_id", string="Repairs")
    picking_count = fields.Integer(compute="_compute_remedy_counts", string="Transfers")
    credit_note_count = fields.Integer(compute="_compute_remedy_counts")
    repair_count = fields.Integer(compute="_compute_remedy_counts")
    credit_note_awaiting_approval = fields.Boolean(
        compute="_compute_credit_note_awaiting_approval",
        help="A credit note of this ticket waits for a service manager's approval.",
    )

    def _compute_credit_note_awaiting_approval(self):
        # sudo: whether a draft credit note of these tickets waits, shown to the agents who asked for it
        waiting = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("service_ticket_id", "in", self.ids),
                    ("service_awaiting_approval", "=", True),
                    ("state", "=", "draft"),
                ],
                ["service_ticket_id"],
            )
        )
        waiting = {ticket.id for (ticket,) in waiting}
        for ticket in self:
            ticket.credit_note_awaiting_approval = ticket.id in waiting

    def _compute_remedy_counts(self):
        counts = {}
        for model in ("stock.picking", "account.move", "repair.order"):
            Model = self.env[model]
            if not self.ids or not Model.has_access("read"):
                counts[model] = {}
                continue
            counts[model] = dict(
                Model._read_group([("service_ticket_id", "in", self.ids)], ["service_ticket_id"], ["__count"])
            )
        for ticket in self:
            ticket.picking_count = counts["stock.picking"].get(ticket, 0)
            ticket.credit_note_count = counts["account.move"].get(ticket, 0)
            ticket.repair_count = counts["repair.order"].get(ticket, 0)

    # ------------------------------------------------------------------
    # Who may act, on what
    # ------------------------------------------------------------------

    def _service_remedy_product(self):
        """The product a remedy is about: the ticket's, else its serial's."""
        self.ensure_one()
        return self.product_id or self.lot_id.product_id

    def _service_remedy_env(self, group):
        """The records to run Odoo's remedy code on: as the user when they
        hold `group` (stock or accounting user), else with the rights they
        lack, once checked they may change this ticket."""
        self.ensure_one()
        self._service_check_agent_write()
        if self.env.su or self.env.user.has_group(group):
            return self
        # sudo: an agent's remedy on a ticket they may change, on its customer's documents (checked by the callers)
        return self.sudo()

    def _service_check_customer_document(self, partner, what):
        """Refuse a document (delivery, invoice, serial) of anybody but the
        ticket's customer."""
        self.ensure_one()
        if not self.commercial_partner_id:
            raise UserError(self.env._("Set the ticket's customer first."))
        if partner.commercial_partner_id != self.commercial_partner_id:
            raise UserError(
                self.env._(
                    "%(what)s belongs to %(owner)s, not to this ticket's customer %(customer)s.",
                    what=what,
                    owner=partner.commercial_partner_id.display_name or self.env._("nobody"),
                    customer=self.commercial_partner_id.display_name,
                )
            )

    def _service_log_remedy(self, body):
        """Record a remedy step in the ticket's chatter, as an internal note."""
        self.ensure_one()
        self.message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_note")

    # ------------------------------------------------------------------
    # Returns and exchanges
    # ------------------------------------------------------------------

    def _service_delivery_moves(self):
        """Done deliveries to the ticket's customer that the ticket is
        about: its serial's, else its product's (on its order when set),
        else its order's lines; latest first."""
        self.ensure_one()
        Move = self.env["stock.move"]
        domain = (
            Domain("state", "=", "done")
            & Domain("location_dest_usage", "=", "customer")
            & Domain("location_usage", "!=", "customer")
            & Domain("company_id", "=", self.company_id.id)
        )
        if self.lot_id:
            domain &= Domain("move_line_ids.lot_id", "=", self.lot_id.id)
        else:
            domain &= Domain("picking_id.partner_id.commercial_partner_id", "=", self.commercial_partner_id.id)
            if self.product_id:
                domain &= Domain("product_id", "=", self.product_id.id)
            if self.sale_order_id:
                domain &= Domain("sale_line_id.order_id", "=", self.sale_order_id.id)
            elif not self.product_id:
                return Move
        return Move.search(domain, order="date desc, id desc")

    def _service_return_picking(self):
        """The delivery to return from: the one holding the serial (which must
        still be the customer's), else the latest with something left to
        return. Raises with the reason when there is none."""
        self.ensure_one()
        requested = self._service_requested_picking()
        if requested:
            return requested
        if not (self.lot_id or self.product_id or self.sale_order_id):
            raise UserError(self.env._("Set the ticket's serial number, product or sale order first."))
        if self.lot_id:
            self._service_check_lot_returnable(self.lot_id)
        moves = self._service_delivery_moves()
        returnable = moves._service_returnable_quantities()
        for move in moves:
            if returnable.get(move, 0) > 0:
                self._service_check_customer_document(move.picking_id.partner_id, move.picking_id.display_name)
                return move.picking_id
        if moves:
            raise UserError(self.env._("Everything delivered for this ticket has already been returned."))
        raise UserError(
            self.env._("Nothing was delivered to this customer for this ticket's serial, product or order.")
        )

    def _service_requested_picking(self):
        """The delivery of the first line the customer asked for on the
        portal that is still to return, or nothing."""
        self.ensure_one()
        pending = self.remedy_line_ids._service_pending_quantities()
        moves = self.remedy_line_ids.move_id
        returnable = moves._service_returnable_quantities()
        for move in moves:
            if pending.get(move, 0) > 0 and returnable[move] > 0:
                asked = self.remedy_line_ids.filtered(lambda line, move=move: line.move_id == move).lot_id
                for lot in asked - self._service_lots_on_returns():
                    self._service_check_lot_returnable(lot)
                self._service_check_customer_document(move.picking_id.partner_id, move.picking_id.display_name)
                return move.picking_id
        return moves.picking_id.browse()

    def _service_lots_on_returns(self):
        """Serials this ticket's returns take back, under way or done."""
        self.ensure_one()
        pickings = self.picking_ids.filtered(lambda p: p.service_remedy_kind == "return" and p.state != "cancel")
        return pickings.move_line_ids.lot_id

    def _service_check_lot_returnable(self, lot):
        """A serial can come back once, from the customer who owns it."""
        self.ensure_one()
        # sudo: the serial's owner, recorded from deliveries and returns
        owner = lot.sudo().service_owner_id
        if not owner:
            raise UserError(
                self.env._("Serial number %(lot)s is not at a customer's: it was returned already.", lot=lot.name)
            )
        self._service_check_customer_document(owner, self.env._("Serial number %s", lot.name))
        pending = self.env["stock.move.line"].search_count(
            [
                ("lot_id", "=", lot.id),
                ("move_id.origin_returned_move_id", "!=", False),
                ("location_usage", "=", "customer"),
                ("state", "not in", ("done", "cancel")),
            ],
            limit=1,
        )
        if pending:
            raise UserError(self.env._("Serial number %(lot)s is already on its way back.", lot=lot.name))

    def action_service_return(self):
        """Odoo's return wizard on the ticket's delivery, with the ticket's
        serial, product or order lines to return filled in."""
        self.ensure_one()
        ticket = self._service_remedy_env("stock.group_stock_user")
        picking = ticket._service_return_picking()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Return or Exchange"),
            "res_model": "stock.return.picking",
            "view_mode": "form",
            "views": [(self.env.ref("service_desk.stock_return_picking_view_form_service").id, "form")],
            "target": "new",
            "context": {
                "active_model": "stock.picking",
                "active_id": picking.id,
                "active_ids": picking.ids,
                "default_service_ticket_id": self.id,
            },
        }

    # ------------------------------------------------------------------
    # Credit notes
    # ------------------------------------------------------------------

    def _service_invoices(self):
        """The posted customer invoices of the ticket's order; raises with
        the reason when there is none to credit."""
        self.ensure_one()
        if not self.sale_order_id:
            raise UserError(self.env._("Set the ticket's sale order first: the credit note reverses its invoice."))
        self._service_check_customer_document(self.sale_order_id.partner_id, self.sale_order_id.display_name)
        invoices = self.sale_order_id.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")
        posted = invoices.filtered(lambda m: m.state == "posted")
        product = self._service_remedy_product()
        if product:
            posted = posted.filtered(lambda m: product in m.invoice_line_ids.product_id)
        if posted:
            return posted
        if not invoices:
            raise UserError(
                self.env._("%(order)s has no invoice yet: there is nothing to credit.", order=self.sale_order_id.name)
            )
        if all(m.state == "cancel" for m in invoices):
            raise UserError(self.env._("The invoices of %(order)s are cancelled.", order=self.sale_order_id.name))
        if not invoices.filtered(lambda m: m.state == "posted"):
            raise UserError(
                self.env._(
                    "The invoice of %(order)s is not posted yet: credit it once it is.", order=self.sale_order_id.name
                )
            )
        raise UserError(
            self.env._(
                "No posted invoice of %(order)s bills %(product)s.",
                order=self.sale_order_id.name,
                product=product.display_name,
            )
        )

    def action_service_credit_note(self):
        """Odoo's reversal wizard on the posted invoices of the ticket's order."""
        self.ensure_one()
        ticket = self._service_remedy_env("account.group_account_invoice")
        invoices = ticket._service_invoices()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Credit Note"),
            "res_model": "account.move.reversal",
            "view_mode": "form",
            "views": [(self.env.ref("service_desk.account_move_reversal_view_form_service").id, "form")],
            "target": "new",
            "context": {
                "active_model": "account.move",
                "active_ids": invoices.ids,
                "default_service_ticket_id": self.id,
            },
        }

    def _service_credit_note_needs_approval(self, credit_notes, user):
        """Above the team's approval amount, a credit note by anybody but a
        service manager waits for one."""
        self.ensure_one()
        limit = self.team_id.credit_note_approval_amount
        if not limit or user.has_group("service_desk.group_service_manager"):
            return False
        return sum(abs(m.amount_total_signed) for m in credit_notes) > limit

    def _service_request_credit_note_approval(self, credit_notes):
        """Leave the credit notes draft and ask the ticket's managers."""
        self.ensure_one()
        credit_notes.service_awaiting_approval = True
        managers = self._service_managers()
        manager = ((managers & self.team_id.member_ids.user_id) or managers)[:1]
        summary = self.env._("Approve credit note")
        if manager:
            self.activity_schedule(
                "service_desk.mail_activity_type_credit_note_approval",
                summary=summary,
                note=self.env._(
                    "%(amount)s to credit on %(ticket)s, above the team's approval amount.",
                    amount=self._service_format_amount(credit_notes),
                    ticket=self.display_name,
                ),
                user_id=manager.id,
            )

    def _service_format_amount(self, moves):
        total = sum(abs(m.amount_total_signed) for m in moves)
        currency = moves[:1].company_currency_id or self.company_id.currency_id
        return f"{currency.symbol or ''} {currency.round(total):,.2f}".strip()

    def action_service_approve_credit_notes(self):
        """A service manager posts the credit notes waiting for approval."""
        self._service_check_manager()
        for ticket in self:
            # sudo: a service manager approves the credit notes of this ticket, whatever their accounting rights
            waiting = ticket.sudo().credit_note_ids.filtered(
                lambda m: m.service_awaiting_approval and m.state == "draft"
            )
            if not waiting:
                raise UserError(self.env._("No credit note of %s waits for approval.", ticket.display_name))
            waiting.action_post()
            waiting.service_awaiting_approval = False
            ticket.activity_feedback(
                ["service_desk.mail_activity_type_credit_note_approval"], feedback=self.env._("Credit note approved.")
            )
            ticket._service_log_remedy(
                Markup("%s %s")
                % (
                    self.env._("Credit note approved and issued:"),
                    Markup(", ").join(m._get_html_link() for m in waiting),
                )
            )
        return True

    # ------------------------------------------------------------------
    # Repairs
    # ------------------------------------------------------------------

    def _service_repair_is_free(self):
        """Free when the serial is under warranty or an active contract
        covers the product."""
        self.ensure_one()
        if self.under_warranty:
            return True
        # sudo: whether a contract of the ticket's customer covers the product
        Contract = self.env["service.contract"].sudo()
        return bool(
            Contract._active_for(self.partner_id, product=self._service_remedy_product(), company=self.company_id)
        )

    def _service_repair_values(self):
        self.ensure_one()
        free = self._service_repair_is_free()
        product = self._service_remedy_product()
        return {
            "partner_id": self.partner_id.id,
            "product_id": product.id,
            "product_uom": product.uom_id.id,
            "lot_id": self.lot_id.id,
            "company_id": self.company_id.id,
            "under_warranty": free,
            "sale_order_id": self.sale_order_id.id if free else False,
            "internal_notes": self.description,
            "service_ticket_id": self.id,
        }

    def _service_check_repairable(self):
        self.ensure_one()
        product = self._service_remedy_product()
        if not product:
            raise UserError(self.env._("Set the ticket's product first: it is what gets repaired."))
        if product.type != "consu":
            raise UserError(
                self.env._(
                    "%(product)s is not a good that can be repaired (it is a service or a combo).",
                    product=product.display_name,
                )
            )
        if product.tracking == "serial" and not self.lot_id:
            raise UserError(self.env._("Set the serial number of the unit to repair first."))
        if self.lot_id:
            # sudo: the serial's owner, recorded from deliveries and returns
            self._service_check_customer_document(
                self.lot_id.sudo().service_owner_id or self.commercial_partner_id,
                self.env._("Serial number %s", self.lot_id.name),
            )
        # sudo: whether the unit already has a repair under way, whatever the user's repair rights
        open_repairs = (
            self.env["repair.order"]
            .sudo()
            .search_count(
                [
                    ("service_ticket_id", "=", self.id),
                    ("product_id", "=", product.id),
                    ("lot_id", "=", self.lot_id.id),
                    ("state", "not in", ("done", "cancel")),
                ],
                limit=1,
            )
        )
        if open_repairs:
            raise UserError(self.env._("This unit already has a repair under way on this ticket."))

    def action_service_repair(self):
        """A repair order for the ticket's product and serial; free when the
        warranty or a contract covers it."""
        self.ensure_one()
        ticket = self._service_remedy_env("stock.group_stock_user")
        ticket._service_check_repairable()
        repair = self.env["repair.order"].with_env(ticket.env).create(ticket._service_repair_values())
        if repair.under_warranty:
            body = Markup(self.env._("Repair %s opened, free of charge: the unit is covered."))
        else:
            body = Markup(self.env._("Repair %s opened: not covered, its quotation goes to the customer for approval."))
        ticket._service_log_remedy(body % repair._get_html_link())
        if self.env.user.has_group("stock.group_stock_user"):
            return repair._get_records_action()
        return False

    def _service_repair_done(self, repair):
        """A repair of the ticket is finished: say so, and move the ticket to
        its team's resolved stage when the team resolves tickets with their
        repairs and no other repair of the ticket is under way."""
        self.ensure_one()
        self._service_log_remedy(Markup(self.env._("Repair %s is done.")) % repair._get_html_link())
        if not self.team_id.repair_done_resolves or self.is_resolved or self.is_closed:
            return
        if self.repair_ids.filtered(lambda r: r.state not in ("done", "cancel")):
            return
        self.action_resolve()

    def _service_quantity_to_return(self, move):
        """What the return wizard proposes for a delivered move: the ticket's
        serial (one), else what is left of the ticket's product, else of every
        line when the ticket names only its order. Lines the customer asked
        for on the portal come first: what they asked and is still to return."""
        self.ensure_one()
        if self.remedy_line_ids:
            pending = self.remedy_line_ids._service_pending_quantities().get(move, 0.0)
            return min(pending, max(move._service_returnable_quantities()[move], 0.0))
        if self.lot_id:
            return 1.0 if self.lot_id in move.move_line_ids.lot_id else 0.0
        if self.product_id and move.product_id != self.product_id:
            return 0.0
        return max(move._service_returnable_quantities()[move], 0.0)

    # ------------------------------------------------------------------
    # Smart buttons
    # ------------------------------------------------------------------

    @api.model
    def _service_documents_action(self, model, name, domain, context=None):
        """The list of remedy documents of `model` in `domain`, made from tickets only."""
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "list,form",
            "domain": domain,
            "context": {"create": False, **(context or {})},
        }

    def _service_open_documents(self, model, name, context=None):
        self.ensure_one()
        return self._service_documents_action(model, name, [("service_ticket_id", "=", self.id)], context)

    def action_open_service_pickings(self):
        return self._service_open_documents("stock.picking", self.env._("Returns and Replacements"))

    def action_open_service_credit_notes(self):
        return self._service_open_documents(
            "account.move", self.env._("Credit Notes"), {"default_move_type": "out_refund"}
        )

    def action_open_service_repairs(self):
        return self._service_open_documents("repair.order", self.env._("Repairs"))

    # ------------------------------------------------------------------
    # Demo
    # ------------------------------------------------------------------

    @api.model
    def _service_demo_remedies(self):
        """Demo data only (demo/service_remedy_demo.xml): a return with
        exchange, a partial credit note, a free and a paid repair on the demo's
        tickets, made through the buttons above (demo/remedies.py)."""
        from ..demo import remedies  # demo code, loaded only with demo data

        remedies.generate(self.env)
