from odoo import api, fields, models, tools

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
        """Log ``kind`` for each article (or once without article)."""
        if not session_key:
            return self.browse()
        user = user or self.env.user
        if kind == "suggestion_shown" and articles:
            # a customer typing sees the same suggestion many times: once is what counts
            already = (
                self.sudo()
                .search(
                    [
                        ("kind", "=", kind),
                        ("session_key", "=", session_key),
                        ("article_id", "in", articles.ids),
                    ]
                )
                .article_id
            )
            articles -= already
            if not articles:
                return self.browse()
        base = {
            "kind": kind,
            "session_key": session_key,
            "user_id": False if user._is_public() else user.id,
            "ticket_id": ticket.id if ticket else False,
            "query": (query or "")[:200] or False,
        }
        values = [dict(base, article_id=article.id) for article in articles] if articles else [base]
        return self.sudo().create(values)


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
