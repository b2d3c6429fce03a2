"""Ticket search by the words of the subject and the description, in every
script: a Thai or Chinese word inside a sentence is found like an English one.

``search_words`` holds the words segmentation.py finds, one space between
them, computed before the ticket is inserted (no extra query); a GIN index over
its ``simple`` text search vector answers ``text_search``, the field behind
the search box, without reading the tickets one by one, and a second one over
the open tickets answers it among them.
"""

import logging

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL
from odoo.tools.mail import html_to_inner_content

from .. import segmentation

_logger = logging.getLogger(__name__)

SEARCH_MAX_TERMS = 10
SEARCH_MAX_WORD_LENGTH = 50


def _search_vector(column):
    """What the GIN index is built on; the search says it the same way, so
    that PostgreSQL uses the index."""
    return SQL("to_tsvector('simple'::regconfig, COALESCE(%s, ''::text))", column)


class ServiceTicket(models.Model):
    _inherit = "service.ticket"

    search_words = fields.Text(
        compute="_compute_search_words",
        store=True,
        precompute=True,
        prefetch=False,
        copy=False,
        help="The words of the subject and the description, found in every script, for the search.",
    )
    # The search box with the list's default filter (Open) looks among the open tickets only: a
    # word in a tenth of all tickets is in a tenth of the open ones too, and the index of every
    # ticket (init) would hand PostgreSQL all of them to drop the closed ones after (100 000
    # for a common word among 1 000 000 tickets, 5 000 of them open). The condition is the SQL
    # of the Open filter, as for the open indexes of service_ticket.py.
    _open_search_words_idx = models.Index(
        lambda registry: (
            f"USING gin ({_search_vector(SQL.identifier('search_words')).code}) "
            "WHERE active IS TRUE AND is_closed IS NOT TRUE"
        )
    )
    text_search = fields.Char(
        string="Subject or Description",
        compute="_compute_text_search",
        search="_search_text_search",
    )

    @api.depends("name", "description")
    def _compute_search_words(self):
        for ticket in self:
            text = f"{ticket.name or ''}\n{html_to_inner_content(ticket.description or '')}"
            ticket.search_words = segmentation.segmented_text(text) or False

    def _compute_text_search(self):
        self.text_search = False

    def _search_text_search(self, operator, value):
        """Tickets whose subject or description holds every word typed, the
        last one as a prefix. Without PyICU, a Thai or Chinese query falls
        back to a substring search of the subject and the description."""
        if operator not in ("ilike", "=") or not isinstance(value, str):
            return NotImplemented
        if not segmentation.is_available() and segmentation.has_unspaced_script(value):
            return Domain("name", "ilike", value) | Domain("description", "ilike", value)
        terms = segmentation.query_terms(value, SEARCH_MAX_TERMS, SEARCH_MAX_WORD_LENGTH)
        if not terms:
            return Domain.FALSE
        tsquery = segmentation.tsquery_text(terms)

        def to_sql(model, alias, query):
            column = model._field_to_sql(alias, "search_words", query)
            return SQL("%s @@ to_tsquery('simple'::regconfig, %s)", _search_vector(column), tsquery)

        return Domain.custom(to_sql=to_sql)

    def _segment_search_words(self):
        """Find the words of these tickets again, after their subject or
        description was rewritten in plain SQL (erasure)."""
        self.env.add_to_compute(self._fields["search_words"], self)
        self.flush_recordset(["search_words"])

    def init(self):
        super().init()
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS service_ticket_search_words_idx ON %s USING gin (%s)",
                SQL.identifier(self._table),
                _search_vector(SQL.identifier("search_words")),
            )
        )
        self._segment_search_words_again()

    def _segment_search_words_again(self):
        """When the segmenter changed (PyICU installed or upgraded), the tickets
        written in a language without spaces get their words found again."""
        # sudo: a technical parameter, read and written at install and upgrade
        ICP = self.env["ir.config_parameter"].sudo()
        engine = segmentation.engine()
        known = ICP.get_param("service_desk.ticket_search_segmenter")
        if known == engine:
            return
        if known:
            self.env.cr.execute(
                "SELECT id FROM service_ticket WHERE name ~ %(script)s OR description ~ %(script)s",
                {"script": segmentation.UNSPACED_SCRIPT_PATTERN},
            )
            tickets = self.with_context(active_test=False).browse(row[0] for row in self.env.cr.fetchall())
            _logger.info("Finding the words of %s tickets again with %s", len(tickets), engine)
            self.env.add_to_compute(self._fields["search_words"], tickets)
        ICP.set_param("service_desk.ticket_search_segmenter", engine)
