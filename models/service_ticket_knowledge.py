import secrets

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command, Domain
from odoo.http import request

SUGGESTED_ARTICLES = 5
VISITOR_SESSION_KEY = "service_desk_visitor"


def visitor_key(session, create=False):
    """The help center's key for a browser session: a random token kept in
    the session (so it survives requests and login), never the session id."""
    if session is None:
        return False
    key = session.get(VISITOR_SESSION_KEY)
    if not key and create:
        key = session[VISITOR_SESSION_KEY] = secrets.token_hex(16)
    return key or False


class ServiceTicket(models.Model):
    _inherit = "service.ticket"

    suggested_article_ids = fields.Many2many(
        "service.article",
        string="Suggested Articles",
        compute="_compute_suggested_article_ids",
    )
    source_article_ids = fields.One2many("service.article", "source_ticket_id", string="Articles Drafted")

    @api.depends("name", "category_id", "product_id")
    def _compute_suggested_article_ids(self):
        Article = self.env["service.article"]
        published = Domain("is_published", "=", True)
        for ticket in self:
            found = (
                Article.search_articles(ticket.name, limit=SUGGESTED_ARTICLES, domain=published)
                if ticket.name
                else Article
            )
            if len(found) < SUGGESTED_ARTICLES and (ticket.category_id or ticket.product_id):
                matching = Domain.FALSE
                if ticket.category_id:
                    matching |= Domain("ticket_category_ids", "in", ticket.category_id.ids)
                if ticket.product_id:
                    matching |= Domain("product_ids", "in", ticket.product_id.product_tmpl_id.ids)
                found |= Article.search(
                    published & matching & Domain("id", "not in", found.ids),
                    limit=SUGGESTED_ARTICLES - len(found),
                    order="helpful_count desc nulls last, id desc",
                )
            ticket.suggested_article_ids = found

    def _record_help_center_submission(self):
        """A ticket created by a customer in a browser session closes the
        session's help center visit: its articles did not deflect it."""
        if not request or not getattr(request, "session", None):
            return
        user = request.env.user
        if not (user._is_portal() or user._is_public()):
            return
        session_key = visitor_key(request.session)
        if not session_key:
            return
        Event = self.env["service.article.event"]
        for ticket in self:
            Event._record("ticket_submitted", session_key, ticket=ticket, user=user)

    def action_create_article(self):
        """Draft an article from a resolved ticket: its subject, its
        description and the agents' public replies."""
        self.ensure_one()
        if not (self.is_resolved or self.is_closed):
            raise UserError(self.env._("Resolve the ticket before drafting an article from it."))
        replies = self.message_ids.filtered(
            lambda message: (
                message.message_type == "comment"
                and message.subtype_id == self.env.ref("mail.mt_comment")
                and message.author_id
                and not message.author_id._service_is_customer_side()
            )
        ).sorted("id")
        body = Markup("<h3>%s</h3>%s") % (self.env._("Problem"), self.description or Markup("<p></p>"))
        if replies:
            body += Markup("<h3>%s</h3>") % self.env._("Solution")
            for message in replies:
                body += message.body
        article = self.env["service.article"].create(
            {
                "name": self.name,
                "body": body,
                "is_published": False,
                "source_ticket_id": self.id,
                "product_ids": [Command.link(self.product_id.product_tmpl_id.id)] if self.product_id else [],
                "ticket_category_ids": [Command.link(self.category_id.id)] if self.category_id else [],
                "tag_ids": [Command.set(self.tag_ids.ids)],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "service.article",
            "res_id": article.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_apply_macro(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Apply Canned Reply"),
            "res_model": "service.macro.apply",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": "service.ticket", "active_ids": self.ids},
        }
