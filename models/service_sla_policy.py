from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from .service_ticket import TICKET_PRIORITIES

# what _matching_rules keeps of a policy: the fields that choose it
RULE_FIELDS = frozenset(
    {
        "active",
        "sequence",
        "company_id",
        "team_ids",
        "category_ids",
        "ticket_types",
        "min_priority",
        "tier_ids",
        "partner_ids",
    }
)
TARGET_FIELDS = {
    "first_response": "first_response_hours",
    "next_response": "next_response_hours",
    "resolution": "resolution_hours",
}


class ServiceSlaPolicy(models.Model):
    _name = "service.sla.policy"
    _description = "Service Level Agreement Policy"
    _inherit = ["mail.thread", "service.sla.rule.mixin"]
    _order = "sequence, id"
    # only the fields that choose a policy are cached (_matching_rules)
    _service_cached_fields = RULE_FIELDS

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10, help="Policies are tried in this order; the first that matches applies.")
    active = fields.Boolean(default=True)
    description = fields.Html(translate=True)
    company_id = fields.Many2one(
        "res.company",
        index="btree_not_null",
        help="Leave empty to use this policy in every company.",
    )

    # conditions: each non-empty one must match
    team_ids = fields.Many2many("service.team")
    category_ids = fields.Many2many("service.category", string="Categories")
    ticket_types = fields.Many2many("service.ticket.type")
    min_priority = fields.Selection(
        TICKET_PRIORITIES,
        string="Minimum Priority",
        help="Applies to tickets of this priority or higher.",
    )
    tier_ids = fields.Many2many("service.tier", string="Customer Tiers")
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        help="Applies to these customers and to their contacts.",
    )

    # targets, in working hours of the calendar
    first_response_hours = fields.Float(tracking=True, help="Working hours to first answer the customer. 0: no target.")
    next_response_hours = fields.Float(
        tracking=True,
        help="Working hours to answer each new customer message after the first response. 0: no target.",
    )
    resolution_hours = fields.Float(tracking=True, help="Working hours to resolve the ticket. 0: no target.")
    resource_calendar_id = fields.Many2one(
        "resource.calendar",
        string="Business Hours",
        help="Working time the targets count in. Empty: the team's, else the company's.",
    )
    warning_percent = fields.Integer(
        default=80,
        help="Share of a target's working time after which it is at risk.",
    )
    escalation_user_id = fields.Many2one(
        "res.users",
        string="Escalate To",
        domain="[('share', '=', False)]",
        help="Gets an activity when a target of this policy is breached. "
        "Empty: the senior members of the ticket's team.",
    )
    ticket_count = fields.Integer(compute="_compute_ticket_count")

    _hours_positive = models.Constraint(
        "CHECK(first_response_hours >= 0 AND next_response_hours >= 0 AND resolution_hours >= 0)",
        "SLA targets cannot be negative.",
    )
    _warning_percent_range = models.Constraint(
        "CHECK(warning_percent BETWEEN 1 AND 100)",
        "The warning threshold is a percentage between 1 and 100.",
    )

    @api.constrains("first_response_hours", "next_response_hours", "resolution_hours")
    def _check_has_target(self):
        for policy in self:
            if not any(policy[fname] for fname in TARGET_FIELDS.values()):
                raise ValidationError(self.env._("Policy %s needs at least one target.", policy.name))

    def _compute_ticket_count(self):
        counts = dict(
            self.env["service.ticket"]._read_group(
                [("sla_policy_id", "in", self.ids)],
                ["sla_policy_id"],
                ["__count"],
            )
        )
        for policy in self:
            policy.ticket_count = counts.get(policy, 0)

    def action_apply_to_open_tickets(self):
        """Choose the policy of every open ticket again, after policies changed."""
        tickets = self.env["service.ticket"].search([("is_closed", "=", False)])
        tickets.action_sla_recompute()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "sticky": False,
                "message": self.env._("SLA targets of %s open tickets recomputed.", len(tickets)),
            },
        }

    # ------------------------------------------------------------------
    # Matching
    # ------------------------------------------------------------------

    @api.model
    def _rules_version(self):
        """Version of the policies' conditions, kept on the companies and
        read with the current company (see res.company._service_renew_sla_rules)."""
        return self.env.company.service_sla_rules_version

    @api.model
    @tools.ormcache("self.env.company.id", "self._rules_version()")
    def _matching_rules(self):
        """The conditions of the active policies, in order, as plain ids:
        ((policy id, company id, team ids, category ids, ticket type codes,
        minimum priority, tier ids, customer ids), ...). Matching a ticket
        then costs neither a query nor a record, whatever the number of
        policies. Cached under a version that every change of the
        conditions renews in the database: every worker matches its next
        ticket against the new conditions."""
        # sudo: conditions as ids, cached for every user; matching compares the ticket's own company
        policies = self.sudo().browse(self._active_policy_ids())
        return tuple(
            (
                policy.id,
                policy.company_id.id,
                frozenset(policy.team_ids.ids),
                frozenset(policy.category_ids.ids),
                frozenset(policy.ticket_types.mapped("code")),
                policy.min_priority or "",
                frozenset(policy.tier_ids.ids),
                frozenset(policy.partner_ids.ids),
            )
            for policy in policies
        )

    @api.model
    def _select(self, facts, contract_policy=None, contract_reason=""):
        """(policy, reason): the one rule choosing the SLA policy of a ticket,
        or of a customer's tickets (their 360° view shows what their
        tickets get). In this order: the active contract's policy, else the
        first policy by sequence whose every non-empty condition matches
        `facts`, else the customer's tier's policy, else none."""
        if contract_policy:
            return contract_policy, contract_reason
        policy = self._first_matching_policy(facts)
        if policy:
            conditions = policy._matching_conditions()
            return policy, (
                self.env._("Matches %s", "; ".join(conditions)) if conditions else self.env._("Applies to every ticket")
            )
        tier = self.env["service.tier"].browse(facts.get("tier_id"))
        if tier.sla_policy_id:
            return tier.sla_policy_id, self.env._("Policy of the customer's tier %s", tier.name)
        return self.browse(), ""

    @api.model
    def _first_matching_policy(self, facts):
        """The first active policy whose every non-empty condition matches
        `facts`, or an empty recordset. `facts` are plain values:
        ``company_id``, ``team_id``, ``category_ids`` (the category and its
        parents: a category condition covers its subcategories),
        ``ticket_type``, ``priority``, ``tier_id``, ``customer_ids`` (the
        contact and its company); a fact left out matches no condition on
        it."""
        company_id, team_id = facts.get("company_id"), facts.get("team_id")
        categories, customers = facts.get("category_ids") or set(), facts.get("customer_ids") or set()
        ticket_type, priority, tier_id = facts.get("ticket_type"), facts.get("priority") or "", facts.get("tier_id")
        for policy_id, company, teams, category_ids, types, min_priority, tiers, partners in self._matching_rules():
            if (
                (not company or company == company_id)
                and (not teams or team_id in teams)
                and (not category_ids or not category_ids.isdisjoint(categories))
                and (not types or ticket_type in types)
                and (not min_priority or priority >= min_priority)
                and (not tiers or tier_id in tiers)
                and (not partners or not partners.isdisjoint(customers))
            ):
                return self.browse(policy_id)
        return self.browse()

    def _matching_conditions(self):
        """Human-readable list of the conditions this policy checks."""
        self.ensure_one()
        labels = []
        for fname in ("team_ids", "category_ids", "ticket_types", "tier_ids", "partner_ids"):
            if self[fname]:
                labels.append(
                    f"{self._fields[fname]._description_string(self.env)}: "
                    f"{', '.join(self[fname].mapped('display_name'))}"
                )
        if self.min_priority:
            labels.append(self.env._("priority at least %s", dict(TICKET_PRIORITIES)[self.min_priority]))
        return labels

    @api.model
    def _active_policy_ids(self):
        # sudo: ids of the active policies in order, cached for every user; no field is read
        # pylint: disable-next=no-search-all  # a company has a few dozen policies, all needed in order
        return tuple(self.sudo().search([], order="sequence, id").ids)
