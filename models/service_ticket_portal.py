from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

# kinds of request a customer may choose on the portal (subset of TICKET_TYPES)
PORTAL_TICKET_TYPES = ("question", "incident", "request", "complaint", "refund", "return")

# ratings at or below this value (out of 5) call for a follow-up by the team lead
LOW_RATING_THRESHOLD = 2


class ServiceTicket(models.Model):
    _inherit = "service.ticket"

    origin_ticket_id = fields.Many2one(
        "service.ticket",
        string="Follow-up Of",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="The closed ticket the customer reported as not resolved after its reopen window.",
    )
    followup_ticket_ids = fields.One2many("service.ticket", "origin_ticket_id", string="Follow-up Tickets")

    # ------------------------------------------------------------------
    # What a customer may refer to
    # ------------------------------------------------------------------

    @api.model
    def _portal_delivered_move_lines(self, partner):
        """Done move lines that went out to the customer's company (any of its contacts)."""
        commercial = partner.commercial_partner_id
        # sudo: the customer's own deliveries, searched by their commercial partner only
        return (
            self.env["stock.move.line"]
            .sudo()
            .search(
                [
                    ("state", "=", "done"),
                    ("location_dest_id.usage", "=", "customer"),
                    "|",
                    ("picking_id.partner_id.commercial_partner_id", "=", commercial.id),
                    ("move_id.partner_id.commercial_partner_id", "=", commercial.id),
                ]
            )
        )

    @api.model
    def _portal_customer_assets(self, partner):
        """(products, serials) the customer's company received: what it may open a ticket about."""
        lines = self._portal_delivered_move_lines(partner)
        return lines.product_id, lines.lot_id

    @api.model
    def _portal_customer_orders(self, partner):
        # sudo: the customer's own confirmed orders, searched by their commercial partner only
        return (
            self.env["sale.order"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", partner.commercial_partner_id.id),
                    ("state", "=", "sale"),
                ]
            )
        )

    @api.model
    def _portal_teams(self):
        """Teams of the user's companies that take requests from the portal."""
        # sudo: the portal teams of the user's companies
        return (
            self.env["service.team"]
            .sudo()
            .search(
                [
                    ("portal_visible", "=", True),
                    ("company_id", "in", self.env.companies.ids),
                ]
            )
        )

    @api.model
    def _portal_categories(self, teams):
        """Categories a customer may choose: shown on the portal, of a portal team or of none."""
        # sudo: the portal categories of these teams or of none
        return (
            self.env["service.category"]
            .sudo()
            .search(
                [
                    ("portal_visible", "=", True),
                    "|",
                    ("team_id", "=", False),
                    ("team_id", "in", teams.ids),
                ]
            )
        )

    @api.model
    def _portal_prepare_values(self, partner, form):
        """Check a portal form for a new ticket and return the values to create it with.

        Everything the form names by id is checked against what the customer may
        use (portal teams, categories of those teams, its own deliveries and orders):
        an id the customer could not have been offered is refused with a UserError.
        """
        errors = []

        def as_id(key):
            raw = (form.get(key) or "").strip() if isinstance(form.get(key), str) else form.get(key)
            if not raw:
                return False
            try:
                return int(raw)
            except (TypeError, ValueError):
                errors.append(self.env._("The value given for %s is not valid.", key))
                return False

        name = (form.get("name") or "").strip()
        if not name:
            errors.append(self.env._("Please give your request a subject."))
        description = (form.get("description") or "").strip()
        if not description:
            errors.append(self.env._("Please describe your request."))
        ticket_type = form.get("ticket_type") or "question"
        if ticket_type not in PORTAL_TICKET_TYPES:
            errors.append(self.env._("Please choose a valid kind of request."))

        teams = self._portal_teams()
        # sudo: the form's category, kept only if among the portal categories
        category = self.env["service.category"].sudo().browse(as_id("category_id")).exists()
        if form.get("category_id") and category not in self._portal_categories(teams):
            errors.append(self.env._("The chosen category is not available."))
            category = category.browse()
        # sudo: the form's team, kept only if among the portal teams
        team = self.env["service.team"].sudo().browse(as_id("team_id")).exists()
        if form.get("team_id") and team not in teams:
            errors.append(self.env._("This team does not take requests from the portal."))
            team = team.browse()
        if category.team_id and team and category.team_id != team:
            errors.append(
                self.env._(
                    "Category %(category)s is not handled by team %(team)s.", category=category.name, team=team.name
                )
            )
        team = team or category.team_id or teams[:1]
        if not team:
            errors.append(self.env._("No team takes requests from the portal at the moment."))

        products, lots = self._portal_customer_assets(partner)
        # sudo: the form's product, kept only if delivered to the customer
        product = self.env["product.product"].sudo().browse(as_id("product_id")).exists()
        # sudo: the form's serial, kept only if delivered to the customer
        lot = self.env["stock.lot"].sudo().browse(as_id("lot_id")).exists()
        if form.get("lot_id") and lot not in lots:
            errors.append(self.env._("This serial number was not delivered to you."))
            lot = lot.browse()
        if form.get("product_id") and product not in products:
            errors.append(self.env._("This product was not delivered to you."))
            product = product.browse()
        if lot and product and lot.product_id != product:
            errors.append(
                self.env._("Serial number %(lot)s is not a %(product)s.", lot=lot.name, product=product.display_name)
            )
        # sudo: the form's order, kept only if one of the customer's
        order = self.env["sale.order"].sudo().browse(as_id("sale_order_id")).exists()
        if form.get("sale_order_id") and order not in self._portal_customer_orders(partner):
            errors.append(self.env._("This order is not one of yours."))
            order = order.browse()

        if errors:
            raise UserError("\n".join(errors))
        return {
            "name": name,
            "description": Markup("<p>%s</p>")
            % Markup("<br/>").join(escape(line) for line in description.splitlines()),
            "ticket_type": ticket_type,
            "team_id": team.id,
            "category_id": category.id,
            "product_id": (product or lot.product_id).id,
            "lot_id": lot.id,
            "sale_order_id": order.id,
            "partner_id": partner.id,
            "channel": "portal",
        }

    @api.model
    def _portal_create_ticket(self, partner, form, extra_values=None):
        """Create the ticket a portal customer submitted (values checked
        first); `extra_values`, checked by the caller, are added as they are."""
        values = {**self._portal_prepare_values(partner, form), **(extra_values or {})}
        # sudo: values checked by _portal_prepare_values (and the caller), the customer being the user's own contact
        return self.sudo().with_context(mail_create_nosubscribe=False).create(values)

    # ------------------------------------------------------------------
    # Customer decisions
    # ------------------------------------------------------------------

    def action_customer_confirm(self):
        """The customer confirms the resolution: the ticket closes."""
        for ticket in self:
            if not ticket.is_resolved or ticket.is_closed:
                raise UserError(self.env._("Ticket %s is not waiting for your confirmation.", ticket.number))
            ticket.message_post(
                body=self.env._("The customer confirmed the resolution."),
                author_id=ticket._customer_author().id,
                subtype_xmlid="mail.mt_note",
            )
            ticket.action_close()
        return True

    def action_customer_reopen(self, reason):
        """The customer says the request is not resolved, and why: their
        message is posted, then handled as every customer message is
        (`_service_customer_wrote`): within the team's reopen window the
        ticket goes back to work and is escalated; after it, a new ticket
        linked to this one takes the request. Returns the ticket that now
        carries it."""
        self.ensure_one()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Please tell us why the request is not resolved."))
        if not (self.is_resolved or self.is_closed):
            raise UserError(self.env._("Ticket %s is still open.", self.number))
        author = self._customer_author()
        message = self.with_context(service_customer_rule_applied=True).message_post(
            body=Markup("<p>%s</p><p>%s</p>") % (self.env._("The customer reports it is not resolved:"), reason),
            author_id=author.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        return self._service_customer_wrote(author, message.date, reason=reason)

    # ------------------------------------------------------------------
    # Rating
    # ------------------------------------------------------------------

    def _portal_may_rate(self):
        """Whether the customer may still rate this ticket: resolved, with a
        customer, not rated yet."""
        self.ensure_one()
        return self.is_resolved and bool(self.partner_id) and not self.rating_ids.filtered("consumed")

    def _portal_rating_token(self, create=False):
        """The token of the customer's pending rating of this ticket, False
        when it may not be rated. The resolution email asks for the rating;
        without ``create``, when none was asked for yet, False too: the
        ticket's page only reads, its rate form asks with ``create``."""
        self.ensure_one()
        if not self._portal_may_rate():
            return False
        if create:
            return self._rating_get_access_token()
        partner = self._rating_get_partner()
        # sudo: the customer's own pending rating of a ticket the caller may read
        pending = self.rating_ids.sudo().filtered(lambda rating: rating.partner_id == partner and not rating.consumed)
        return pending[:1].access_token or False

    def _rating_lead_users(self):
        """Who follows up a poor rating: the team's seniors, else the escalation
        team's, else the agent who handled the ticket."""
        self.ensure_one()
        return self.team_id._seniors().user_id or self.team_id.escalation_team_id._seniors().user_id or self.user_id

    def rating_apply(self, rate, token=None, rating=None, feedback=None, subtype_xmlid=None, notify_delay_send=False):
        rating = super().rating_apply(
            rate,
            token=token,
            rating=rating,
            feedback=feedback,
            subtype_xmlid=subtype_xmlid,
            notify_delay_send=notify_delay_send,
        )
        if rate <= LOW_RATING_THRESHOLD:
            self._schedule_low_rating_followup(rating)
        return rating

    def _schedule_low_rating_followup(self, rating):
        for ticket in self:
            note = self.env._("The customer rated %(rate)s/5.", rate=int(rating.rating))
            if rating.feedback:
                note = Markup("<p>%s</p><p>%s</p>") % (note, rating.feedback)
            for user in ticket._rating_lead_users():
                # sudo: a to-do for the team lead after a poor rating, given with the rating's token
                ticket.sudo().activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=self.env._("Follow up a poor rating"),
                    note=note,
                    user_id=user.id,
                )

    def _portal_url_for(self, user):
        """Where `user` finds this ticket on the portal, or None: its page when
        they may read the ticket; for an anonymous visitor (who came through a
        link mailed to the customer, such as the rating link) the page with the
        ticket's access token; nothing for a signed-in user who may not see it."""
        self.ensure_one()
        if user._is_public():
            return self.get_portal_url()
        if self.with_user(user).has_access("read"):
            return self.access_url
        return None

    # ------------------------------------------------------------------
    # What the portal shows
    # ------------------------------------------------------------------

    def _portal_promised_response(self):
        """{ticket id: datetime} the customer was promised an answer by: the
        earliest open response target, else the ticket's SLA deadline."""
        # sudo: response deadlines of tickets the caller already holds, deadlines only
        lines = (
            self.env["service.ticket.sla"]
            .sudo()
            .search(
                [
                    ("ticket_id", "in", self.ids),
                    ("target_type", "in", ("first_response", "next_response")),
                    ("reached_date", "=", False),
                    ("status", "!=", "cancelled"),
                ],
                order="deadline",
            )
        )
        promised = {}
        for line in lines:
            if line.deadline:
                promised.setdefault(line.ticket_id.id, line.deadline)
        # sudo: the SLA deadline of these same tickets
        for ticket in self.sudo():
            if ticket.id not in promised and ticket.sla_deadline and not ticket.is_resolved:
                promised[ticket.id] = ticket.sla_deadline
        return promised

    def _portal_visible_attachments(self):
        """The files of this ticket its customer may list and download: those
        of its messages a customer may read (not internal: neither an internal
        subtype such as a log note nor marked employee-only) and those the
        customer's side uploaded itself (created by a portal user, as the
        new-ticket form does). Files of agents' internal notes, or added on the
        ticket by an agent without a message to the customer, are left out."""
        self.ensure_one()
        # sudo: this ticket's files its customer may see: of public messages or uploaded by the customer
        env = self.sudo().env
        Message = env["mail.message"]
        public_messages = Message.search(
            Domain("model", "=", self._name) & Domain("res_id", "=", self.id) & Message._get_search_domain_share()
        )
        return env["ir.attachment"].search(
            Domain("res_model", "=", self._name)
            & Domain("res_id", "=", self.id)
            & (Domain("id", "in", public_messages.attachment_ids.ids) | Domain("create_uid.share", "=", True)),
            order="id",
        )

    @api.model
    def _portal_filter_domains(self):
        # a merged ticket is listed as the ticket it was merged into: one request, one ticket
        listed = Domain("merged_into_id", "=", False)
        return {
            "all": listed,
            "open": listed & Domain("is_resolved", "=", False) & Domain("is_closed", "=", False),
            "waiting": listed & Domain("stage_id.sla_pause", "=", True),
            "resolved": listed & Domain("is_resolved", "=", True) & Domain("is_closed", "=", False),
            "closed": listed & Domain("is_closed", "=", True),
        }
