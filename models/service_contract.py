from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain

CONTRACT_STATES = [
    ("draft", "Draft"),
    ("active", "Active"),
    ("expired", "Expired"),
    ("cancelled", "Cancelled"),
]


class ServiceContract(models.Model):
    """A service agreement with a customer: while active, its SLA policy
    governs the customer's tickets (DESIGN.md §4)."""

    _name = "service.contract"
    _description = "Service Contract"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_end desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Reference", required=True, tracking=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        ondelete="restrict",
        domain="['|', ('company_id', '=?', company_id), ('company_id', '=', False)]",
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    sla_policy_id = fields.Many2one(
        "service.sla.policy",
        string="SLA Policy",
        required=True,
        tracking=True,
        check_company=True,
        help="Policy of the customer's tickets while the contract is active.",
    )
    date_start = fields.Date(string="Start Date", required=True, default=fields.Date.context_today, tracking=True)
    date_end = fields.Date(string="End Date", tracking=True, help="Last day covered; empty for no end.")
    state = fields.Selection(
        CONTRACT_STATES,
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
        copy=False,
        help="Set from the dates every day: draft before the start, active until the end date "
        "included, expired after it. Cancelled contracts stay cancelled.",
    )
    product_ids = fields.Many2many(
        "product.product",
        string="Covered Products",
        help="Products the contract covers; empty for all the customer's tickets.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    renewal_reminder_days = fields.Integer(
        string="Renewal Reminder (days)",
        default=30,
        help="Days before the end date when the responsible gets an activity to renew (once).",
    )
    renewal_reminder_done = fields.Boolean(readonly=True, copy=False)
    sale_order_id = fields.Many2one(
        "sale.order",
        index="btree_not_null",
        check_company=True,
        domain="[('partner_id', 'child_of', partner_id)]",
    )
    note = fields.Html(string="Terms")
    ticket_ids = fields.One2many("service.ticket", "contract_id", string="Tickets")
    ticket_count = fields.Integer(compute="_compute_ticket_count")

    _dates_check = models.Constraint(
        "CHECK(date_end IS NULL OR date_end >= date_start)",
        "A contract cannot end before it starts.",
    )
    _reminder_days_positive = models.Constraint(
        "CHECK(renewal_reminder_days >= 0)",
        "The renewal reminder cannot be a negative number of days.",
    )

    def _compute_ticket_count(self):
        counts = dict(
            self.env["service.ticket"]._read_group(
                [("contract_id", "in", self.ids)],
                ["contract_id"],
                ["__count"],
            )
        )
        for contract in self:
            contract.ticket_count = counts.get(contract, 0)

    @api.constrains("partner_id", "sla_policy_id")
    def _check_partner_company(self):
        for contract in self:
            if contract.partner_id.company_id and contract.partner_id.company_id != contract.company_id:
                raise ValidationError(
                    self.env._(
                        "Customer %s belongs to another company.",
                        contract.partner_id.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # States
    # ------------------------------------------------------------------

    def _state_on(self, day):
        self.ensure_one()
        if self.state == "cancelled":
            return "cancelled"
        if day < self.date_start:
            return "draft"
        if self.date_end and day > self.date_end:
            return "expired"
        return "active"

    def _update_states(self, day=None):
        day = day or fields.Date.context_today(self)
        for contract in self:
            state = contract._state_on(day)
            if state != contract.state:
                contract.state = state

    @api.model_create_multi
    def create(self, vals_list):
        contracts = super().create(vals_list)
        contracts._update_states()
        return contracts

    def write(self, vals):
        result = super().write(vals)
        if "date_start" in vals or "date_end" in vals:
            self._update_states()
            if "date_end" in vals:
                self.write({"renewal_reminder_done": False})
        return result

    def action_cancel(self):
        self.write({"state": "cancelled"})
        self.activity_unlink(["mail.mail_activity_data_todo"])
        return True

    def action_reset(self):
        for contract in self:
            if contract.state != "cancelled":
                raise UserError(self.env._("Only a cancelled contract can be restored."))
        self.write({"state": "draft"})
        self._update_states()
        return True

    @api.model
    def _cron_update_states(self):
        """Daily: states from the dates, then renewal reminders that are due."""
        today = fields.Date.context_today(self)
        to_check = self.search(
            [
                ("state", "in", ("draft", "active")),
                "|",
                ("date_start", "<=", today),
                ("date_end", "<", today),
            ]
        )
        to_check._update_states(today)
        self._send_renewal_reminders(today)

    @api.model
    def _send_renewal_reminders(self, today):
        due = self.search(
            [
                ("state", "=", "active"),
                ("date_end", "!=", False),
                ("renewal_reminder_done", "=", False),
            ]
        ).filtered(lambda c: c.date_end - timedelta(days=c.renewal_reminder_days) <= today)
        for contract in due:
            contract.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=min(contract.date_end, today + timedelta(days=contract.renewal_reminder_days)),
                summary=self.env._("Renew contract %s", contract.name),
                note=self.env._(
                    "Contract %(name)s of %(customer)s ends on %(end)s.",
                    name=contract.name,
                    customer=contract.partner_id.display_name,
                    end=contract.date_end,
                ),
                user_id=(contract.user_id or self.env.user).id,
            )
        due.write({"renewal_reminder_done": True})
        return due

    # ------------------------------------------------------------------
    # Lookups
    # ------------------------------------------------------------------

    @api.model
    def _active_for(self, partner, product=None, company=None):
        """The active contract covering `partner`'s company (and `product`
        when the contract lists products): the latest started first."""
        if not partner:
            return self.browse()
        today = fields.Date.context_today(self)
        # the dates are checked too: the daily cron may not have run yet
        domain = (
            Domain("state", "=", "active")
            & Domain("date_start", "<=", today)
            & (Domain("date_end", "=", False) | Domain("date_end", ">=", today))
            & Domain("partner_id.commercial_partner_id", "=", partner.commercial_partner_id.id)
        )
        if company:
            domain &= Domain("company_id", "=", company.id)
        contracts = self.search(domain, order="date_start desc, id desc")
        return contracts.filtered(lambda c: not c.product_ids or (product and product in c.product_ids))[:1]

    def action_open_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("service_desk.service_ticket_action")
        action.update(domain=[("contract_id", "=", self.id)], context={"default_partner_id": self.partner_id.id})
        return action
