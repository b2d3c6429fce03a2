import re

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import is_html_empty

from .service_ticket import TICKET_PRIORITIES

PLACEHOLDER_RE = re.compile(r"\{\{\s*(\w+)\s*\}\}")
PLACEHOLDERS = ("customer", "customer_company", "ticket", "subject", "agent", "team", "portal_url")


class ServiceMacro(models.Model):
    """A canned reply an agent sends in one click, with the actions that
    usually go with it (move the ticket on, tag it, take it)."""

    _name = "service.macro"
    _description = "Service Canned Reply"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    body = fields.Html(
        translate=True,
        sanitize_style=True,
        help="Placeholders: {{customer}}, {{customer_company}}, {{ticket}}, {{subject}}, {{agent}}, "
        "{{team}}, {{portal_url}}.",
    )
    team_ids = fields.Many2many(
        "service.team",
        string="Teams",
        help="Teams that may use it; empty for every team.",
    )
    stage_id = fields.Many2one("service.stage", string="Set Stage", ondelete="set null")
    priority = fields.Selection(TICKET_PRIORITIES, string="Set Priority")
    tag_ids = fields.Many2many("service.tag", string="Add Tags")
    assign_to_me = fields.Boolean(string="Assign to Me")
    is_note = fields.Boolean(string="Internal Note", help="Log the text as an internal note instead of replying.")
    usage_count = fields.Integer(readonly=True, copy=False)

    @api.constrains("body")
    def _check_placeholders(self):
        for macro in self:
            unknown = set(PLACEHOLDER_RE.findall(macro.body or "")) - set(PLACEHOLDERS)
            if unknown:
                raise UserError(
                    self.env._(
                        "Unknown placeholder(s) %(names)s in %(macro)s. Available: %(available)s.",
                        names=", ".join(sorted(unknown)),
                        macro=macro.name,
                        available=", ".join(f"{{{{{name}}}}}" for name in PLACEHOLDERS),
                    )
                )

    def _placeholder_values(self, ticket):
        ticket.ensure_one()
        partner = ticket.partner_id
        base_url = ticket.get_base_url()
        return {
            "customer": partner.name or ticket.partner_email or self.env._("customer"),
            "customer_company": ticket.commercial_partner_id.name or partner.name or "",
            "ticket": ticket.number or "",
            "subject": ticket.name or "",
            "agent": self.env.user.name,
            "team": ticket.team_id.name or "",
            "portal_url": base_url + (ticket.access_url or ""),
        }

    def _render_for(self, ticket):
        """The body for ``ticket``: placeholders replaced by escaped values."""
        self.ensure_one()
        values = self._placeholder_values(ticket)
        body = str(self.with_context(lang=ticket.partner_id.lang or self.env.lang).body or "")
        return Markup(PLACEHOLDER_RE.sub(lambda match: str(escape(values.get(match.group(1), match.group(0)))), body))

    def _check_applicable(self, tickets):
        self.ensure_one()
        if self.team_ids:
            others = tickets.filtered(lambda ticket: ticket.team_id not in self.team_ids)
            if others:
                raise UserError(
                    self.env._(
                        "The canned reply %(macro)s is not for the team of %(tickets)s.",
                        macro=self.name,
                        tickets=", ".join(others.mapped("display_name")),
                    )
                )

    def _ticket_values(self):
        self.ensure_one()
        values = {}
        if self.stage_id:
            values["stage_id"] = self.stage_id.id
        if self.priority:
            values["priority"] = self.priority
        if self.tag_ids:
            values["tag_ids"] = [Command.link(tag.id) for tag in self.tag_ids]
        if self.assign_to_me:
            values["user_id"] = self.env.user.id
        return values

    def apply_to(self, tickets):
        """Post the reply on each ticket and apply the actions, as the
        current user (their access rights hold)."""
        self.ensure_one()
        if not tickets:
            raise UserError(self.env._("Select at least one ticket to apply %s to.", self.name))
        tickets = tickets.with_env(self.env)
        tickets.check_access("write")
        self._check_applicable(tickets)
        if not is_html_empty(self.body):
            subtype = "mail.mt_note" if self.is_note else "mail.mt_comment"
            for ticket in tickets:
                ticket.message_post(
                    body=self._render_for(ticket),
                    message_type="comment",
                    subtype_xmlid=subtype,
                )
        values = self._ticket_values()
        if values:
            tickets.write(values)
        # sudo: a usage counter, after the write access check on the tickets above
        self.sudo().usage_count += len(tickets)
        return True
