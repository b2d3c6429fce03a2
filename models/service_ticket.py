from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain

TICKET_PRIORITIES = [("0", "Low"), ("1", "Medium"), ("2", "High"), ("3", "Urgent")]
TICKET_TYPES = [
    ("question", "Question"),
    ("incident", "Incident"),
    ("request", "Service Request"),
    ("complaint", "Complaint"),
    ("refund", "Refund Request"),
    ("return", "Return Request"),
    ("case", "Case"),
]
TICKET_CHANNELS = [
    ("email", "Email"),
    ("phone", "Phone"),
    ("web", "Website"),
    ("portal", "Portal"),
    ("chat", "Chat"),
    ("fax", "Fax"),
    ("walk_in", "Walk-in"),
    ("api", "API"),
]


class ServiceTicket(models.Model):
    _name = "service.ticket"
    _description = "Service Ticket"
    _inherit = [
        "mail.thread.cc",
        "mail.activity.mixin",
        "portal.mixin",
        "rating.mixin",
        "mail.tracking.duration.mixin",
    ]
    _order = "priority desc, id desc"
    _rec_names_search = ["number", "name", "partner_id.name", "partner_email"]
    _primary_email = "partner_email"
    _track_duration_field = "stage_id"
    _mail_post_access = "read"

    def _default_team_id(self):
        """The first team the user belongs to, else the company's first team."""
        Team = self.env["service.team"]
        domain = [("company_id", "in", self.env.companies.ids)]
        return Team.search([*domain, ("member_ids.user_id", "=", self.env.uid)], limit=1) or Team.search(
            domain, limit=1
        )

    name = fields.Char(string="Subject", required=True, tracking=True)
    number = fields.Char(
        string="Ticket Number",
        required=True,
        readonly=True,
        copy=False,
        index="trigram",
        default=lambda self: self.env._("New"),
    )
    description = fields.Html(sanitize_style=True)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        tracking=True,
        index="btree_not_null",
        domain="['|', ('company_id', '=?', company_id), ('company_id', '=', False)]",
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id",
        string="Customer Company",
        store=True,
        index=True,
    )
    partner_email = fields.Char(
        string="Customer Email",
        compute="_compute_partner_email",
        store=True,
        readonly=False,
    )
    partner_phone = fields.Char(
        string="Customer Phone",
        compute="_compute_partner_phone",
        store=True,
        readonly=False,
    )
    company_id = fields.Many2one(
        "res.company",
        compute="_compute_company_id",
        store=True,
        readonly=False,
        required=True,
        index=True,
    )
    team_id = fields.Many2one(
        "service.team",
        required=True,
        tracking=True,
        index=True,
        ondelete="restrict",
        default=lambda self: self._default_team_id(),
        domain="[('company_id', 'in', allowed_company_ids)]",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Agent",
        tracking=True,
        index="btree_not_null",
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
    )
    stage_id = fields.Many2one(
        "service.stage",
        tracking=True,
        index=True,
        copy=False,
        ondelete="restrict",
        compute="_compute_stage_id",
        store=True,
        readonly=False,
        group_expand="_read_group_expand_stage_ids",
        domain="['|', ('team_ids', '=', False), ('team_ids', 'in', team_id)]",
    )
    is_resolved = fields.Boolean(related="stage_id.is_resolved", store=True)
    is_closed = fields.Boolean(related="stage_id.is_closed", store=True, index=True)
    priority = fields.Selection(TICKET_PRIORITIES, default="0", required=True, tracking=True, index=True)
    ticket_type = fields.Selection(TICKET_TYPES, string="Type", default="question", required=True, tracking=True)
    category_id = fields.Many2one(
        "service.category",
        tracking=True,
        index="btree_not_null",
        domain="['|', ('team_id', '=', False), ('team_id', '=', team_id)]",
    )
    tag_ids = fields.Many2many("service.tag", string="Tags")
    channel = fields.Selection(TICKET_CHANNELS, default="web", required=True, tracking=True)
    product_id = fields.Many2one("product.product", tracking=True, index="btree_not_null")
    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial Number",
        tracking=True,
        index="btree_not_null",
        domain="[('product_id', '=?', product_id)]",
    )
    sale_order_id = fields.Many2one(
        "sale.order",
        tracking=True,
        index="btree_not_null",
        domain="[('partner_id', 'child_of', commercial_partner_id)]",
    )
    first_response_date = fields.Datetime(readonly=True, copy=False)
    resolved_date = fields.Datetime(readonly=True, copy=False, index="btree_not_null")
    closed_date = fields.Datetime(readonly=True, copy=False, index="btree_not_null")
    reopen_count = fields.Integer(readonly=True, copy=False)
    escalation_level = fields.Integer(readonly=True, copy=False)
    # written by routing only, from escaped values (service_ticket_routing.py)
    routing_explanation = fields.Html(readonly=True, copy=False, sanitize=False)

    _number_company_uniq = models.UniqueIndex("(company_id, number)", "Ticket numbers are unique per company.")
    # routing and capacity count each agent's open tickets in a team on every new ticket
    _open_by_agent_idx = models.Index("(team_id, user_id) WHERE active IS TRUE AND is_closed IS NOT TRUE")

    # ------------------------------------------------------------------
    # Computes and constraints
    # ------------------------------------------------------------------

    @api.depends("partner_id.email")
    def _compute_partner_email(self):
        for ticket in self:
            if ticket.partner_id.email:
                ticket.partner_email = ticket.partner_id.email

    @api.depends("partner_id.phone")
    def _compute_partner_phone(self):
        for ticket in self:
            if ticket.partner_id.phone:
                ticket.partner_phone = ticket.partner_id.phone

    @api.depends("team_id")
    def _compute_company_id(self):
        for ticket in self:
            ticket.company_id = ticket.team_id.company_id or ticket.company_id or self.env.company

    @api.depends("team_id")
    def _compute_stage_id(self):
        for ticket in self:
            if not ticket.stage_id or (ticket.team_id and ticket.stage_id not in ticket._stages_of(ticket.team_id)):
                ticket.stage_id = ticket._first_stage_of(ticket.team_id)

    @api.model
    def _stages_of(self, team):
        return self.env["service.stage"].search(
            ["|", ("team_ids", "=", False), ("team_ids", "in", team.ids)],
        )

    @api.model
    def _first_stage_of(self, team):
        return self._stages_of(team)[:1]

    @api.model
    def _read_group_expand_stage_ids(self, stages, domain):
        team_id = self.env.context.get("default_team_id")
        search_domain = Domain("id", "in", stages.ids)
        if team_id:
            search_domain |= Domain("team_ids", "in", [team_id]) | Domain("team_ids", "=", False)
        return stages.sudo().search(search_domain, order=stages._order).sudo(False)

    def _compute_access_url(self):  # pylint: disable=missing-return  # a compute method returns nothing
        super()._compute_access_url()
        for ticket in self:
            ticket.access_url = f"/my/service/tickets/{ticket.id}"

    @api.constrains("lot_id", "product_id")
    def _check_lot_product(self):
        for ticket in self:
            if ticket.lot_id and ticket.product_id and ticket.lot_id.product_id != ticket.product_id:
                raise ValidationError(
                    self.env._(
                        "Serial number %(lot)s belongs to %(lot_product)s, not to %(product)s.",
                        lot=ticket.lot_id.name,
                        lot_product=ticket.lot_id.product_id.display_name,
                        product=ticket.product_id.display_name,
                    )
                )

    @api.constrains("team_id", "company_id")
    def _check_team_company(self):
        for ticket in self:
            if ticket.team_id.company_id != ticket.company_id:
                raise ValidationError(
                    self.env._(
                        "Ticket %(ticket)s belongs to %(company)s but its team %(team)s to %(team_company)s.",
                        ticket=ticket.display_name,
                        company=ticket.company_id.name,
                        team=ticket.team_id.name,
                        team_company=ticket.team_id.company_id.name,
                    )
                )

    @api.onchange("lot_id")
    def _onchange_lot_id(self):
        if self.lot_id:
            self.product_id = self.lot_id.product_id

    @api.onchange("category_id")
    def _onchange_category_id(self):
        if self.category_id.team_id and self.category_id.team_id != self.team_id:
            self.team_id = self.category_id.team_id

    @api.depends("number", "name")
    def _compute_display_name(self):
        for ticket in self:
            ticket.display_name = f"{ticket.number} {ticket.name}" if ticket.name else ticket.number

    # ------------------------------------------------------------------
    # CRUD and lifecycle
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        now = fields.Datetime.now()
        Category = self.env["service.category"]
        for vals in vals_list:
            if not vals.get("team_id") and vals.get("category_id"):
                team = Category.browse(vals["category_id"]).team_id
                if team:
                    vals["team_id"] = team.id
            if "team_id" not in vals:
                vals["team_id"] = self.default_get(["team_id"]).get("team_id")
            team = self.env["service.team"].browse(vals["team_id"])
            company = team.company_id or self.env.company
            vals.setdefault("company_id", company.id)
            if not vals.get("stage_id"):
                # given explicitly, the first stage's email (the acknowledgement) goes out on creation
                vals["stage_id"] = self._first_stage_of(team).id
            if not vals.get("number") or vals["number"] == self.env._("New"):
                vals["number"] = self.env["ir.sequence"].with_company(company).next_by_code(
                    "service.ticket"
                ) or self.env._("New")
        tickets = super().create(vals_list)
        tickets._apply_lifecycle_dates(dict.fromkeys(tickets, self.env["service.stage"]), now)
        tickets.partner_id._service_touch_contact(now)
        return tickets

    def write(self, vals):
        if "stage_id" not in vals:
            return super().write(vals)
        old_stages = {ticket: ticket.stage_id for ticket in self}
        result = super().write(vals)
        self._apply_lifecycle_dates(old_stages, fields.Datetime.now())
        return result

    def _apply_lifecycle_dates(self, old_stages, now):  # pylint: disable=missing-return  # returns nothing
        """Write the dates and counters that the move from old_stages[ticket]
        to the ticket's current stage implies, one write per distinct change."""
        batches = defaultdict(self.browse)
        for ticket in self:
            values = ticket._lifecycle_dates_values(old_stages[ticket], ticket.stage_id, now)
            if values:
                batches[tuple(sorted(values.items()))] |= ticket
        for values, tickets in batches.items():
            # the dates are written below our own write(), which called this method
            super(ServiceTicket, tickets).write(dict(values))  # pylint: disable=super-method-mismatch

    def _lifecycle_dates_values(self, old_stage, new_stage, now):
        """Values that moving this ticket from old_stage to new_stage sets:
        resolution and closing dates on the way out, a reopen on the way back."""
        self.ensure_one()
        values = {}
        if new_stage.is_resolved and not old_stage.is_resolved:
            values["resolved_date"] = now
        if new_stage.is_closed and not old_stage.is_closed:
            values["closed_date"] = now
        was_done = old_stage.is_resolved or old_stage.is_closed
        is_done = new_stage.is_resolved or new_stage.is_closed
        if was_done and not is_done:
            values.update(resolved_date=False, closed_date=False, reopen_count=self.reopen_count + 1)
        return values

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        return [
            dict(vals, name=self.env._("%s (copy)", ticket.name)) for ticket, vals in zip(self, vals_list, strict=True)
        ]

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _stage_where(self, field):
        self.ensure_one()
        stages = self._stages_of(self.team_id).filtered(field)
        if not stages:
            raise UserError(self.env._("Team %s has no such stage.", self.team_id.name))
        return stages[:1]

    def action_assign_to_me(self):
        self.write({"user_id": self.env.user.id})

    def action_resolve(self):
        for ticket in self:
            ticket.stage_id = ticket._stage_where(lambda s: s.is_resolved and not s.is_closed)

    def action_close(self):
        for ticket in self:
            ticket.stage_id = ticket._stage_where(lambda s: s.is_resolved and s.is_closed)

    def action_reopen(self):
        for ticket in self:
            if not (ticket.is_resolved or ticket.is_closed):
                raise UserError(self.env._("Ticket %s is not resolved nor closed.", ticket.display_name))
            # back to work: the last open stage that does not wait on the customer
            open_stages = ticket._stages_of(ticket.team_id).filtered(
                lambda s: not s.is_resolved and not s.is_closed and not s.sla_pause,
            )
            if not open_stages:
                raise UserError(self.env._("Team %s has no open stage to reopen tickets in.", ticket.team_id.name))
            ticket.stage_id = open_stages[-1]

    def action_open_customer_tickets(self):
        self.ensure_one()
        return self.partner_id.action_open_service_tickets()

    # ------------------------------------------------------------------
    # Mail and portal
    # ------------------------------------------------------------------

    def _track_template(self, changes):
        res = super()._track_template(changes)
        ticket = self[0]
        if "stage_id" in changes and ticket.stage_id.template_id and ticket.partner_id:
            res["stage_id"] = (
                ticket.stage_id.template_id,
                {
                    "auto_delete_keep_log": False,
                    "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
                    "email_layout_xmlid": "mail.mail_notification_light",
                },
            )
        return res

    def _track_subtype(self, init_values):
        self.ensure_one()
        if "stage_id" in init_values:
            if self.is_resolved:
                return self.env.ref("service_desk.mt_ticket_resolved")
            return self.env.ref("service_desk.mt_ticket_stage")
        return super()._track_subtype(init_values)

    def _creation_subtype(self):
        return self.env.ref("service_desk.mt_ticket_new")

    @api.model
    def _service_check_manager(self):
        """Refuse actions reserved to service managers to anyone else (they
        can be called by RPC, whatever buttons and menus show)."""
        if not self.env.su and not self.env.user.has_group("service_desk.group_service_manager"):
            raise AccessError(self.env._("Only service managers can do this."))

    def _service_check_agent_write(self):
        """Refuse to agents who may not change these tickets, and to
        everyone who is not an agent."""
        if not self.env.su and not self.env.user.has_group("service_desk.group_service_user"):
            raise AccessError(self.env._("Only service agents can do this."))
        self.check_access("write")

    def _get_report_base_filename(self):
        self.ensure_one()
        return f"{self.number}"

    def _rating_get_parent_field_name(self):
        return "team_id"

    def _message_post_after_hook(self, message, msg_vals):
        if self._is_conversation_message(message):
            author = message.author_id
            if any(not user.share for user in author.user_ids):
                self._service_agent_replied(message.date)
            elif author:
                self._service_customer_wrote(author, message.date)
        return super()._message_post_after_hook(message, msg_vals)

    def _is_conversation_message(self, message):
        """Whether a message is part of the conversation with the customer:
        a public comment or email typed by someone, not a note, a tracking
        message or an automatic email."""
        return (
            not self.env.context.get("service_automatic_message")
            and message.message_type in ("comment", "email")
            and message.subtype_id == self.env.ref("mail.mt_comment")
        )

    def _service_agent_replied(self, when):
        """An internal user answered the customer publicly at `when`."""
        self.filtered(lambda t: not t.first_response_date).write({"first_response_date": when})

    def _service_customer_wrote(self, author, when):
        """The customer (or another outside contact) wrote on the ticket at `when`."""
        author._service_touch_contact(when)

    # ------------------------------------------------------------------
    # Escalation
    # ------------------------------------------------------------------

    def _escalation_users(self):
        """Who takes an escalated ticket: the team's senior members other than
        the current agent, else the escalation team's seniors."""
        self.ensure_one()
        for team in (self.team_id, self.team_id.escalation_team_id):
            seniors = team.member_ids.filtered(lambda m: m.seniority == "senior").user_id - self.user_id
            if seniors:
                return seniors
        return self.env["res.users"]

    def action_escalate(self, reason=None, notify_users=None):
        """Raise the escalation level, record why in the chatter and give the
        escalation users (or `notify_users`) an activity."""
        reason = reason or self.env._("Escalated by %s.", self.env.user.name)
        for ticket in self:
            ticket.escalation_level += 1
            ticket.message_post(
                body=Markup("<p>%s</p><p>%s</p>")
                % (
                    self.env._("Escalation level %s", ticket.escalation_level),
                    reason,
                ),
                subtype_xmlid="mail.mt_note",
            )
            for user in notify_users or ticket._escalation_users():
                ticket.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=self.env._("Escalated ticket"),
                    note=reason,
                    user_id=user.id,
                )
        return True
