from collections import defaultdict

from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import SQL

# what hangs off a ticket and follows it when it is merged: (model, field pointing to the ticket)
MERGE_LINKED_DOCUMENTS = (
    ("service.interaction", "ticket_id"),
    ("service.ticket.remedy.line", "ticket_id"),
    ("stock.picking", "service_ticket_id"),
    ("account.move", "service_ticket_id"),
    ("repair.order", "service_ticket_id"),
)


class ServiceTicket(models.Model):
    """Merging tickets: several requests of one customer company that are
    one request. One ticket is kept; the others give it their conversation,
    attachments, followers, logged contacts, remedies, tags and open
    activities, and close as merged into it. Their SLA targets are
    cancelled; the kept ticket's open targets start at the earliest start of
    the targets they replace. Mail that still finds a merged ticket (a reply
    to its emails, its number in a subject) lands on the kept one
    (``_merge_route``), and the portal shows the kept one only."""

    _inherit = "service.ticket"

    merged_into_id = fields.Many2one(
        "service.ticket",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The ticket this one was merged into: its conversation and documents continue there.",
    )
    merged_ticket_ids = fields.One2many(
        "service.ticket", "merged_into_id", string="Merged Tickets", readonly=True, context={"active_test": False}
    )

    # ------------------------------------------------------------------
    # Rules
    # ------------------------------------------------------------------

    def _merge_check(self, target):
        """Refuse to merge these tickets into `target` with the reason, in a
        UserError (an AccessError for users who may not change them all),
        before anything is changed."""
        if not self:
            raise UserError(self.env._("Choose at least one ticket to merge into the kept one."))
        if len(target) != 1:
            raise UserError(self.env._("Choose the one ticket to keep."))
        (self | target)._service_check_agent_write()
        if target in self:
            raise UserError(self.env._("Ticket %s cannot be merged into itself.", target.display_name))
        if target.merged_into_id:
            raise UserError(
                self.env._(
                    "Ticket %(ticket)s was merged into %(kept)s: merge into %(kept)s instead.",
                    ticket=target.display_name,
                    kept=target.merged_into_id.display_name,
                )
            )
        if not target.active:
            raise UserError(
                self.env._("Ticket %s is archived: restore it before merging into it.", target.display_name)
            )
        for ticket in self:
            if ticket.merged_into_id:
                raise UserError(
                    self.env._(
                        "Ticket %(ticket)s is already merged into %(kept)s.",
                        ticket=ticket.display_name,
                        kept=ticket.merged_into_id.display_name,
                    )
                )
            if not ticket.active:
                raise UserError(self.env._("Ticket %s is archived: restore it before merging it.", ticket.display_name))
            if ticket.company_id != target.company_id:
                raise UserError(
                    self.env._(
                        "Ticket %(ticket)s belongs to %(company)s and %(kept)s to %(kept_company)s: "
                        "tickets of different companies cannot be merged.",
                        ticket=ticket.display_name,
                        company=ticket.company_id.name,
                        kept=target.display_name,
                        kept_company=target.company_id.name,
                    )
                )
            if ticket.commercial_partner_id != target.commercial_partner_id:
                raise UserError(
                    self.env._(
                        "Ticket %(ticket)s is a request of %(customer)s and %(kept)s of %(kept_customer)s: "
                        "only tickets of one customer company can be merged.",
                        ticket=ticket.display_name,
                        customer=ticket.commercial_partner_id.display_name or self.env._("no customer"),
                        kept=target.display_name,
                        kept_customer=target.commercial_partner_id.display_name or self.env._("no customer"),
                    )
                )
        for tickets in self.grouped("team_id").values():
            tickets[0]._merge_closing_stage()

    def _merge_refusal(self, target):
        """Why these tickets may not be merged into `target` (empty when they may)."""
        try:
            self._merge_check(target)
        except UserError as error:
            return error.args[0]
        return ""

    def _merge_kept_ticket(self):
        """The ticket whose request this one continues in: the end of its
        chain of merges (itself when it is not merged)."""
        self.ensure_one()
        # sudo: following the merges of a ticket the caller already holds, to find where it went
        ticket, seen = self.sudo(), set()
        while ticket.merged_into_id and ticket.id not in seen:
            seen.add(ticket.id)
            ticket = ticket.merged_into_id
        return ticket.with_env(self.env)

    def _merge_route(self, route):
        """A mail gateway route (model, thread id, values, user, alias) to a
        merged ticket, redirected to the ticket it was merged into."""
        if not route or route[0] != self._name or not route[1]:
            return route
        kept = self.browse(route[1]).exists()
        if not kept:
            return route
        return (route[0], kept._merge_kept_ticket().id, *route[2:])

    def _portal_merged_into(self, user):
        """The ticket the portal shows instead of this merged one, sudoed:
        the ticket it was merged into, when `user` may read it (else none:
        the merged ticket's page says where it went)."""
        self.ensure_one()
        if not self.merged_into_id:
            return self.browse()
        kept = self._merge_kept_ticket()
        # sudo: the kept ticket, shown as the portal shows tickets, once `user`'s read access is checked
        return kept.sudo() if kept.with_user(user).has_access("read") else self.browse()

    # ------------------------------------------------------------------
    # The merge
    # ------------------------------------------------------------------

    def action_merge_into(self, target):
        """Merge these tickets into `target` (a ticket or its id), which is
        kept: see the class. Refused with the reason, nothing changed, for
        tickets of different companies or customer companies, a ticket
        merged into itself, into a merged or archived ticket, tickets
        already merged, and users who may not change them all."""
        if isinstance(target, int):
            target = self.browse(target)
        self._merge_check(target)
        self._merge_sla(target)
        self._merge_move_documents(target)
        self._merge_move_followers(target)
        self._merge_move_relations(target)
        new_tags = self.tag_ids - target.tag_ids
        if new_tags:
            target.write({"tag_ids": [Command.link(tag.id) for tag in new_tags]})
        self._merge_close(target)
        self._merge_post_notes(target)
        return True

    def _merge_sla(self, target):
        """The open targets of these tickets are cancelled; each open target
        of `target` starts at the earliest start of the cancelled targets
        of its kind when that is earlier, its deadline planned again."""
        # sudo: SLA bookkeeping of tickets the user may change (checked), agents only read it
        cancelled = self.sudo().sla_line_ids.filtered(lambda line: not line.reached_date and line.status != "cancelled")
        earliest = {}
        for line in cancelled:
            start = earliest.get(line.target_type)
            earliest[line.target_type] = min(start, line.start_date) if start else line.start_date
        cancelled._cancel()
        # sudo: the kept ticket's SLA targets, bookkeeping of a ticket the user may change (checked)
        kept_open = target.sudo().sla_line_ids.filtered(
            lambda line: (
                not line.reached_date
                and line.status != "cancelled"
                and earliest.get(line.target_type)
                and earliest[line.target_type] < line.start_date
            )
        )
        for line in kept_open:
            line.start_date = earliest[line.target_type]
            line.write(line._schedule_values())  # the deadline from the new start, by the calendar

    def _merge_move_documents(self, target):
        """Messages, attachments, open activities, logged contacts and
        remedies of these tickets move to `target`: one update per kind of
        document, whatever their number."""
        thread = [("res_id", "in", self.ids)]
        # the conversation and its attachments (the ticket's own, not its binary fields' values) in one
        # statement each: a long conversation costs no more queries than a short one
        self._merge_move_rows("mail.message", "model", target)
        self._merge_move_rows("ir.attachment", "res_model", target, SQL("res_field IS NULL"))
        # sudo: the activities of tickets the user may change (checked), whoever they are assigned to
        self.env["mail.activity"].sudo().search([("res_model", "=", self._name), *thread]).write({"res_id": target.id})
        for model, fname in MERGE_LINKED_DOCUMENTS:
            # sudo: documents of the same tickets in apps the agent may not use (stock, invoicing, repairs)
            documents = self.env[model].sudo().with_context(active_test=False).search([(fname, "in", self.ids)])
            documents.write({fname: target.id})
        # the moved rows are read again from the database
        self.invalidate_recordset()
        target.invalidate_recordset()

    def _merge_move_rows(self, model, model_field, target, condition=None):
        """Point the rows of `model` that hang off these tickets by
        (`model_field`, res_id) at `target`, in one UPDATE whatever their
        number; `condition` restricts the rows. For models whose res_id
        feeds no stored computation (messages, attachments); the caller has
        checked the user may change these tickets (SQL checks nothing)."""
        Model = self.env[model]
        Model.flush_model([model_field, "res_id"])
        self.env.execute_query(
            SQL(
                "UPDATE %s SET res_id = %s, write_uid = %s, write_date = %s WHERE %s = %s AND res_id IN %s AND %s",
                SQL.identifier(Model._table),
                target.id,
                self.env.uid,
                self.env.cr.now(),
                SQL.identifier(model_field),
                self._name,
                tuple(self.ids),
                condition or SQL("TRUE"),
            )
        )
        Model.invalidate_model(["res_id", "write_uid", "write_date"])

    def _merge_move_relations(self, target):
        """The tickets linked to these ones are linked to `target`; the
        incidents of these problems become `target`'s; `target` takes their
        problem when it has none (a problem and incidents at once is
        refused by the problems' rule, nothing changed)."""
        linked = self.linked_ticket_ids - self - target
        if linked - target.linked_ticket_ids:
            target.linked_ticket_ids |= linked
        # sudo: incidents of the problems merged, whichever team handles them, as the problem decides for them all
        incidents = self.sudo().incident_ids - target
        if incidents:
            incidents.write({"problem_id": target.id})
        problem = self.problem_id - self - target
        if problem and not target.problem_id:
            target.problem_id = problem[:1]

    def _merge_move_followers(self, target):
        """The followers of these tickets follow `target` too, with the
        subtypes they had; those who follow it already keep theirs."""
        # sudo: the followers of tickets the user may change (checked)
        Followers = self.env["mail.followers"].sudo()
        followers = Followers.search([("res_model", "=", self._name), ("res_id", "in", self.ids)])
        subtypes = defaultdict(set)
        for follower in followers:
            subtypes[follower.partner_id.id] |= set(follower.subtype_ids.ids)
        if subtypes:
            Followers._insert_followers(
                self._name,
                target.ids,
                list(subtypes),
                subtypes={partner_id: list(ids) for partner_id, ids in subtypes.items()},
                check_existing=True,
                existing_policy="skip",
            )

    def _merge_closing_stage(self):
        """The stage merged tickets of this team close in: the team's first
        closed stage that does not say it was resolved (their request goes
        on elsewhere), else its first closed stage."""
        self.ensure_one()
        closed = self._stages_of(self.team_id).filtered("is_closed")
        stage = closed.filtered(lambda stage: not stage.is_resolved)[:1] or closed[:1]
        if not stage:
            raise UserError(self.env._("Team %s has no closed stage to close merged tickets in.", self.team_id.name))
        return stage

    def _merge_close(self, target):
        """Close these tickets as merged into `target`, through the ticket's
        save path, one save per team."""
        for tickets in self.grouped("team_id").values():
            tickets.write({"merged_into_id": target.id, "stage_id": tickets[0]._merge_closing_stage().id})

    def _merge_post_notes(self, target):
        """An internal note on each merged ticket, linking the kept one, and
        one on the kept ticket listing what it took in."""
        for ticket in self:
            ticket.message_post(
                body=Markup("<p>%s</p>") % self.env._("Merged into %s.", target._get_html_link(target.number)),
                subtype_xmlid="mail.mt_note",
            )
        links = Markup(", ").join(ticket._get_html_link(ticket.number) for ticket in self)
        target.message_post(
            body=Markup("<p>%s</p>") % self.env._("Merged into this ticket: %s.", links),
            subtype_xmlid="mail.mt_note",
        )

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def action_open_merge(self):
        """The merge wizard for these tickets (from the form: this ticket,
        the others to choose)."""
        action = self.env["ir.actions.act_window"]._for_xml_id("service_desk.service_ticket_merge_action")
        action["context"] = {"active_model": self._name, "active_ids": self.ids}
        return action
