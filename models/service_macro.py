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

    def _priority_label(self, priority):
        return dict(self._fields["priority"]._description_selection(self.env))[priority]

    def _stage_effect(self, stage):
        """What entering `stage` does to the ticket's SLA, in words."""
        if stage.is_closed:
            return self.env._("closes it")
        if stage.is_resolved:
            return self.env._("resolves it: the resolution target is met")
        if stage.sla_pause:
            return self.env._("pauses the SLA clock")
        return ""

    def _action_descriptions(self, tickets):
        """What applying this canned reply to `tickets` will do, one
        sentence per action, for the agent about to apply it."""
        self.ensure_one()
        actions = []
        if not is_html_empty(self.body):
            actions.append(
                self.env._("Logs the text as an internal note")
                if self.is_note
                else self.env._("Sends the text to the customer")
            )
        if self.stage_id:
            effect = self._stage_effect(self.stage_id)
            actions.append(
                self.env._("Moves the ticket to %(stage)s (%(effect)s)", stage=self.stage_id.name, effect=effect)
                if effect
                else self.env._("Moves the ticket to %s", self.stage_id.name)
            )
        if self.priority:
            actions.append(self.env._("Sets the priority to %s", self._priority_label(self.priority)))
        if self.tag_ids:
            actions.append(self.env._("Adds tags %s", ", ".join(self.tag_ids.mapped("name"))))
        if self.assign_to_me:
            others = tickets.user_id - self.env.user
            actions.append(
                self.env._("Assigns the ticket to you instead of %s", ", ".join(others.mapped("name")))
                if others
                else self.env._("Assigns the ticket to you")
            )
        return actions

    def _changes_for(self, ticket, values):
        """What saving `values` (of _ticket_values) changes on `ticket`,
        one sentence per change, read before saving them."""
        changes = []
        if "stage_id" in values and ticket.stage_id != self.stage_id:
            effect = self._stage_effect(self.stage_id)
            changes.append(
                self.env._(
                    "moved the ticket from %(old)s to %(new)s (%(effect)s)",
                    old=ticket.stage_id.name,
                    new=self.stage_id.name,
                    effect=effect,
                )
                if effect
                else self.env._(
                    "moved the ticket from %(old)s to %(new)s", old=ticket.stage_id.name, new=self.stage_id.name
                )
            )
        if "priority" in values and ticket.priority != self.priority:
            changes.append(
                self.env._(
                    "set the priority from %(old)s to %(new)s",
                    old=self._priority_label(ticket.priority),
                    new=self._priority_label(self.priority),
                )
            )
        new_tags = self.tag_ids - ticket.tag_ids if "tag_ids" in values else self.tag_ids.browse()
        if new_tags:
            changes.append(self.env._("added tags %s", ", ".join(new_tags.mapped("name"))))
        if "user_id" in values and ticket.user_id != self.env.user:
            changes.append(
                self.env._(
                    "assigned the ticket to %(new)s instead of %(old)s", new=self.env.user.name, old=ticket.user_id.name
                )
                if ticket.user_id
                else self.env._("assigned the ticket to %s", self.env.user.name)
            )
        return changes

    def apply_to(self, tickets):
        """Post the reply on each ticket and apply the actions, as the
        current user (their access rights hold); a line in each ticket's
        chatter says what the actions changed."""
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
        changes = {ticket: self._changes_for(ticket, values) for ticket in tickets}
        if values:
            tickets.write(values)
        for ticket, done in changes.items():
            if done:
                ticket._message_log(
                    body=Markup("<p>%s</p><ul>%s</ul>")
                    % (
                        self.env._("Canned reply %s applied:", self.name),
                        Markup("").join(Markup("<li>%s</li>") % change for change in done),
                    ),
                )
        # sudo: a usage counter, after the write access check on the tickets above
        self.sudo().usage_count += len(tickets)
        return True
