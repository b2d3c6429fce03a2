import logging
import re

from markupsafe import Markup
from psycopg2 import errors as pg_errors

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL
from odoo.tools.mail import html_to_inner_content

from .. import segmentation

_logger = logging.getLogger(__name__)

# PostgreSQL text search configurations by language prefix of Odoo's codes.
# Only those present in pg_ts_config are used; any other language (Thai,
# Chinese, Japanese...) is searched with the `simple` configuration, over the
# words segmentation.py finds when the language puts no spaces between them.
TS_CONFIG_BY_LANG = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "eu": "basque",
    "fi": "finnish",
    "fr": "french",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "nb": "norwegian",
    "ne": "nepali",
    "nl": "dutch",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
SEARCH_MAX_WORDS = 10
SEARCH_MAX_WORD_LENGTH = 50
# segmented documents are rebuilt in batches of this many
SEGMENT_BATCH = 1000
SEARCH_MAX_LIMIT = 100
VOTE_COMMENT_MAX_LENGTH = 2000
# word_similarity() above which a title is taken as a misspelt match
TRIGRAM_THRESHOLD = 0.3


class ServiceArticle(models.Model):
    _name = "service.article"
    _description = "Knowledge Article"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sequence, id desc"

    name = fields.Char(string="Title", required=True, translate=True, tracking=True)
    body = fields.Html(translate=True, sanitize_style=True)
    summary = fields.Char(compute="_compute_summary")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    category_id = fields.Many2one("service.article.category", index=True, tracking=True)
    tag_ids = fields.Many2many("service.tag", "service_article_tag_rel", "article_id", "tag_id", string="Tags")
    product_ids = fields.Many2many(
        "product.template",
        "service_article_product_rel",
        "article_id",
        "product_tmpl_id",
        string="Products",
    )
    is_published = fields.Boolean(string="Published", default=False, tracking=True, index=True)
    portal_visible = fields.Boolean(
        string="Visible to Customers",
        default=True,
        tracking=True,
        help="Unchecked, the article is internal: only agents read it, never the help center.",
    )
    author_id = fields.Many2one(
        "res.users",
        default=lambda self: self.env.user,
        tracking=True,
        domain=[("share", "=", False)],
    )
    last_review_date = fields.Date(string="Last Reviewed", copy=False, tracking=True)
    view_count = fields.Integer(string="Views", default=0, readonly=True, copy=False)
    helpful_count = fields.Integer(string="Helpful", default=0, readonly=True, copy=False)
    unhelpful_count = fields.Integer(string="Not Helpful", default=0, readonly=True, copy=False)
    helpful_ratio = fields.Float(string="Helpful (%)", compute="_compute_helpful_ratio")
    ticket_category_ids = fields.Many2many(
        "service.category",
        "service_article_ticket_category_rel",
        "article_id",
        "category_id",
        string="Ticket Categories",
        help="Suggested to agents on tickets of these categories.",
        groups="service_desk.group_service_user",
    )
    # customers and visitors read published articles: who voted what, and the
    # ticket an article was drafted from, are the agents' to read
    vote_ids = fields.One2many(
        "service.article.vote", "article_id", string="Votes", groups="service_desk.group_service_user"
    )
    source_ticket_id = fields.Many2one(
        "service.ticket",
        string="Drafted From",
        readonly=True,
        copy=False,
        groups="service_desk.group_service_user",
    )
    portal_url = fields.Char(string="Help Center Link", compute="_compute_portal_url")

    @api.depends("body")
    def _compute_summary(self):
        for article in self:
            text = article._body_text()
            article.summary = text if len(text) <= 200 else text[:197].rsplit(" ", 1)[0] + "..."

    def _body_text(self):
        """The body as plain text on one line: what the summary and the help
        center's excerpts are cut from."""
        self.ensure_one()
        return " ".join(html_to_inner_content(self.body or "").split())

    @api.depends("helpful_count", "unhelpful_count")
    def _compute_helpful_ratio(self):
        for article in self:
            total = article.helpful_count + article.unhelpful_count
            article.helpful_ratio = 100.0 * article.helpful_count / total if total else 0.0

    def _compute_portal_url(self):
        for article in self:
            article.portal_url = f"/help/article/{article.id}" if article.id else False

    # ------------------------------------------------------------------
    # Indexes
    # ------------------------------------------------------------------

    def init(self):
        super().init()
        cr = self.env.cr
        # The weighted documents, one per article and installed language, kept
        # by a trigger: whatever writes the title or body (the ORM, translation
        # updates, plain SQL imports), the search never reparses the articles.
        # In a language written without spaces (Thai, Chinese...), PostgreSQL
        # cannot find the words: the trigger's document only stands in, marked
        # pending, until _segment_pending_documents() rebuilds it from the
        # words segmentation.py finds (after every ORM write, at install and
        # upgrade, and by a cron for what plain SQL wrote).
        cr.execute("""
            CREATE TABLE IF NOT EXISTS service_article_search_lang (
                lang varchar PRIMARY KEY,
                config regconfig NOT NULL
            );
            ALTER TABLE service_article_search_lang
                ADD COLUMN IF NOT EXISTS segmented boolean NOT NULL DEFAULT false;
            CREATE TABLE IF NOT EXISTS service_article_search (
                article_id integer NOT NULL REFERENCES service_article(id) ON DELETE CASCADE,
                lang varchar NOT NULL,
                document tsvector NOT NULL,
                PRIMARY KEY (article_id, lang)
            );
            ALTER TABLE service_article_search
                ADD COLUMN IF NOT EXISTS pending_segmentation boolean NOT NULL DEFAULT false;
            CREATE INDEX IF NOT EXISTS service_article_search_pending_idx
                ON service_article_search (article_id) WHERE pending_segmentation;
            CREATE OR REPLACE FUNCTION service_article_search_refresh() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO service_article_search (article_id, lang, document, pending_segmentation)
                     SELECT NEW.id, l.lang,
                            setweight(to_tsvector(l.config, COALESCE(NEW.name->>l.lang, NEW.name->>'en_US', '')), 'A')
                            || setweight(to_tsvector(l.config,
                                                     COALESCE(NEW.body->>l.lang, NEW.body->>'en_US', '')), 'B'),
                            l.segmented
                       FROM service_article_search_lang l
                ON CONFLICT (article_id, lang) DO UPDATE
                        SET document = EXCLUDED.document, pending_segmentation = EXCLUDED.pending_segmentation;
                RETURN NULL;
            END
            $$;
            DROP TRIGGER IF EXISTS service_article_search_refresh ON service_article;
            CREATE TRIGGER service_article_search_refresh
                AFTER INSERT OR UPDATE OF name, body ON service_article
                FOR EACH ROW EXECUTE FUNCTION service_article_search_refresh();
        """)
        self._ensure_search_indexes()

    @api.model
    def _ensure_search_indexes(self):
        """Every installed language gets its text search configuration, its
        documents and a GIN index over them; when pg_trgm is there, a trigram
        index on the title in that language, for typos. Documents of languages
        without spaces are segmented, all of them again when the segmenter
        changed (PyICU installed, removed or upgraded)."""
        cr = self.env.cr
        self._try_create_pg_trgm()
        has_trgm = self._has_pg_trgm()
        # sudo: a technical parameter, read and written when languages or the segmenter change
        ICP = self.env["ir.config_parameter"].sudo()
        engine_changed = ICP.get_param("service_desk.search_segmenter") != segmentation.engine()
        for lang, __ in self.env["res.lang"].get_installed():
            config = self._ts_config_for_lang(lang)
            segmented = segmentation.is_available() and segmentation.is_unspaced_language(lang)
            cr.execute(
                """
                INSERT INTO service_article_search_lang (lang, config, segmented) VALUES (%s, %s::regconfig, %s)
                ON CONFLICT (lang) DO UPDATE SET config = EXCLUDED.config, segmented = EXCLUDED.segmented
                WHERE service_article_search_lang.config <> EXCLUDED.config
                   OR service_article_search_lang.segmented <> EXCLUDED.segmented
                RETURNING lang
            """,
                [lang, config, segmented],
            )
            changed = bool(cr.fetchone()) or (segmented and engine_changed)
            cr.execute(
                SQL(
                    """
                INSERT INTO service_article_search (article_id, lang, document, pending_segmentation)
                     SELECT a.id, %(lang)s,
                            setweight(to_tsvector(%(config)s::regconfig, COALESCE(%(title)s, '')), 'A')
                            || setweight(to_tsvector(%(config)s::regconfig, COALESCE(%(body)s, '')), 'B'),
                            %(segmented)s
                       FROM service_article a
                      WHERE %(all)s OR NOT EXISTS (
                            SELECT 1 FROM service_article_search s WHERE s.article_id = a.id AND s.lang = %(lang)s)
                ON CONFLICT (article_id, lang) DO UPDATE
                        SET document = EXCLUDED.document, pending_segmentation = EXCLUDED.pending_segmentation
                """,
                    lang=lang,
                    config=config,
                    all=changed,
                    segmented=segmented,
                    title=self._translated_sql("name", lang, "a"),
                    body=self._translated_sql("body", lang, "a"),
                )
            )
            suffix = re.sub(r"\W", "_", lang.lower())
            tools.sql.create_index(
                cr,
                f"service_article_search_{suffix}_idx",
                "service_article_search",
                ["document"],
                method="gin",
                where=cr.mogrify("lang = %s", [lang]).decode(),
            )
            if has_trgm:
                tools.sql.create_index(
                    cr,
                    f"service_article_trgm_{suffix}_idx",
                    self._table,
                    [cr.mogrify(self._title_sql(lang)).decode() + " gin_trgm_ops"],
                    method="gin",
                )
        self._segment_pending_documents()
        if engine_changed:
            ICP.set_param("service_desk.search_segmenter", segmentation.engine())
            if not segmentation.is_available():
                _logger.warning(segmentation.MISSING_MESSAGE)
        self.env.registry.clear_cache()

    def _segment_pending_documents(self):
        """Rebuild, from the words segmentation.py finds, the documents the
        trigger marked pending: those of languages written without spaces, of
        these articles (all articles when called on an empty recordset).
        Returns how many documents were rebuilt."""
        cr = self.env.cr
        where = SQL("s.pending_segmentation")
        if self.ids:
            where = SQL("%s AND s.article_id IN %s", where, tuple(self.ids))
        cr.execute(SQL("SELECT s.article_id, s.lang FROM service_article_search s WHERE %s ORDER BY 1, 2", where))
        pending = cr.fetchall()
        for start in range(0, len(pending), SEGMENT_BATCH):
            batch = pending[start : start + SEGMENT_BATCH]
            article_ids = sorted({row[0] for row in batch})
            # Each statement names the batch's articles by `= ANY`: a bulk
            # import leaves the planner's statistics stale (an analyze that
            # saw none of its rows yet), and a join on the batch alone could
            # then be planned as a walk over the whole table per batch.
            cr.execute(
                """
                SELECT p.article_id, p.lang, COALESCE(a.name->>p.lang, a.name->>'en_US', ''),
                       COALESCE(a.body->>p.lang, a.body->>'en_US', '')
                  FROM unnest(%s::int[], %s::varchar[]) AS p(article_id, lang)
                  JOIN service_article a ON a.id = p.article_id
                 WHERE a.id = ANY(%s)
                """,
                [[row[0] for row in batch], [row[1] for row in batch], article_ids],
            )
            rows = [
                (
                    article_id,
                    lang,
                    segmentation.segmented_text(title),
                    segmentation.segmented_text(html_to_inner_content(body)),
                )
                for article_id, lang, title, body in cr.fetchall()
            ]
            cr.execute(
                """
                UPDATE service_article_search s
                   SET document = setweight(to_tsvector(l.config, v.title), 'A')
                                  || setweight(to_tsvector(l.config, v.body), 'B'),
                       pending_segmentation = false
                  FROM unnest(%s::int[], %s::varchar[], %s::text[], %s::text[]) AS v(article_id, lang, title, body),
                       service_article_search_lang l
                 WHERE s.article_id = ANY(%s)
                   AND s.article_id = v.article_id AND s.lang = v.lang AND l.lang = v.lang
                """,
                [*([row[i] for row in rows] for i in range(4)), article_ids],
            )
        return len(pending)

    @api.model
    def _cron_segment_pending_documents(self):
        """Articles written in plain SQL (imports) get their Thai, Chinese...
        documents segmented here (without PyICU they keep PostgreSQL's words)."""
        if segmentation.is_available():
            self.browse()._segment_pending_documents()

    @api.model_create_multi
    def create(self, vals_list):
        articles = super().create(vals_list)
        articles._segment_documents_now()
        return articles

    def write(self, vals):
        result = super().write(vals)
        if "name" in vals or "body" in vals:
            self._segment_documents_now()
        return result

    def _update_field_translations(self, field_name, translations, digest=None, source_lang=""):
        result = super()._update_field_translations(field_name, translations, digest=digest, source_lang=source_lang)
        if field_name in ("name", "body"):
            self._segment_documents_now()
        return result

    def _segment_documents_now(self):
        """Saved titles and bodies are found by their words in every language
        right away: the trigger runs when the ORM flushes them."""
        if segmentation.is_available() and self.ids:
            self.flush_recordset(["name", "body"])
            self._segment_pending_documents()

    @tools.ormcache()
    def _search_langs(self):
        self.env.cr.execute("SELECT lang FROM service_article_search_lang")
        return frozenset(lang for (lang,) in self.env.cr.fetchall())

    def _try_create_pg_trgm(self):
        cr = self.env.cr
        cr.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cr.fetchone():
            return
        try:
            with cr.savepoint(flush=False):
                cr.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except pg_errors.InsufficientPrivilege:
            _logger.warning("pg_trgm is not installed and cannot be: knowledge search has no typo tolerance")
        self.env.registry.clear_cache()

    @tools.ormcache()
    def _has_pg_trgm(self):
        self.env.cr.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return bool(self.env.cr.fetchone())

    @tools.ormcache()
    def _ts_configs_available(self):
        self.env.cr.execute("SELECT cfgname FROM pg_ts_config")
        return frozenset(name for (name,) in self.env.cr.fetchall())

    @api.model
    def _ts_config_for_lang(self, lang):
        """The text search configuration of an Odoo language code, `simple`
        when PostgreSQL has none for it."""
        config = TS_CONFIG_BY_LANG.get((lang or "en_US").split("_")[0].lower())
        return config if config and config in self._ts_configs_available() else "simple"

    @api.model
    def _translated_sql(self, field_name, lang, alias=None):
        column = SQL.identifier(alias, field_name) if alias else SQL.identifier(field_name)
        if lang == "en_US":
            return SQL("(%s->>'en_US')", column)
        return SQL("COALESCE(%s->>%s, %s->>'en_US')", column, lang, column)

    @api.model
    def _title_sql(self, lang, alias=None):
        return self._translated_sql("name", lang, alias)

    # ------------------------------------------------------------------
    # Search
    # ------------------------------------------------------------------

    @api.model
    def _search_terms(self, query):
        """The terms of a query: one per run of letters and digits, each the
        list of its words (several for a Thai or Chinese run), bounded."""
        return segmentation.query_terms(query, SEARCH_MAX_WORDS, SEARCH_MAX_WORD_LENGTH)

    @api.model
    def _tsquery_text(self, terms, operator="&"):
        return segmentation.tsquery_text(terms, operator)

    @api.model
    def search_articles(self, query, limit=10, domain=None):
        """Articles matching ``query``, most relevant first, then most helpful.

        Full-text search in the user's language: all words (the last one as
        a prefix), then any word but the most common ones, then, when nothing
        matched, titles similar to the query (trigram similarity, for typos).
        A term is a run of the query between spaces or punctuation; in Thai
        or Chinese, the words segmentation.py finds in it: articles where
        they stand next to each other, as typed, come first. Access rules
        and ``domain`` restrict the candidates: the help center passes the
        portal domain with sudo.
        """
        terms = self._search_terms(query)
        try:
            limit = max(1, min(int(limit or 10), SEARCH_MAX_LIMIT))
        except (TypeError, ValueError):
            raise UserError(self.env._("The number of articles to return must be a number.")) from None
        if not terms:
            return self.browse()
        # the raw SQL below reads these columns: pending changes first
        self.flush_model(["name", "body", "helpful_count", "unhelpful_count"])
        lang = self.env.lang or "en_US"
        if lang not in self._search_langs():
            lang = "en_US"
        config = self._ts_config_for_lang(lang)
        base_domain = Domain(domain or Domain.TRUE)
        # every word, then any word but the most common ones; a Thai or
        # Chinese term found as written (its words next to each other) first
        words = [word for term in terms for word in term]
        each_word = [[word] for word in words]
        phrase = self._tsquery_text(terms, "&") if len(words) > len(terms) else None
        attempts = [self._tsquery_text(each_word, "&")]
        if len(words) > 1:
            attempts.append(self._tsquery_text(segmentation.without_stopwords(each_word), "|"))
        for text in attempts:
            ids = self._fulltext_ids(base_domain, lang, config, text, limit, phrase=phrase)
            if ids:
                return self.browse(ids)
        return self.browse(self._similar_title_ids(base_domain, lang, " ".join(words), limit))

    def _fulltext_ids(self, domain, lang, config, tsquery_text, limit, phrase=None):
        """Ids of the articles matching ``tsquery_text``, the best first: those
        matching ``phrase`` too (a to_tsquery text, checked on the documents
        found, not through the index), then by rank and helpfulness."""
        query = self._search(domain)
        if query.is_empty():
            return []
        query.add_join(
            "JOIN",
            "article_search",
            "service_article_search",
            SQL(
                "article_search.article_id = %s AND article_search.lang = %s",
                SQL.identifier(query.table, "id"),
                lang,
            ),
        )
        tsquery = SQL("to_tsquery(%s::regconfig, %s)", config, tsquery_text)
        query.add_where(SQL("article_search.document @@ %s", tsquery))
        as_written = (
            SQL("article_search.document @@ to_tsquery(%s::regconfig, %s) DESC, ", config, phrase) if phrase else SQL()
        )
        query.order = SQL(
            "%s ts_rank(article_search.document, %s) DESC, %s DESC NULLS LAST, %s ASC NULLS FIRST, %s DESC",
            as_written,
            tsquery,
            SQL.identifier(query.table, "helpful_count"),
            SQL.identifier(query.table, "unhelpful_count"),
            SQL.identifier(query.table, "id"),
        )
        query.limit = limit
        return [row[0] for row in self.env.execute_query(query.select())]

    def _similar_title_ids(self, domain, lang, text, limit):
        if not self._has_pg_trgm():
            return []
        query = self._search(domain)
        if query.is_empty():
            return []
        title = self._title_sql(lang, query.table)
        # `<%` uses the trigram index with the threshold set here, for this transaction
        self.env.cr.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
            [str(TRIGRAM_THRESHOLD)],
        )
        query.add_where(SQL("%s <%% %s", text, title))
        query.order = SQL(
            "word_similarity(%s, %s) DESC, %s DESC NULLS LAST, %s DESC",
            text,
            title,
            SQL.identifier(query.table, "helpful_count"),
            SQL.identifier(query.table, "id"),
        )
        query.limit = limit
        return [row[0] for row in self.env.execute_query(query.select())]

    # ------------------------------------------------------------------
    # Help center
    # ------------------------------------------------------------------

    @api.model
    def _portal_domain(self):
        """What customers and visitors may read."""
        return Domain("is_published", "=", True) & Domain("portal_visible", "=", True)

    def _is_portal_readable(self):
        self.ensure_one()
        return bool(self.active and self.is_published and self.portal_visible)

    def _get_related_articles(self, limit=4):
        """Published portal articles sharing the category, a tag or a product,
        read with the caller's rights (customers and visitors included, who
        may not read tags and products: those are compared in SQL)."""
        self.ensure_one()
        related = Domain.FALSE
        if self.category_id:
            related |= Domain("category_id", "=", self.category_id.id)
        for fname in ("tag_ids", "product_ids"):
            related |= Domain(fname, "in", self._linked_ids_sql(fname))
        domain = self._portal_domain() & related & Domain("id", "!=", self.id)
        order = "helpful_count desc nulls last, view_count desc nulls last, id desc"
        return self.search(domain, limit=limit, order=order)

    def _linked_ids_sql(self, fname):
        """The ids this article's many2many field ``fname`` links to, as SQL."""
        field = self._fields[fname]
        self.flush_recordset([fname])
        return SQL(
            "SELECT %s FROM %s WHERE %s = %s",
            SQL.identifier(field.column2),
            SQL.identifier(field.relation),
            SQL.identifier(field.column1),
            self.id,
        )

    def _increment_counter(self, field_name, amount=1):
        """Atomic increment, safe with several workers counting at once."""
        if not self.ids:
            return
        assert field_name in ("view_count", "helpful_count", "unhelpful_count")
        self.env.cr.execute(
            SQL(
                "UPDATE %(table)s SET %(field)s = COALESCE(%(field)s, 0) + %(amount)s WHERE id IN %(ids)s",
                table=SQL.identifier(self._table),
                field=SQL.identifier(field_name),
                amount=amount,
                ids=tuple(self.ids),
            )
        )
        self.invalidate_recordset([field_name])

    def _register_view(self, session_key, user):
        """The help center showed this article to a visitor: one view more,
        and the session's visit for the deflection report (once a session).
        The page's script reports it in a request of its own, so that the
        page itself only reads and may be served by a replica."""
        self.ensure_one()
        self._increment_counter("view_count")
        self.env["service.article.event"]._record("article_opened", session_key, articles=self, user=user)

    def action_register_vote(self, helpful, comment=None, session_key=None):
        """One vote per user (or per visitor session for the public user).

        Returns False when this user or session already voted. A "no" with a
        comment becomes an activity for the author, to review the article.
        """
        self.ensure_one()
        # sudo: whether the help center shows it, whoever asks (visitors read it by record rules)
        if not self.sudo()._is_portal_readable():
            self.check_access("read")  # an internal article: only who may read it votes
        user = self.env.user
        comment = comment.strip()[:VOTE_COMMENT_MAX_LENGTH] if isinstance(comment, str) else ""
        values = {"article_id": self.id, "helpful": bool(helpful), "comment": comment or False}
        if user._is_public():
            if not session_key:
                raise UserError(self.env._("Your vote could not be recorded: enable cookies and try again."))
            values["session_key"] = session_key
            existing = Domain("session_key", "=", session_key)
        else:
            values["user_id"] = user.id
            existing = Domain("user_id", "=", user.id)
        # sudo: customers and visitors may not read votes; one per user or session, built here
        Vote = self.env["service.article.vote"].sudo()
        if Vote.search_count(Domain("article_id", "=", self.id) & existing, limit=1):
            return False
        try:
            with self.env.cr.savepoint():
                Vote.create(values)
        except pg_errors.UniqueViolation:
            return False  # the same user voting twice at the same moment
        # sudo: the voter may not write the article; counted once per vote
        self.sudo()._increment_counter("helpful_count" if helpful else "unhelpful_count")
        if not helpful and values["comment"]:
            # sudo: a to-do for the author, whom the voter may not assign
            self.sudo()._schedule_feedback_activity(values["comment"], user)
        return True

    def _schedule_feedback_activity(self, comment, user):
        self.ensure_one()
        author = self.author_id if self.author_id and self.author_id.active else self.create_uid
        who = user.name if not user._is_public() else self.env._("A visitor")
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Review: %(who)s did not find it helpful", who=who),
            note=tools.plaintext2html(comment),
            user_id=author.id,
        )

    def action_mark_reviewed(self):
        self.write({"last_review_date": fields.Date.context_today(self)})
        return True

    def action_publish(self):
        self.write({"is_published": True})
        return True

    def action_unpublish(self):
        self.write({"is_published": False})
        return True

    def action_share_on_ticket(self):
        """Reply to the ticket in context with a link to this article."""
        self.ensure_one()
        ticket = self.env["service.ticket"].browse(self.env.context.get("share_ticket_id")).exists()
        if not ticket:
            raise UserError(self.env._("Open the article from a ticket to send it to the customer."))
        if not self._is_portal_readable():
            raise UserError(self.env._("%s is not on the help center: customers cannot open it.", self.name))
        url = ticket.get_base_url() + self.portal_url
        ticket.message_post(
            body=Markup('<p>%s</p><p><a href="%s">%s</a></p>')
            % (
                self.env._("This article should help:"),
                url,
                self.name,
            ),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        return True

    def action_view_on_help_center(self):
        self.ensure_one()
        return {"type": "ir.actions.act_url", "url": self.portal_url, "target": "new"}
