"""The help center: what customers and visitors read before they write.

Public routes read articles and categories as the visiting user: record rules
give portal users and visitors the published articles visible to customers,
and the categories holding them (security/knowledge_security.xml). The routes
filter by ``service.article._portal_domain()`` too, so agents browsing the
help center see what customers see. Only the view counter, the visit log and
votes are written with more rights than the visitor's, by the model methods
that bound what is written.

The pages and the suggestions only read (``readonly=True``): with a
PostgreSQL replica (``--db_replica_host``) Odoo serves them from it. What
they used to write as they were read goes through a small request of the
page's script to the primary instead (static/src/interactions/): the article
page reports it was shown, the suggestions come with a signed receipt the
page sends back to have them logged (docs/replica.md).
"""

from werkzeug.exceptions import NotFound

from odoo import http
from odoo.fields import Domain
from odoo.http import request

from .. import segmentation
from ..models.service_article_event import QUERY_MAX_LENGTH
from ..models.service_ticket_knowledge import visitor_key

SUGGEST_LIMIT = 5
SEARCH_LIMIT = 20
EXCERPT_LENGTH = 200


class ServiceKnowledge(http.Controller):
    def _articles(self, lang=None):
        """Articles read in the page's language: the one the browser says the
        page is in (``lang``, e.g. "th-TH"), when installed, else the request's."""
        code = None
        if isinstance(lang, str) and lang:
            code = request.env["ir.http"].get_nearest_lang(lang.replace("-", "_"))
        return request.env["service.article"].with_context(lang=code or request.env.lang)

    def _highlighter(self, search):
        """What the help center shows of a found article: its title and an
        excerpt of its body, with the words the search matched marked."""
        terms = request.env["service.article"]._search_terms(search) if search else []

        def highlight(article):
            return {
                "title": segmentation.highlight(article.name, terms),
                "excerpt": segmentation.highlight(article._body_text(), terms, EXCERPT_LENGTH),
            }

        return highlight

    def _session_key(self):
        return visitor_key(request.session, create=True)

    def _portal_article(self, article_id):
        Article = self._articles()
        article = Article.search(Domain("id", "=", article_id) & Article._portal_domain(), limit=1)
        if not article:
            raise NotFound()
        return article

    def _portal_category_counts(self):
        """Portal articles per category, subcategories included."""
        Article = self._articles()
        groups = Article._read_group(
            Article._portal_domain() & Domain("category_id", "!=", False),
            ["category_id"],
            ["__count"],
        )
        categories = request.env["service.article.category"].search([])
        return {
            category: sum(count for cat, count in groups if cat.parent_path.startswith(category.parent_path))
            for category in categories
        }

    @http.route(["/help", "/help/category/<int:category_id>"], type="http", auth="public", website=True, readonly=True)
    def help_center(self, category_id=None, search=None, **kwargs):
        Article = self._articles()
        counts = self._portal_category_counts()
        category = request.env["service.article.category"]
        if category_id:
            category = category.search([("id", "=", category_id)])
            if not counts.get(category):
                raise NotFound()
        search = (search or "").strip()[:QUERY_MAX_LENGTH]
        domain = Article._portal_domain()
        if category:
            domain &= Domain("category_id", "child_of", category.id)
        if search:
            articles = Article.search_articles(search, limit=SEARCH_LIMIT, domain=domain)
        else:
            articles = Article.search(
                domain,
                limit=SEARCH_LIMIT,
                order="helpful_count desc nulls last, view_count desc nulls last, id desc",
            )
        subcategories = [cat for cat, count in counts.items() if count and cat.parent_id == category]
        return request.render(
            "service_desk.help_center",
            {
                "articles": articles,
                "categories": subcategories,
                "category": category,
                "ancestors": category.browse(
                    [int(cid) for cid in (category.parent_path or "").strip("/").split("/")[:-1] if cid]
                ),
                "category_counts": counts,
                "search": search,
                "highlight": self._highlighter(search) if search else None,
                "no_breadcrumbs": True,
                "page_name": "help",
            },
        )

    @http.route("/help/article/<int:article_id>", type="http", auth="public", website=True, readonly=True)
    def help_article(self, article_id, **kwargs):
        article = self._portal_article(article_id)
        voted = request.session.get("service_desk_voted", [])
        return request.render(
            "service_desk.help_article",
            {
                "article": article,
                "related_articles": article._get_related_articles(),
                "already_voted": article.id in voted,
                "vote_message": kwargs.get("voted"),
                "no_breadcrumbs": True,
                "page_name": "help",
            },
        )

    @http.route("/help/article/<int:article_id>/opened", type="jsonrpc", auth="public", website=True)
    def help_article_opened(self, article_id, **kwargs):
        """The article page's script says the page was shown: its view
        counter and the session's visit, written on the primary."""
        self._portal_article(article_id)._register_view(self._session_key(), request.env.user)
        return True

    @http.route("/help/article/<int:article_id>/vote", type="http", auth="public", methods=["POST"], website=True)
    def help_article_vote(self, article_id, helpful=None, comment=None, **kwargs):
        article = self._portal_article(article_id)
        if helpful not in ("yes", "no"):
            return request.redirect(f"/help/article/{article.id}?voted=invalid")
        # the vote is the visitor's: action_register_vote records it for them, its comment bounded
        counted = article.action_register_vote(
            helpful == "yes",
            comment=comment,
            session_key=self._session_key(),
        )
        voted = request.session.get("service_desk_voted", [])
        if article.id not in voted:
            request.session["service_desk_voted"] = [*voted, article.id]
        return request.redirect(f"/help/article/{article.id}?voted={'thanks' if counted else 'again'}")

    @http.route("/help/suggest", type="jsonrpc", auth="public", website=True, readonly=True)
    def help_suggest(self, query=None, lang=None, **kwargs):
        """At most five published portal articles for what the customer is
        typing, in the page's language, and the receipt that has them logged
        as shown suggestions (/help/suggest/shown)."""
        answer = {"articles": [], "receipt": False}
        if not isinstance(query, str):
            return answer
        query = query.strip()[:QUERY_MAX_LENGTH]
        # three letters say little in English; two characters are a Chinese or Thai word
        if len(query) < (2 if segmentation.has_unspaced_script(query) else 3):
            return answer
        Article = self._articles(lang)
        articles = Article.search_articles(query, limit=SUGGEST_LIMIT, domain=Article._portal_domain())
        answer["articles"] = [
            {
                "id": article.id,
                "name": article.name,
                "summary": article.summary,
                "url": article.portal_url,
            }
            for article in articles
        ]
        answer["receipt"] = request.env["service.article.event"]._suggestion_receipt(
            self._session_key(), articles, query
        )
        return answer

    @http.route("/help/suggest/shown", type="jsonrpc", auth="public", website=True)
    def help_suggest_shown(self, receipt=None, **kwargs):
        """The page showed the suggestions of a receipt: they are logged, on the primary."""
        events = request.env["service.article.event"]._record_suggestion_receipt(
            receipt, self._session_key(), user=request.env.user
        )
        return bool(events)
