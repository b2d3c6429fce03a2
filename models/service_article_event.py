from datetime import timedelta

from odoo import api, fields, models, tools
from odoo.tools.misc import hash_sign, verify_hash_signed

# the settings module is imported first (models/__init__.py): importing it
# here leaves the order in which models are set up as it is
from .res_config_settings import RETENTION_DEFAULT_DAYS, RETENTION_PARAM

QUERY_MAX_LENGTH = 200
# rows one browser session may write: a visitor reading and typing writes a
# few dozen, a script replaying its cookie no more than this
SESSION_MAX_EVENTS = 200
GC_BATCH_SIZE = 10000
# logged once per session and article: the deflection report counts sessions
ONCE_PER_SESSION = ("suggestion_shown", "article_opened")
# the suggestions a read-only request showed come back signed, to be logged
SUGGESTION_RECEIPT_SCOPE = "service_desk.suggestion_shown"
SUGGESTION_RECEIPT_HOURS = 1

EVENT_KINDS = [
    ("suggestion_shown", "Suggestion Shown"),
    ("article_opened", "Article Opened"),
    ("ticket_submitted", "Ticket Submitted"),
]


class ServiceArticleEvent(models.Model):
    """What a customer did around the help center, one row per step: the
    raw material of the deflection report."""

    _name = "service.article.event"
    _description = "Knowledge Deflection Event"
    _order = "id desc"
    _rec_name = "kind"

    kind = fields.Selection(EVENT_KINDS, required=True, index=True)
    article_id = fields.Many2one("service.article", index="btree_not_null", ondelete="cascade")
    category_id = fields.Many2one(related="article_id.category_id", store=True)
    session_key = fields.Char(index="btree_not_null")
    user_id = fields.Many2one("res.users", ondelete="set null")
    ticket_id = fields.Many2one("service.ticket", ondelete="set null", index="btree_not_null")
    query = fields.Char()

    _session_kind_idx = models.Index("(session_key, kind, create_date)")

    @api.model
    def _record(self, kind, session_key, articles=None, ticket=None, query=None, user=None):
        """Log ``kind`` for each article (or once without article).

        Visitors write here without logging in, so what one session writes is
        bounded: a suggestion shown or an article opened is logged once per
        session and article, a session writes at most ``SESSION_MAX_EVENTS``
        rows, a query at most ``QUERY_MAX_LENGTH`` characters, and the
        autovacuum deletes rows older than the retention setting."""
        if not session_key:
            return self.browse()
        user = user or self.env.user
        if kind in ONCE_PER_SESSION:
            articles = self._not_yet_recorded(kind, session_key, articles or self.env["service.article"])
            if not articles:
                return self.browse()
        base = {
            "kind": kind,
            "session_key": session_key,
            "user_id": False if user._is_public() else user.id,
            "ticket_id": ticket.id if ticket else False,
            "query": (query or "")[:QUERY_MAX_LENGTH] or False,
        }
        values = [dict(base, article_id=article.id) for article in articles] if articles else [base]
        # sudo: visitors have no access to the log; the values are built here
        return self.sudo().create(values)

    @api.model
    def _suggestion_receipt(self, session_key, articles, query):
        """A signed note of the suggestions shown to this session for
        ``query``. /help/suggest only reads (a replica may answer it); the
        page sends the note back to have the suggestions logged, and only
        what the server showed can be logged that way."""
        if not session_key or not articles:
            return False
        values = {"key": session_key, "ids": articles.ids, "query": (query or "")[:QUERY_MAX_LENGTH]}
        # sudo: the database secret that signs the note
        return hash_sign(self.sudo().env, SUGGESTION_RECEIPT_SCOPE, values, expiration_hours=SUGGESTION_RECEIPT_HOURS)

    @api.model
    def _record_suggestion_receipt(self, receipt, session_key, user=None):
        """Log the suggestions of a note of ``_suggestion_receipt``, when it
        is genuine, recent and of this session; nothing otherwise."""
        values = None
        if isinstance(receipt, str) and session_key:
            try:
                # sudo: the database secret that checks the note
                values = verify_hash_signed(self.sudo().env, SUGGESTION_RECEIPT_SCOPE, receipt)
            except ValueError:  # not a note at all
                values = None
        if not isinstance(values, dict) or values.get("key") != session_key:
            return self.browse()
        articles = self.env["service.article"].browse(values.get("ids") or []).exists()
        return self._record("suggestion_shown", session_key, articles=articles, query=values.get("query"), user=user)

    @api.model
    def _not_yet_recorded(self, kind, session_key, articles):
        """The articles this session has no ``kind`` row for, within the
        session's room left under ``SESSION_MAX_EVENTS``."""
        # sudo: visitors have no access to the log; only this session's rows are read
        logged = self.sudo().search_fetch(
            [("session_key", "=", session_key)], ["kind", "article_id"], limit=SESSION_MAX_EVENTS
        )
        room = SESSION_MAX_EVENTS - len(logged)
        if room <= 0:
            return articles.browse()
        articles -= logged.filtered(lambda event: event.kind == kind).article_id
        return articles[:room]

    @api.model
    def _help_center_retention_days(self):
        """Days help center activity is kept (Settings), the default for a
        missing or wrong value."""
        value = self.env["ir.config_parameter"].get_param(RETENTION_PARAM)
        try:
            days = int(value)
        except (TypeError, ValueError):
            return RETENTION_DEFAULT_DAYS
        return days if days > 0 else RETENTION_DEFAULT_DAYS

    @api.autovacuum
    def _gc_help_center_activity(self, batch_size=GC_BATCH_SIZE):
        """Forget what visitors did on the help center once the retention
        period is over: the events, and the votes of visitors without an
        account (their comments included). Articles keep their counters, users
        their votes (one per user). Returns (deleted, whether more remain)."""
        before = fields.Datetime.now() - timedelta(days=self._help_center_retention_days())
        events = self.search([("create_date", "<", before)], limit=batch_size, order="id")
        votes = self.env["service.article.vote"].search(
            [("create_date", "<", before), ("user_id", "=", False)], limit=batch_size, order="id"
        )
        events.unlink()
        votes.unlink()
        return len(events) + len(votes), len(events) == batch_size or len(votes) == batch_size


class ServiceArticleDeflectionReport(models.Model):
    """One row per article opened in a visitor's session: deflected when the
    session submitted no ticket after opening it. Averaging the rate over any
    grouping (article, category, month) gives that grouping's deflection rate."""

    _name = "service.article.deflection.report"
    _description = "Knowledge Deflection Analysis"
    _auto = False
    _order = "date desc"
    _rec_name = "article_id"

    article_id = fields.Many2one("service.article", readonly=True)
    category_id = fields.Many2one("service.article.category", readonly=True)
    date = fields.Datetime(string="Opened On", readonly=True)
    opened_count = fields.Integer(string="Sessions Opening", readonly=True)
    from_suggestion_count = fields.Integer(string="Opened From Suggestion", readonly=True)
    deflected_count = fields.Integer(string="Deflected", readonly=True)
    deflection_rate = fields.Float(string="Deflection Rate (%)", readonly=True, aggregator="avg")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(f"""
            CREATE OR REPLACE VIEW {self._table} AS (
                WITH opened AS (
                    SELECT MIN(e.id) AS id, e.article_id, e.session_key, MIN(e.create_date) AS date
                      FROM service_article_event e
                     WHERE e.kind = 'article_opened' AND e.session_key IS NOT NULL
                           AND e.article_id IS NOT NULL
                  GROUP BY e.article_id, e.session_key
                ), facts AS (
                    SELECT o.*,
                           EXISTS (SELECT 1 FROM service_article_event s
                                    WHERE s.session_key = o.session_key AND s.kind = 'suggestion_shown'
                                      AND s.article_id = o.article_id AND s.create_date <= o.date) AS suggested,
                           EXISTS (SELECT 1 FROM service_article_event t
                                    WHERE t.session_key = o.session_key AND t.kind = 'ticket_submitted'
                                      AND t.create_date >= o.date) AS submitted
                      FROM opened o
                )
                SELECT f.id, f.article_id, a.category_id, f.date,
                       1 AS opened_count,
                       CASE WHEN f.suggested THEN 1 ELSE 0 END AS from_suggestion_count,
                       CASE WHEN f.submitted THEN 0 ELSE 1 END AS deflected_count,
                       CASE WHEN f.submitted THEN 0.0 ELSE 100.0 END AS deflection_rate
                  FROM facts f
                  JOIN service_article a ON a.id = f.article_id
            )
        """)
