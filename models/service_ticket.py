import base64
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup
from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import SQL, clean_context, email_normalize, ormcache
from odoo.tools.misc import babel_locale_parse, format_datetime, get_lang, posix_to_ldml

from .batch_lock import lock_next_batch
from .service_team_member_routing import TICKET_LOAD_FIELDS

# the values that change which agent's load a ticket weighs on, and by how much
# (_count_agent_loads): what the load reads, the stage deciding `is_closed`
LOAD_VALUES = set(TICKET_LOAD_FIELDS) - {"is_closed"} | {"stage_id"}

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
        return Team.search([*domain, ("id", "in", self.env.user.service_team_ids.ids)], limit=1) or Team.search(
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
    # rating.mixin's last rating, computed before a new ticket is saved (it has no rating
    # yet: no query) instead of read back from the ratings right after
    rating_last_value = fields.Float(compute="_compute_rating_last_value", store=True, precompute=True)
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
        index="trigram",  # the search box looks for what is typed in it too
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
    stage_email_pending_id = fields.Many2one(
        "mail.template",
        string="Stage Email Queued",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups="base.group_system",
        help="The stage's email (the acknowledgement of a new ticket) waiting for the cron that posts it.",
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
    # any category of the user's companies: its team is a default, the ticket's team follows it
    category_id = fields.Many2one(
        "service.category",
        tracking=True,
        index="btree_not_null",
        domain="['|', ('company_id', '=', False), ('company_id', 'in', allowed_company_ids)]",
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
    # the dates automation rules and queues are built on, indexed for their time conditions
    last_customer_message_date = fields.Datetime(
        readonly=True, copy=False, index="btree_not_null", help="When the customer last wrote, on any channel."
    )
    last_agent_reply_date = fields.Datetime(
        readonly=True, copy=False, index="btree_not_null", help="When an agent last answered the customer publicly."
    )
    customer_unanswered_count = fields.Integer(
        string="Customer Messages Unanswered",
        readonly=True,
        copy=False,
        help="How many times the customer wrote since an agent last answered them publicly.",
    )
    waiting_since = fields.Datetime(
        string="In Stage Since",
        readonly=True,
        copy=False,
        index=True,
        help="When the ticket entered its current stage: how long it has waited there.",
    )

    _number_company_uniq = models.UniqueIndex("(company_id, number)", "Ticket numbers are unique per company.")
    # Open tickets are a small share of all (520 of 1 000 000 in the million-ticket benchmark); what agents
    # open first reads them through these partial indexes, in proportion to the open tickets:
    # routing and capacity count each agent's open tickets in a team on every new ticket; the
    # list's count, the kanban's column counts and progress bars and the team overview counters
    # read the other columns from the index alone
    _open_by_agent_idx = models.Index(
        "(team_id, user_id, priority, stage_id, company_id) WHERE active IS TRUE AND is_closed IS NOT TRUE"
    )
    # the first page of the list, in the model's order, without sorting every open ticket
    _open_order_idx = models.Index("(priority DESC, id DESC) WHERE active IS TRUE AND is_closed IS NOT TRUE")
    # the first cards of each kanban column, likewise
    _open_stage_order_idx = models.Index(
        "(stage_id, priority DESC, id DESC) WHERE active IS TRUE AND is_closed IS NOT TRUE"
    )
    # a customer's portal list in its default order ("Newest"), its first page read in order and its
    # count from the index alone (the columns of the company rule, of active and of the merge the
    # list leaves out included): the company's tickets when it shares them among its contacts, else
    # the contact's own (the portal record rule)
    _portal_company_order_idx = models.Index(
        "(commercial_partner_id, create_date DESC, id DESC) INCLUDE (company_id, active, merged_into_id)"
    )
    _portal_contact_order_idx = models.Index(
        "(partner_id, create_date DESC, id DESC) INCLUDE (company_id, active, merged_into_id)"
    )

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
        """The stage a new ticket of `team` starts in, looked up once per team
        and worker (_first_stage_id_of)."""
        return self.env["service.stage"].browse(self._first_stage_id_of(team.id))

    @api.model
    @ormcache("team_id")
    def _first_stage_id_of(self, team_id):
        """Cached: every new ticket asks it, stages change rarely. Changing
        which stages a team uses or their order (service.stage create,
        write, unlink; service.team's stage_ids) clears the cache
        (service.stage._stages_changed)."""
        return self._stages_of(self.env["service.team"].browse(team_id))[:1].id

    @api.model
    def _read_group_expand_stage_ids(self, stages, domain):
        team_id = self.env.context.get("default_team_id")
        search_domain = Domain("id", "in", stages.ids)
        if team_id:
            search_domain |= Domain("team_ids", "in", [team_id]) | Domain("team_ids", "=", False)
        # sudo: stages for the kanban columns, read-only, returned without sudo
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
    # The one save path
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        """Create tickets, whatever their channel (email, portal, phone, chat,
        API, agent, import), in these steps:

        Before saving, on each ticket's values:

        0. ``_prepare_partner_email``: the customer's address alone, not the
           whole From header an email gives;
        1. ``_prepare_team``: the team given, else the category's, else the
           default team (the context's, else the user's first team);
        2. ``_prepare_company_stage_number``: the team's company, the team's
           first stage, a number of the company's sequence;
        3. ``_prepare_tier_priority`` (service_ticket_tier.py): the customer's
           tier raises the priority;
        4. ``_prepare_routing`` (service_ticket_routing.py): an agent of the
           team decided above, unless one is given or the team assigns by
           hand; returns the decision to record once the ticket exists;
        5. ``_stage_change_values``: the dates the first stage implies,
           merged into the values (as project.task does with its stage).

        Saving: ``super().create`` with ``_creation_notification_context``;
        when every ticket is routed, without mail's creation message: each
        one's routing note says it was created (``_routing_record``).
        The first stage's email (the acknowledgement to the customer) is
        queued in the row inserted (``_prepare_create_values``), for
        ``_cron_post_stage_emails``, which renders, posts and emails it.
        Mail posts the creation message; its followers are the creator, the
        agent and the customer (``_message_auto_subscribe_followers``), in
        one insert; an agent given by hand gets mail's assignment message.
        The notifications of these messages (the agent's inbox entry or
        email, by their preference) are rendered and sent from mail's
        queue, mail.message.schedule (``_is_notification_scheduled``,
        service_ticket_mail.py). In the hooks run before COMMIT,
        ``_queue_stage_email`` wakes the stage emails' cron up. The commit
        wakes both crons up: none of this is rendered in the request.

        After saving, on the new tickets:

        7. ``_sla_apply_policies`` (service_ticket_sla_rules.py): SLA policy
           and targets;
        8. ``_routing_record`` (service_ticket_routing.py): the routing
           decision, and its note, which tells the routed agent (queued as
           above) why them; the seniors asked when nobody could take it;
        9. ``_record_creation_events``: the customer's last contact, the
           help-center visit the ticket ends (service_ticket_knowledge.py);
        10. ``_count_new_agent_loads`` (service_ticket_routing.py): the
            load of the agents given by hand (routing's claim added its
            own).
        """
        now = fields.Datetime.now()
        Stage = self.env["service.stage"]
        decisions = []
        for vals in vals_list:
            self._prepare_partner_email(vals)
            team = self._prepare_team(vals)
            self._prepare_company_stage_number(vals, team)
            self._prepare_tier_priority(vals)
            decisions.append(self._prepare_routing(vals, team))
            stage_values = self.browse()._stage_change_values(Stage, Stage.browse(vals["stage_id"]), now, team)
            vals.update(stage_values | vals)  # values given explicitly (an import of dates) win
        # the agents routing chose learn it from the routing note, which says why
        announced = all(
            decision and decision[0] for vals, decision in zip(vals_list, decisions, strict=True) if vals.get("user_id")
        )
        context = self._creation_notification_context() | ({"service_routing_announces": True} if announced else {})
        creating = self.with_context(**context)
        # a routed ticket's first message is its routing note, which says it was created: not
        # mail's creation message besides it
        routing_notes_first = all(decisions) and not (
            self.env.context.get("mail_create_nolog") or self.env.context.get("tracking_disable")
        )
        saving = creating.with_context(mail_create_nolog=True) if routing_notes_first else creating
        tickets = super(ServiceTicket, saving).create(vals_list).with_env(creating.env)
        # a new ticket's policy is part of its creation: no tracking message for it
        tickets.with_context(mail_notrack=True)._sla_apply_policies()
        for ticket, decision in zip(tickets, decisions, strict=True):
            if decision:
                ticket._routing_record(*decision, creation=routing_notes_first)
        tickets = tickets.with_env(self.env)
        tickets._record_creation_events(now)
        tickets._count_new_agent_loads(
            {ticket for ticket, decision in zip(tickets, decisions, strict=True) if decision and decision[0]}
        )
        return tickets

    def write(self, vals):
        """Change tickets, in these steps:

        Before saving:

        0. ``_prepare_partner_email``: the customer's address alone;
           ``_prepare_queue_exit`` (service_ticket_queue.py): a ticket given
           an agent leaves its team's queue;
        1. ``_check_escalated_assignment``: an escalated ticket goes to
           someone else than its seniors only by a manager's decision;
        2. ``_prepare_stage_changes``: the stage each ticket moves to (the
           new team's first stage when a team change leaves its stage
           behind) and the dates and counters the move implies, merged into
           the values; tickets that get the same values are saved together.

        Saving: ``super().write`` once per group of tickets.

        After saving:

        3. ``_sla_on_stage_change`` (service_ticket_sla_rules.py): the SLA
           clock stops, resumes, is met or runs again;
        4. ``_on_closed`` (service_ticket_ownership.py): what closing a case
           hands over (not when it closes as merged into another ticket,
           where its request goes on: service_ticket_merge.py);
           ``_problem_resolve_incidents`` (service_ticket_problem.py): a
           problem just resolved resolves its open incidents, each through
           this save path; ``_queue_on_capacity_freed``
           (service_ticket_queue.py): an agent of a queuing team who closes
           a ticket frees capacity, the queue's cron runs;
        5. ``_sla_reevaluate`` (service_ticket_sla_rules.py): the policy
           again when a condition or the contract changed while a target
           is open;
        6. ``_escalation_follow_agent``: the escalation activity follows a
           new agent;
        7. ``_count_agent_loads`` (service_ticket_routing.py): when the
           agent, team, stage, channel or archiving changed, the load of
           the members the tickets weighed on before and weigh on now.

        A new customer follows the ticket, as a new agent does, by mail's
        subscription after saving (``_message_auto_subscribe_followers``).
        """
        vals = dict(vals)
        self._prepare_partner_email(vals)
        self._prepare_queue_exit(vals)
        self._check_escalated_assignment(vals)
        now = fields.Datetime.now()
        loads_before = self._agent_loads() if LOAD_VALUES & vals.keys() else None
        may_move = "stage_id" in vals or "team_id" in vals
        old_stages = {ticket: ticket.stage_id for ticket in self} if may_move else {}
        for tickets, values in self._prepare_stage_changes(vals, now):
            super(ServiceTicket, tickets).write(values)  # pylint: disable=super-method-mismatch  # one save per group
        moved = self.filtered(lambda t: t.stage_id != old_stages[t]) if may_move else self.browse()
        if moved:
            moved._sla_on_stage_change(old_stages, now)
            moved.filtered(lambda t: t.is_closed and not old_stages[t].is_closed and not t.merged_into_id)._on_closed()
            moved.filtered(lambda t: t.is_resolved and not old_stages[t].is_resolved)._problem_resolve_incidents()
            moved.filtered(lambda t: t.is_closed and not old_stages[t].is_closed)._queue_on_capacity_freed()
        self._sla_reevaluate(vals)
        if "user_id" in vals:
            self._escalation_follow_agent()
        if loads_before is not None:
            self._count_agent_loads(loads_before)
        return True

    def unlink(self):
        """Delete tickets; the members they weighed on count their load again."""
        loads_before = self._agent_loads()
        result = super().unlink()
        self.browse()._count_agent_loads(loads_before)
        return result

    # ------------------------------------------------------------------
    # Steps of the save path
    # ------------------------------------------------------------------

    @api.model
    def _prepare_create_values(self, vals_list):
        """The values Odoo saves for new tickets, with the email of each one's
        first stage (the acknowledgement to its customer) queued in them
        when mail tracks the creation (it does not in imports saved with
        mail_notrack): it is saved with the ticket, and
        ``_cron_post_stage_emails`` posts it. Set here, after the check of
        the fields the caller gave, since the queue is no field of theirs."""
        vals_list = super()._prepare_create_values(vals_list)
        if self.env.context.get("mail_notrack") or self.env.context.get("tracking_disable"):
            return vals_list
        Stage = self.env["service.stage"]
        for vals in vals_list:
            template = self._stage_email(Stage.browse(vals.get("stage_id")), vals.get("partner_id"))
            if template:
                vals.setdefault("stage_email_pending_id", template.id)
        return vals_list

    @api.model
    def _prepare_partner_email(self, vals):
        """Keep the customer's address alone in the values: an email's From
        header ('"Kofi Mensah" <kofi@example.com>') gives a name with it.
        Anything that is not one address is kept as typed."""
        if vals.get("partner_email"):
            vals["partner_email"] = email_normalize(vals["partner_email"]) or vals["partner_email"]

    @api.model
    def _prepare_team(self, vals):
        """Decide the team of a new ticket in its values: the team given,
        else the category's, else the default team. Returns the team."""
        if not vals.get("team_id") and vals.get("category_id"):
            vals["team_id"] = self.env["service.category"].browse(vals["category_id"]).team_id.id or False
        if not vals.get("team_id"):
            vals["team_id"] = self.default_get(["team_id"]).get("team_id") or False
        return self.env["service.team"].browse(vals["team_id"])

    @api.model
    def _prepare_company_stage_number(self, vals, team):
        company = team.company_id or self.env.company
        vals.setdefault("company_id", company.id)
        if not vals.get("stage_id"):
            # given explicitly, the first stage's email (the acknowledgement) goes out on creation
            vals["stage_id"] = self._first_stage_of(team).id
        if not vals.get("number") or vals["number"] == self.env._("New"):
            vals["number"] = self.env["ir.sequence"].with_company(company).next_by_code("service.ticket") or self.env._(
                "New"
            )

    def _prepare_stage_changes(self, vals, now):
        """[(tickets, values)]: the values to save on each group of tickets,
        `vals` plus what the stage each ticket moves to implies."""
        if "stage_id" not in vals and "team_id" not in vals:
            return [(self, vals)]
        Stage = self.env["service.stage"]
        new_team = self.env["service.team"].browse(vals["team_id"]) if "team_id" in vals else None
        if "stage_id" in vals:
            stage_of = dict.fromkeys(self, Stage.browse(vals["stage_id"]))
        else:
            # a team change moves tickets whose stage the new team does not use to its first stage
            team_stages = self._stages_of(new_team)
            stage_of = {
                ticket: ticket.stage_id if ticket.stage_id in team_stages else team_stages[:1] for ticket in self
            }
        groups = defaultdict(self.browse)
        for ticket in self:
            new_stage = stage_of[ticket]
            values = {"stage_id": new_stage.id} if new_stage != ticket.stage_id else {}
            if new_stage != ticket.stage_id:
                values.update(ticket._stage_change_values(ticket.stage_id, new_stage, now, new_team or ticket.team_id))
            groups[tuple(sorted(values.items()))] |= ticket
        # values given explicitly (an import of dates, a test) win over the computed ones
        return [(tickets, {**dict(values), **vals}) for values, tickets in groups.items()]

    def _stage_change_values(self, old_stage, new_stage, now, team):
        """Values that moving this ticket (none yet: a new one) of `team`
        from old_stage to new_stage at `now` sets: when it entered the new
        stage, resolution and closing dates on the way out, a reopen on the
        way back, the auto-close dates of the new stage."""
        if self:
            self.ensure_one()
        values = {"waiting_since": now}
        if new_stage.is_resolved and not old_stage.is_resolved:
            values["resolved_date"] = now
        if new_stage.is_closed and not old_stage.is_closed:
            values["closed_date"] = now
        was_done = old_stage.is_resolved or old_stage.is_closed
        is_done = new_stage.is_resolved or new_stage.is_closed
        if was_done and not is_done:
            values.update(resolved_date=False, closed_date=False, reopen_count=self.reopen_count + 1)
        values.update(self._auto_close_values(new_stage, team, now))
        return values

    @api.model
    def _creation_notification_context(self):
        """The context tickets are saved in: the notifications of the
        messages their creation posts are queued (see
        _is_notification_scheduled)."""
        return {"service_queue_notifications": True}

    def _message_auto_subscribe_followers(self, updated_values, default_subtype_ids):
        """The customer a ticket is created or changed for follows its
        conversation, whatever created it, so that the agents' public
        replies reach them: saved with the creator and the agent, in the
        insert mail makes for them. Colleagues are not customers. The
        agent routing chose is told by the routing note, which says why
        (``_routing_record``): not by mail's assignment message too."""
        followers = super()._message_auto_subscribe_followers(updated_values, default_subtype_ids)
        if self.env.context.get("service_routing_announces"):
            followers = [
                (partner_id, subtypes, None if template == "mail.message_user_assigned" else template)
                for partner_id, subtypes, template in followers
            ]
        customer = self.env["res.partner"].browse(updated_values.get("partner_id"))
        if customer and customer.active and customer._service_is_customer_side():
            followers.append((customer.id, [self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")], None))
        return followers

    def _follow_conversation(self, partners):
        """`partners` follow the conversation of these tickets (public
        replies), not their stages: those reach customers by the stages'
        emails."""
        partners = partners.filtered(lambda partner: partner.id and partner.active)
        new = self.filtered(lambda t: partners - t.message_partner_ids)
        if new and partners:
            discussions = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")
            # the rule's own subscription, on tickets the user just created or changed: no access check again
            new._message_subscribe(partners.ids, subtype_ids=[discussions])

    def _record_creation_events(self, now):
        """What the creation of these tickets tells about their customers."""
        self.partner_id._service_touch_contact(now)
        self._record_help_center_submission()

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

    def _working_stage(self):
        """The stage a ticket goes back to work in: the team's last open
        stage that does not wait on the customer (none when the team has
        no such stage)."""
        self.ensure_one()
        return self._stages_of(self.team_id).filtered(
            lambda s: not s.is_resolved and not s.is_closed and not s.sla_pause,
        )[-1:]

    def action_assign_to_me(self):
        self.write({"user_id": self.env.user.id})
        return True

    def action_resolve(self):
        for ticket in self:
            ticket.stage_id = ticket._stage_where(lambda s: s.is_resolved and not s.is_closed)
        return True

    def action_close(self):
        for ticket in self:
            ticket.stage_id = ticket._stage_where(lambda s: s.is_resolved and s.is_closed)
        return True

    def action_reopen(self):
        for ticket in self:
            if not (ticket.is_resolved or ticket.is_closed):
                raise UserError(self.env._("Ticket %s is not resolved nor closed.", ticket.display_name))
            stage = ticket._working_stage()
            if not stage:
                raise UserError(self.env._("Team %s has no open stage to reopen tickets in.", ticket.team_id.name))
            ticket.stage_id = stage
        return True

    def action_open_customer_tickets(self):
        self.ensure_one()
        return self.partner_id.action_open_service_tickets()

    # ------------------------------------------------------------------
    # Mail and portal
    # ------------------------------------------------------------------

    def _message_track_post_template(self, changes):
        """mail's templates of tracked changes, then the email of the stage
        the tickets entered: the resolution notice and other later stages'
        emails are posted at once (``_post_stage_email``); a new ticket's
        acknowledgement is queued (``_queue_stage_email``)."""
        result = super()._message_track_post_template(changes)
        if changes and "stage_id" in changes:
            if self.env.context.get("service_queue_notifications"):
                self._queue_stage_email()
            else:
                self._post_stage_email()
        return result

    def _queue_stage_email(self):
        """Leave the email of each ticket's stage (the acknowledgement of a
        new ticket) to the cron ``_cron_post_stage_emails``, which the
        commit wakes up: rendering it is no part of the request creating
        the ticket."""

        def email_of(ticket):
            return self._stage_email(ticket.stage_id, ticket.partner_id)

        with_email = self.filtered(email_of)
        # sudo: the queue of the stage's email, written by whoever made the ticket; a new
        # ticket's is queued in its values already (_prepare_create_values)
        unqueued = with_email.sudo().filtered(lambda ticket: ticket.stage_email_pending_id != email_of(ticket))
        for template, tickets in unqueued.grouped(email_of).items():
            tickets.stage_email_pending_id = template
        if with_email:
            # sudo: waking the desk's own cron up, for any user creating a ticket
            self.env.ref("service_desk.ir_cron_post_stage_emails").sudo()._trigger()

    @api.model
    def _cron_post_stage_emails(self, batch_size=50):
        """Post the stage emails queued by ``_queue_stage_email``, oldest
        first, in the name of each ticket's creator, rendered once per
        template (and language) for each batch. In a cron run each batch is
        committed before the next, so that the first acknowledgements leave
        while the others are rendered, and the run stops when the cron's
        time is used (the next run goes on). A ticket another transaction
        is changing is left to the next run instead of failing the batch; a
        batch that meets a row changed since the run began is undone and
        left to the next run too."""
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        while pending := self._lock_pending_stage_emails(batch_size):
            try:
                with self.env.cr.savepoint():
                    for template, tickets in pending.grouped("stage_email_pending_id").items():
                        tickets._post_stage_email(template)
                    pending.stage_email_pending_id = False
            except errors.SerializationFailure:
                # a request changed a row this batch writes (its customer, say) since the run began:
                # the batch, undone, goes in the next run with the others left
                self.env.ref("service_desk.ir_cron_post_stage_emails")._trigger()
                return
            if not in_cron:
                continue
            remaining = self.search_count([("stage_email_pending_id", "!=", False)])
            if self.env["ir.cron"]._commit_progress(len(pending), remaining=remaining) <= 0:
                self.env.ref("service_desk.ir_cron_post_stage_emails")._trigger()
                return

    @api.model
    def _lock_pending_stage_emails(self, limit):
        """Up to `limit` tickets with a stage email queued, oldest first,
        locked for this transaction; tickets another transaction holds are
        skipped."""
        return lock_next_batch(self, SQL("stage_email_pending_id IS NOT NULL"), ["stage_email_pending_id"], limit)

    @api.model
    def _stage_email(self, stage, partner, template=None):
        """The email a ticket of customer `partner` sends on entering
        `stage`: `template` when given (the one queued), else the stage's;
        none for a ticket without customer."""
        if not partner:
            return self.env["mail.template"]
        return template or stage.template_id

    # what mail.template renders for a message it posts in the chatter
    STAGE_EMAIL_FIELDS = (
        "attachment_ids",
        "body_html",
        "email_from",
        "partner_to",
        "reply_to",
        "report_template_ids",
        "subject",
    )

    def _post_stage_email(self, template=None):
        """Post the email `template` (by default the template of each
        ticket's stage) to its customer, as a message in the chatter (message type auto_comment, an internal
        note subtype: only the customer is notified). The template renders
        once for all the tickets of a template (per language inside
        mail.template), without a composer per ticket; the message carries
        what the composer would give it (subject, body, recipients,
        sender, attachments, the layout in the customer's language)."""
        note = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")

        def template_of(ticket):
            return self._stage_email(ticket.stage_id, ticket.partner_id, template)

        with_email = self.filtered(template_of)
        for email_template, tickets in with_email.grouped(template_of).items():
            rendered = email_template._generate_template(tickets.ids, self.STAGE_EMAIL_FIELDS)
            langs = email_template._render_lang(tickets.ids)
            for ticket in tickets:
                values = rendered[ticket.id]
                static = email_template.attachment_ids  # copied to the message, as the composer does
                ticket.with_context(clean_context(self.env.context)).message_post(
                    body=values.get("body_html") or "",
                    subject=values.get("subject") or "",
                    partner_ids=values.get("partner_ids", []),
                    email_from=values.get("email_from") or None,
                    **({"reply_to": values["reply_to"]} if values.get("reply_to") else {}),
                    attachments=[(attachment.name, attachment.raw) for attachment in static]
                    + [(name, base64.b64decode(data)) for name, data in values.get("attachments", [])],
                    message_type="auto_comment",
                    subtype_id=note,
                    email_layout_xmlid="mail.mail_notification_light",
                    force_email_lang=langs.get(ticket.id),
                    mail_auto_delete=email_template.auto_delete,
                    notify_author_mention=True,
                    author_id=ticket.create_uid.partner_id.id or None,  # in the creator's name, even when queued
                )

    def _track_subtype(self, init_values):
        self.ensure_one()
        if "stage_id" in init_values:
            if self.is_resolved:
                return self.env.ref("service_desk.mt_ticket_resolved")
            return self.env.ref("service_desk.mt_ticket_stage")
        return super()._track_subtype(init_values)

    def _creation_subtype(self):
        """The subtype of a new ticket's first message (the creation message,
        or the email that opened the ticket), which notifies whoever follows
        new tickets (the team's followers who asked for them). The creation
        message mail posts while the ticket is saved (in the creation's
        context) has none when nobody follows new tickets: mail then only
        writes it in the chatter, without looking for recipients."""
        subtype = self.env.ref("service_desk.mt_ticket_new")
        if not self.env.context.get("service_queue_notifications"):
            return subtype
        # who follows the ticket being created with that subtype, whoever creates it: a plain
        # query, run on every new ticket, which no access rule restricts
        self.env["mail.followers"].flush_model(["res_model", "res_id", "subtype_ids"])
        followed = self.env.execute_query(
            SQL(
                """
            SELECT 1
              FROM mail_followers follower
              JOIN mail_followers_mail_message_subtype_rel follows
                ON follows.mail_followers_id = follower.id AND follows.mail_message_subtype_id = %s
             WHERE follower.res_model = %s AND follower.res_id = %s
             LIMIT 1
                """,
                subtype.id,
                self._name,
                self.id,
            )
        )
        return subtype if followed else self.env["mail.message.subtype"]

    def _post_creation_message(self):
        """Post mail's creation message on a ticket saved without it (a
        routed one, whose routing note says it was created) when it
        notifies someone: the followers of the team's new tickets, as mail
        posts it on creation. Returns whether it was posted."""
        self.ensure_one()
        subtype = self._creation_subtype()
        if not subtype:
            return False
        # sudo: mail posts the creation message whoever creates the ticket
        self.sudo().message_post(
            subtype_id=subtype.id,
            author_id=self.env.user.partner_id.id,
            body=Markup('<div summary="o_mail_notification"><p>%s</p></div>') % self._creation_message(),
        )
        return True

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

    @api.model
    def _service_reader_context(self, user):
        """The context in which texts stored for `user` to read are written:
        their language and time zone (else the ticket's team's hours')."""
        tz = user.tz or (self[:1].team_id.resource_calendar_id.tz if self else False) or self.env.user.tz
        return {"lang": user.lang or self.env.lang, "tz": tz or "UTC"}

    @api.model
    def _service_format_datetime(self, value):
        """A UTC datetime as the reader of the current context reads it: in
        their time zone, with their language's date and time formats (to
        the minute)."""
        if not value:
            return ""
        lang = get_lang(self.env)
        pattern = posix_to_ldml(
            f"{lang.date_format} {lang.time_format.replace(':%S', '')}", locale=babel_locale_parse(lang.code)
        )
        tz = self.env.context.get("tz") or self.env.user.tz or "UTC"
        return format_datetime(self.env, value, tz=tz, dt_format=pattern)

    def _get_report_base_filename(self):
        self.ensure_one()
        return f"{self.number}"

    def _rating_get_parent_field_name(self):
        return "team_id"

    # ------------------------------------------------------------------
    # The conversation: who wrote, and what it changes
    # ------------------------------------------------------------------

    def _message_post_after_hook(self, message, msg_vals):
        if self._is_conversation_message(message) and not self.env.context.get("service_customer_rule_applied"):
            author = message.author_id
            if author and not author._service_is_customer_side():
                self._service_agent_replied(message.date)
                self._problem_share_reply(message)
            else:
                self._service_customer_wrote(
                    author,
                    message.date,
                    subject=message.subject,
                    body=message.body,
                    channel="email" if message.message_type == "email" else None,
                )
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

    def _customer_author(self):
        """Who speaks on the customer's side of this ticket now: the
        logged-in user, else (a visitor with the ticket's link) the
        ticket's customer."""
        self.ensure_one()
        user = self.env.user
        return self.partner_id if user._is_public() else user.partner_id

    def _service_agent_replied(self, when):
        """An internal user answered the customer publicly at `when`."""
        tickets = self.sudo()  # sudo: the conversation's dates are bookkeeping, whoever answered
        first = tickets.filtered(lambda t: not t.first_response_date)
        first.write({"first_response_date": when, "last_agent_reply_date": when, "customer_unanswered_count": 0})
        (tickets - first).write({"last_agent_reply_date": when, "customer_unanswered_count": 0})
        tickets._sla_agent_replied(when, first)

    def _service_customer_wrote(self, author, when, subject=None, body=None, channel=None, reason=None):
        """What happens when the customer (or any outside contact) writes on
        these tickets at `when`, whatever the channel: an email, the portal,
        the chatter, a chat, the API, an inbound contact logged by an agent.

        - a ticket waiting on the customer goes back to its working stage,
          and its SLA clock resumes;
        - a finished ticket reopens within its team's reopen window and is
          escalated (`reason` says why, else that the customer wrote); after
          the window a follow-up ticket linked to it takes the request,
          with `subject` and `body` of the message;
        - a pending auto-close starts again from `when`;
        - an open ticket already answered gets a next-response target;
        - a ticket merged into another changes nothing itself: the ticket
          it was merged into takes what the customer wrote, as above
          (service_ticket_merge.py).

        Returns the tickets that carry the request now: these tickets, or
        the follow-ups that replaced finished ones, or the kept tickets of
        merged ones."""
        author._service_touch_contact(when)
        # sudo: the customer's message decides, whoever brought it (the gateway, a portal user, an agent)
        tickets = self.sudo()
        for count, written_to in tickets.grouped(lambda ticket: ticket.customer_unanswered_count + 1).items():
            written_to.write({"last_customer_message_date": when, "customer_unanswered_count": count})
        merged = tickets.filtered("merged_into_id")
        forwarded = tickets.browse()
        for ticket in merged:
            forwarded |= ticket._merge_kept_ticket()
        if forwarded:
            forwarded = forwarded._service_customer_wrote(author, when, subject, body, channel, reason)
        tickets -= merged
        carriers = tickets.browse()
        for ticket in tickets:
            if ticket.stage_id.sla_pause:
                ticket.stage_id = ticket._working_stage() or ticket.stage_id
            elif (ticket.is_resolved or ticket.is_closed) and when >= (
                ticket.closed_date or ticket.resolved_date or when
            ):
                # (a contact logged now that happened before the ticket was finished changes nothing)
                window_end = ticket._reopen_window_end()
                if (window_end and when > window_end) or not ticket._working_stage():
                    carriers |= ticket._service_open_followup(author, subject, body, channel, reason)
                    continue
                ticket.action_reopen()
                ticket.action_escalate(
                    reason=self.env._("Reopened by the customer: %s", reason)
                    if reason
                    else self.env._("The customer wrote on the finished ticket.")
                )
            carriers |= ticket
        carriers._auto_close_restart(when)
        carriers._sla_customer_wrote(when)
        return (carriers | forwarded).with_env(self.env)

    def _service_open_followup(self, author, subject=None, body=None, channel=None, reason=None):
        """A new ticket, linked to this finished one, for what its customer
        wrote after the reopen window."""
        self.ensure_one()
        customer = author if author and author._service_is_customer_side() else self.partner_id
        followup = self.create(
            {
                "name": subject or self.env._("Not resolved: %s", self.name),
                "description": body or (Markup("<p>%s</p>") % reason if reason else False),
                "partner_id": customer.id,
                "team_id": self.team_id.id,
                "category_id": self.category_id.id,
                "ticket_type": self.ticket_type,
                "priority": self.priority,
                "product_id": self.product_id.id,
                "lot_id": self.lot_id.id,
                "sale_order_id": self.sale_order_id.id,
                "channel": channel or ("portal" if self.env.user.share else self.channel),
                "origin_ticket_id": self.id,
                "tag_ids": [Command.set(self.tag_ids.ids)],
            }
        )
        self.message_post(
            body=self.env._("The customer wrote after the reopen window: follow-up %s.", followup.number),
            subtype_xmlid="mail.mt_note",
        )
        return followup

    def _reopen_window_end(self):
        """Until when the customer may reopen this ticket (False: not finished)."""
        self.ensure_one()
        done = self.closed_date or self.resolved_date
        return done and done + timedelta(days=self.team_id.reopen_window_days)

    # ------------------------------------------------------------------
    # Escalation
    # ------------------------------------------------------------------

    def _escalation_members(self):
        """Who may take this ticket once escalated: the team's active
        seniors other than the current agent, else the escalation team's
        active members (service.team.member)."""
        self.ensure_one()
        seniors = self.team_id._seniors().filtered(lambda m: m.user_id != self.user_id)
        return seniors or self.team_id.escalation_team_id.member_ids

    def _escalation_users(self):
        """Who is asked about a ticket nobody could take: the seniors (else
        the members) `_escalation_members` names, never the ticket's own
        agent, who could not handle it; when there is nobody else, the
        service managers of the ticket's company."""
        self.ensure_one()
        members = self._escalation_members()
        seniors = members.filtered(lambda m: m.seniority == "senior")
        return ((seniors or members).user_id - self.user_id) or self._service_managers() - self.user_id

    def _service_managers(self):
        """The service managers of the ticket's company."""
        self.ensure_one()
        # sudo: who may be asked about the ticket, read to address an activity
        return (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("all_group_ids", "in", self.env.ref("service_desk.group_service_manager").ids),
                    ("company_ids", "in", self.company_id.ids),
                    ("share", "=", False),
                ],
                order="id",
            )
            .with_env(self.env)
        )

    def _check_escalated_assignment(self, vals):
        """An escalated ticket is given to someone else than its seniors (or
        its escalation team) only by a service manager: an agent taking it,
        or a canned reply assigning it, is told whom to ask."""
        if not vals.get("user_id") or self.env.su or self.env.user.has_group("service_desk.group_service_manager"):
            return
        user = self.env["res.users"].browse(vals["user_id"])
        for ticket in self.filtered("escalation_level"):
            allowed = ticket.team_id._seniors() | ticket.team_id.escalation_team_id.member_ids
            if user not in allowed.user_id and user != ticket.user_id:
                raise UserError(
                    self.env._(
                        "%(ticket)s is escalated to senior agents: ask %(seniors)s or a service manager "
                        "to hand it over to %(user)s.",
                        ticket=ticket.display_name,
                        seniors=", ".join(allowed.user_id.mapped("name")) or self.env._("a senior agent"),
                        user=user.name,
                    )
                )

    def _escalation_follow_agent(self):
        """The escalation activities of a ticket go to its new agent: the
        senior who had it does not keep them."""
        escalation = self.env["ir.model.data"]._xmlid_to_res_id("service_desk.mail_activity_type_escalation")
        # sudo: escalation activities of tickets whose agent the user just changed (write checked)
        activities = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.filtered("user_id").ids),
                    ("activity_type_id", "=", escalation),
                ]
            )
        )
        for activity in activities:
            agent = self.browse(activity.res_id).user_id
            if activity.user_id != agent:
                activity.user_id = agent

    def action_escalate(self, reason=None, notify_users=None):
        """Raise the escalation level, record why in the chatter, route the
        ticket to a senior (else to the escalation team), and give the
        senior who takes it (else the seniors to ask, and `notify_users`) an
        escalation activity."""
        reason = reason or self.env._("Escalated by %s.", self.env.user.name)
        for ticket in self:
            previous = ticket.user_id
            ticket.escalation_level += 1
            ticket.message_post(
                body=Markup("<p>%s</p><p>%s</p>")
                % (
                    self.env._("Escalation level %s", ticket.escalation_level),
                    reason,
                ),
                subtype_xmlid="mail.mt_note",
            )
            # when nobody can take it, routing asks the seniors
            winner = ticket._route(escalation=True, kind="escalation")
            for user in winner.user_id | (notify_users or self.env["res.users"]):
                ticket.activity_schedule(
                    "service_desk.mail_activity_type_escalation",
                    summary=self.env._("Escalated ticket"),
                    note=reason,
                    user_id=user.id,
                )
            if previous and previous != ticket.user_id:
                ticket.message_post(
                    body=self.env._(
                        "%(ticket)s was escalated to %(agent)s.",
                        ticket=ticket.display_name,
                        agent=ticket.user_id.name or self.env._("nobody yet"),
                    ),
                    partner_ids=previous.partner_id.ids,
                    subtype_xmlid="mail.mt_note",
                )
        return True
