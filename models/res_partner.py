from odoo import api, fields, models
from odoo.fields import Domain

from .service_ticket import TICKET_CHANNELS


class ResPartner(models.Model):
    _inherit = "res.partner"

    service_tier_id = fields.Many2one(
        "service.tier",
        index="btree_not_null",
        tracking=True,
        help="Service level of this customer; contacts follow their company's tier.",
    )
    service_preferred_channel = fields.Selection(
        TICKET_CHANNELS,
        string="Preferred Channel",
        help="How this customer prefers to be contacted.",
    )
    service_preferred_user_id = fields.Many2one(
        "res.users",
        string="Preferred Agent",
        index="btree_not_null",
        domain="[('share', '=', False)]",
        help="Agent who gets this customer's tickets when qualified and available.",
    )
    service_ticket_ids = fields.One2many("service.ticket", "partner_id", string="Service Tickets")
    service_company_ticket_ids = fields.One2many(
        "service.ticket", "commercial_partner_id", string="Service Tickets of the Company"
    )
    service_ticket_count = fields.Integer(compute="_compute_service_ticket_counts", string="Tickets")
    service_open_ticket_count = fields.Integer(compute="_compute_service_ticket_counts", string="Open Tickets")
    service_portal_share_tickets = fields.Boolean(
        string="Contacts See Each Other's Requests",
        default=True,
        help="On a company: its contacts with portal access see all the company's service requests. "
        "Off: each contact sees only their own.",
    )
    service_last_contact_date = fields.Datetime(
        string="Last Contact",
        readonly=True,
        copy=False,
        help="Last time this customer reached the service desk, on any channel.",
    )

    def write(self, vals):
        portal_rule_changed = self._service_portal_rule_changes(vals)
        result = super().write(vals)
        if portal_rule_changed:
            # the portal record rule on tickets reads these when it is evaluated, and Odoo keeps
            # evaluated rules per user until its cache is cleared
            self.env.registry.clear_cache()
        return result

    def _service_portal_rule_changes(self, vals):
        """Whether writing `vals` changes which tickets a portal user may read:
        a company sharing its tickets with its contacts or no longer, a user's
        contact (or its company) moving to another commercial entity."""
        if "service_portal_share_tickets" in vals and any(
            partner.service_portal_share_tickets != bool(vals["service_portal_share_tickets"]) for partner in self
        ):
            return True
        if not {"parent_id", "is_company"} & vals.keys():
            return False
        # sudo: whether a user's partner is among those written or their contacts, whoever writes them
        partners = (self | self.child_ids).sudo().with_context(active_test=False)
        return bool(partners.user_ids)

    def _service_is_customer_side(self):
        """Whether this partner writes as a customer: anyone but the
        company's own users (agents and other colleagues). The one test
        every channel uses to tell a customer's message from an agent's."""
        if not self:
            return False
        self.ensure_one()
        return self.partner_share

    def _service_ticket_domain(self):
        """Tickets shown for these partners: a company (commercial entity) sees
        the tickets of all its contacts, a contact its own."""
        companies = self.filtered(lambda p: p == p.commercial_partner_id)
        return Domain.OR(
            [
                Domain("commercial_partner_id", "in", companies.ids),
                Domain("partner_id", "in", (self - companies).ids),
            ]
        )

    def _compute_service_ticket_counts(self):
        Ticket = self.env["service.ticket"]
        if not Ticket.has_access("read"):
            self.service_ticket_count = self.service_open_ticket_count = 0
            return
        by_company = {
            (partner.id, is_closed): count
            for partner, is_closed, count in Ticket._read_group(
                [("commercial_partner_id", "in", self.ids)],
                ["commercial_partner_id", "is_closed"],
                ["__count"],
            )
        }
        by_contact = {
            (partner.id, is_closed): count
            for partner, is_closed, count in Ticket._read_group(
                [("partner_id", "in", self.ids)],
                ["partner_id", "is_closed"],
                ["__count"],
            )
        }
        for partner in self:
            counts = by_company if partner == partner.commercial_partner_id else by_contact
            open_count = counts.get((partner.id, False), 0)
            partner.service_open_ticket_count = open_count
            partner.service_ticket_count = open_count + counts.get((partner.id, True), 0)

    def _service_touch_contact(self, when=None):
        """Record that these customers just contacted the desk."""
        partners = (self | self.commercial_partner_id).filtered("id")
        if partners:
            # sudo: a date the desk sets itself, on the customers of the ticket or contact being recorded
            partners.sudo().write({"service_last_contact_date": when or fields.Datetime.now()})

    @api.readonly
    def action_open_service_tickets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("service_desk.service_ticket_action")
        action.update(
            domain=self._service_ticket_domain(),
            context={"default_partner_id": self.id, "search_default_filter_open": 1},
        )
        return action
