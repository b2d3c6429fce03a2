from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command, Domain
from odoo.tools.mimetypes import guess_mimetype

# what a customer may ask for on the portal, and the kind of ticket it opens
REMEDY_REQUESTS = [
    ("return", "Return"),
    ("exchange", "Exchange"),
    ("refund", "Refund"),
    ("repair", "Repair"),
]
REMEDY_TICKET_TYPES = {"return": "return", "exchange": "return", "refund": "refund", "repair": "incident"}

# photos a customer may join to a request: a few pictures, nothing a browser would run
MAX_REMEDY_PHOTOS = 5
REMEDY_PHOTO_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


class ServiceTicketRemedyLine(models.Model):
    """One delivered line (or serial) a customer asked a remedy for, with
    the quantity asked: what the agent's return wizard proposes first."""

    _name = "service.ticket.remedy.line"
    _description = "Requested Remedy Line"
    _order = "ticket_id, id"

    ticket_id = fields.Many2one("service.ticket", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="ticket_id.company_id", store=True, index=True)
    move_id = fields.Many2one("stock.move", string="Delivery Line", required=True, index=True, ondelete="restrict")
    picking_id = fields.Many2one(related="move_id.picking_id", string="Delivery")
    product_id = fields.Many2one("product.product", required=True)
    lot_id = fields.Many2one("stock.lot", string="Serial Number", index="btree_not_null")
    quantity = fields.Float(required=True, digits="Product Unit", default=1.0)

    _quantity_positive = models.Constraint("CHECK(quantity > 0)", "A requested quantity must be more than zero.")

    def _service_returned_quantities(self):
        """{(ticket, move): quantity} the lines' tickets already take back of
        their moves with returns (done or under way)."""
        returned = defaultdict(float)
        # sudo: returns of the lines' own tickets, read to net what is still asked
        returns = self.ticket_id.sudo().picking_ids.filtered(lambda p: p.service_remedy_kind == "return").move_ids
        for move in returns:
            if move.state == "cancel" or move.origin_returned_move_id not in self.move_id:
                continue
            quantity = move.quantity if move.state == "done" else move.product_uom_qty
            returned[move.picking_id.service_ticket_id.id, move.origin_returned_move_id.id] += quantity
        return returned

    def _service_pending_quantities(self):
        """{move: quantity} asked by these lines and not yet taken back by a
        return of their ticket."""
        asked = defaultdict(float)
        for line in self:
            asked[line.ticket_id.id, line.move_id.id] += line.quantity
        returned = self._service_returned_quantities()
        pending = defaultdict(float)
        for (ticket_id, move_id), quantity in asked.items():
            pending[self.env["stock.move"].browse(move_id)] += max(quantity - returned[ticket_id, move_id], 0.0)
        return pending

    @api.model
    def _service_open_requests(self, moves):
        """Lines of requests still open (ticket neither resolved nor closed) on these moves."""
        # sudo: requests of any contact of the customer on the same deliveries, to bound a new one
        return self.sudo().search(
            [
                ("move_id", "in", moves.ids),
                ("ticket_id.is_resolved", "=", False),
                ("ticket_id.is_closed", "=", False),
            ]
        )


class ServiceTicket(models.Model):
    """A customer's request for a return, exchange, refund or repair of
    goods delivered to them, made on the portal: checked against what was
    delivered to their company and not yet returned or asked, and followed
    by the customer on the ticket page as the agents' documents move."""

    _inherit = "service.ticket"

    remedy_request = fields.Selection(
        REMEDY_REQUESTS,
        string="Requested Remedy",
        readonly=True,
        copy=False,
        help="What the customer asked for on the portal.",
    )
    remedy_line_ids = fields.One2many(
        "service.ticket.remedy.line", "ticket_id", string="Requested Lines", readonly=True, copy=False
    )

    # ------------------------------------------------------------------
    # What the customer may ask a remedy for
    # ------------------------------------------------------------------

    @api.model
    def _service_customer_delivery_domain(self, partner):
        """Done deliveries to `partner`'s company, in the user's companies."""
        commercial = partner.commercial_partner_id
        return (
            Domain("state", "=", "done")
            & Domain("location_dest_usage", "=", "customer")
            & Domain("location_usage", "!=", "customer")
            & Domain("company_id", "in", self.env.companies.ids)
            & (
                Domain("picking_id.partner_id.commercial_partner_id", "=", commercial.id)
                | Domain("partner_id.commercial_partner_id", "=", commercial.id)
            )
        )

    @api.model
    def _service_remedy_left(self, moves):
        """{move: quantity} left to ask for: not returned (done or under way)
        and not asked by another open request."""
        left = moves._service_returnable_quantities()
        pending = self.env["service.ticket.remedy.line"]._service_open_requests(moves)._service_pending_quantities()
        return {move: move.product_uom.round(max(left[move] - pending.get(move, 0.0), 0.0)) for move in moves}

    @api.model
    def _service_remedy_candidates(self, partner, sale_order_id=None):
        """What the portal form lists: one row per delivered serial still
        the customer's, one per untracked delivered line; each with what is
        left to ask for (0 when nothing is). Latest deliveries first."""
        domain = self._service_customer_delivery_domain(partner)
        if sale_order_id:
            domain &= Domain("sale_line_id.order_id", "=", sale_order_id)
        # sudo: the customer's own deliveries, searched by their commercial partner
        moves = self.env["stock.move"].sudo().search(domain, order="date desc, id desc")
        left = self._service_remedy_left(moves)
        asked_lots = self.env["service.ticket.remedy.line"]._service_open_requests(moves).lot_id
        commercial = partner.commercial_partner_id
        rows = []
        for move in moves:
            if move.product_id.tracking == "serial":
                for lot in move.move_line_ids.filtered(lambda ml: ml.state == "done").lot_id:
                    mine = lot.service_owner_id == commercial and lot not in asked_lots
                    rows.append({"move": move, "lot": lot, "left": 1.0 if mine and left[move] >= 1 else 0.0})
            else:
                rows.append({"move": move, "lot": self.env["stock.lot"], "left": left[move]})
        return rows

    # ------------------------------------------------------------------
    # The request
    # ------------------------------------------------------------------

    @api.model
    def _service_create_remedy_request(self, partner, remedy, lines, reason, photos=()):
        """Open the ticket of a customer's portal request for a remedy.

        `lines`: [{"move_id", "lot_id", "quantity"}] as the form sent them;
        `photos`: [(name, content)]. Each line must be a done delivery to the
        customer's company, within what is left to return (less other open
        requests), a serial still theirs and not on its way back. Refused
        with the reason (UserError), nothing created."""
        labels = dict(self._fields["remedy_request"]._description_selection(self.env))
        if remedy not in REMEDY_TICKET_TYPES:
            raise UserError(self.env._("Please choose a return, an exchange, a refund or a repair."))
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Please tell us what is wrong."))
        line_values = self._service_check_remedy_lines(partner, lines)
        self._service_check_remedy_photos(photos)
        # the checked lines' records, read with the rights they were checked with
        moves = line_values[0]["move"].union(*(values["move"] for values in line_values))
        companies = moves.company_id
        if len(companies) > 1:
            raise UserError(self.env._("Please ask for goods of one company at a time."))
        team = self._portal_teams().filtered(lambda t: t.company_id == companies)[:1]
        if not team:
            raise UserError(self.env._("No team takes requests from the portal at the moment."))
        products = moves.product_id
        lots = line_values[0]["lot"].union(*(values["lot"] for values in line_values))
        orders = moves.sale_line_id.order_id
        subject = products.display_name if len(products) == 1 else self.env._("%s items", len(line_values))
        form = {
            "name": f"{labels[remedy]}: {subject}",
            "description": reason,
            "ticket_type": REMEDY_TICKET_TYPES[remedy],
            "team_id": team.id,
            "product_id": products.id if len(products) == 1 else False,
            "lot_id": lots.id if len(lots) == 1 and len(line_values) == 1 else False,
            "sale_order_id": orders.id if len(orders) == 1 else False,
        }
        ticket = self._portal_create_ticket(
            partner,
            form,
            extra_values={
                "remedy_request": remedy,
                "remedy_line_ids": [
                    Command.create(
                        {
                            "move_id": values["move"].id,
                            "product_id": values["move"].product_id.id,
                            "lot_id": values["lot"].id,
                            "quantity": values["quantity"],
                        }
                    )
                    for values in line_values
                ],
            },
        )
        if photos:
            # sudo: the customer's photos on the request just created for them
            self.env["ir.attachment"].sudo().create(
                [
                    {"name": name, "raw": content, "res_model": self._name, "res_id": ticket.id}
                    for name, content in photos
                ]
            )
        return ticket

    @api.model
    def _service_check_remedy_lines(self, partner, lines):
        """[{"move", "lot", "quantity"}] of the lines, each checked; raises the first refusal."""
        if not lines:
            raise UserError(self.env._("Please choose what you want to send back or have repaired."))
        parsed = []
        for line in lines:
            try:
                move_id = int(line.get("move_id"))
                lot_id = int(line.get("lot_id") or 0)
                quantity = float(line.get("quantity"))
            except (TypeError, ValueError):
                raise UserError(self.env._("The quantity or the item given is not valid.")) from None
            if quantity <= 0:
                raise UserError(self.env._("Quantities must be more than zero."))
            parsed.append((move_id, lot_id, quantity))
        if len({(move_id, lot_id) for move_id, lot_id, __ in parsed}) != len(parsed):
            raise UserError(self.env._("Each item can be asked for once per request."))
        # sudo: the lines named by the form, kept only among the customer's own deliveries
        Move = self.env["stock.move"].sudo()
        named = Domain("id", "in", [move_id for move_id, __, __ in parsed])
        moves = Move.search(named & self._service_customer_delivery_domain(partner))
        left = self._service_remedy_left(moves)
        asked = self.env["service.ticket.remedy.line"]._service_open_requests(moves)
        # sudo: a ticket in memory for the customer, to run the serial rules of the agents' returns
        check_ticket = self.sudo().new({"partner_id": partner.id})
        taken = defaultdict(float)
        result = []
        for move_id, lot_id, quantity in parsed:
            move = moves.browse(move_id) & moves
            if not move:
                raise UserError(self.env._("This item was not delivered to your company."))
            # sudo: the serial named by the form, checked against the delivery just found
            lot = self.env["stock.lot"].sudo().browse(lot_id)
            if move.product_id.tracking == "serial":
                if not lot or lot not in move.move_line_ids.lot_id:
                    raise UserError(
                        self.env._("Please choose the serial number of %(product)s.", product=move.product_id.name)
                    )
                if quantity != 1:
                    raise UserError(self.env._("A serial number is one unit."))
                check_ticket._service_check_lot_returnable(lot)
                other = asked.filtered(lambda line, lot=lot: line.lot_id == lot)[:1]
                if other:
                    raise UserError(
                        self.env._(
                            "Serial number %(lot)s is already in your request %(ticket)s.",
                            lot=lot.name,
                            ticket=other.ticket_id.number,
                        )
                    )
            elif lot_id:
                raise UserError(self.env._("%(product)s has no serial number.", product=move.product_id.name))
            taken[move] += quantity
            if move.product_uom.compare(taken[move], left[move]) > 0:
                raise UserError(
                    self.env._(
                        "You cannot ask for %(quantity)s of %(product)s from %(delivery)s: %(left)s left to return.",
                        quantity=taken[move],
                        product=move.product_id.name,
                        delivery=move.picking_id.name or move.reference,
                        left=left[move],
                    )
                )
            result.append({"move": move, "lot": lot, "quantity": quantity})
        return result

    @api.model
    def _service_check_remedy_photos(self, photos):
        if len(photos) > MAX_REMEDY_PHOTOS:
            raise UserError(self.env._("You can join at most %s photos.", MAX_REMEDY_PHOTOS))
        for name, content in photos:
            if guess_mimetype(content or b"") not in REMEDY_PHOTO_TYPES:
                raise UserError(self.env._("%(file)s is not a photo (PNG, JPEG, GIF or WebP images only).", file=name))

    def _service_set_return_lots(self):
        """The returns under way of this ticket carry the serials to take
        back: the ticket's serial, else those the customer asked for on the
        delivered moves they undo, each once, leaving out what done returns
        brought back already."""
        self.ensure_one()
        returns = self.picking_ids.filtered(lambda p: p.service_remedy_kind == "return" and p.state != "cancel")
        taken = returns.filtered(lambda p: p.state == "done").move_line_ids.lot_id
        for move in returns.filtered(lambda p: p.state != "done").move_ids.sorted("id"):
            if self.lot_id and move.product_id == self.lot_id.product_id:
                asked = self.lot_id
            else:
                asked = self.remedy_line_ids.filtered(
                    lambda line, move=move: line.move_id == move.origin_returned_move_id
                ).lot_id
            wanted = (asked - taken)[: int(move.product_uom_qty)]
            if wanted:
                move._service_set_lots(wanted)
                taken |= wanted

    # ------------------------------------------------------------------
    # What the ticket page shows
    # ------------------------------------------------------------------

    def _portal_remedy_progress(self):
        """The remedies of this ticket as its customer follows them: returns
        (waiting / received), replacements (preparing / shipped), credit notes
        once issued (with the link to their PDF), repairs (status, free or
        paid, the quotation to accept). Documents of anybody but the ticket's
        customer are left out; a draft credit note (awaiting approval
        included) only says one is being prepared. Call it only on a ticket
        whose access was checked; a few queries whatever the number of documents."""
        self.ensure_one()
        # sudo: the remedies of a ticket whose access the caller checked, only its customer's documents
        ticket = self.sudo()
        commercial = ticket.commercial_partner_id

        def customers(records):
            return records.filtered(lambda r: commercial and r.partner_id.commercial_partner_id == commercial)

        pickings = customers(ticket.picking_ids.filtered(lambda p: p.state != "cancel"))
        notes = customers(ticket.credit_note_ids.filtered(lambda m: m.move_type == "out_refund"))
        issued = notes.filtered(lambda m: m.state == "posted")
        repairs = customers(ticket.repair_ids.filtered(lambda r: r.state != "cancel"))
        paid = repairs.filtered(lambda r: not r.under_warranty and r.sale_order_id)
        quotes = customers(paid.sale_order_id)
        quotations = {repair: repair.sale_order_id for repair in paid if repair.sale_order_id in quotes}
        return {
            "lines": ticket.remedy_line_ids,
            "returns": pickings.filtered(lambda p: p.service_remedy_kind == "return"),
            "replacements": pickings.filtered(lambda p: p.service_remedy_kind == "replacement"),
            "credit_notes": [(note, note.get_portal_url(report_type="pdf", download=True)) for note in issued],
            "credit_note_preparing": bool(notes.filtered(lambda m: m.state == "draft")),
            "repairs": [
                (repair, quotations.get(repair), quotations[repair].get_portal_url() if repair in quotations else None)
                for repair in repairs
            ],
        }
