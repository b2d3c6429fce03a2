"""Every customer language searchable: Thai and Chinese words found inside
sentences (segmentation.py), in the knowledge base, the help center, the
portal suggestions and the ticket search; the desk keeps working without
PyICU."""

import json
from unittest.mock import patch

from lxml import html

from odoo.fields import Domain
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL, mute_logger
from odoo.tools.safe_eval import safe_eval

from odoo.addons.service_desk import segmentation

from .common import KnowledgeCommon, ServiceDeskCommon

THAI_TITLE = "เครื่องพิมพ์มีกระดาษติดบ่อย"  # the printer often jams
THAI_BODY = "ถ้ากระดาษติดทุกวัน ให้เก็บกระดาษในห่อและอัปเดตเฟิร์มแวร์ของเครื่องพิมพ์"
CHINESE_TITLE = "打印机经常卡纸怎么办"  # what to do when the printer often jams
CHINESE_BODY = "如果每天都卡纸，请把纸放回包装里，并把打印机的固件升级到最新版本。"


def without_icu():
    """The desk as it runs on a server where PyICU is not installed."""
    return patch.object(segmentation, "icu", None)


@tagged("post_install", "-at_install")
class TestSegmentation(KnowledgeCommon):
    """The words of a text, the terms of a query, the marks of a match."""

    def test_thai_and_chinese_words_inside_sentences(self):
        self.assertTrue(segmentation.is_available(), "PyICU is installed where the tests run (tools/common.sh)")
        self.assertEqual(segmentation.segment(THAI_TITLE), ["เครื่องพิมพ์", "มี", "กระดาษ", "ติด", "บ่อย"])
        self.assertIn("卡", segmentation.segment(CHINESE_TITLE))
        self.assertIn("经常", segmentation.segment(CHINESE_TITLE))
        # Thai vowel and tone marks belong to their word (Python's \w splits at them)
        self.assertEqual(segmentation.split_runs("ติด บ่อย"), ["ติด", "บ่อย"])

    def test_query_terms_mixed_scripts_and_bad_input(self):
        self.assertEqual(
            segmentation.query_terms("LP-400 กระดาษติด"),
            [["LP"], ["400"], ["กระดาษ", "ติด"]],
        )
        self.assertEqual(
            segmentation.tsquery_text(segmentation.query_terms("LP-400 กระดาษติด")),
            "'LP' & '400' & ('กระดาษ' <-> 'ติด':*)",
        )
        for nothing in ("", "   ", "!!! ... ???", "😀🎉👍", "''':*&|!()"):
            self.assertEqual(segmentation.query_terms(nothing), [], nothing)
        # bounded: ten terms, 32 words, 50 characters a word
        long_query = " ".join(["กระดาษติดบ่อยมาก"] * 50) + " " + "x" * 500
        terms = segmentation.query_terms(long_query)
        self.assertLessEqual(len(terms), 10)
        self.assertLessEqual(sum(len(term) for term in terms), 32)
        self.assertLessEqual(max(len(word) for term in terms for word in term), 50)
        # emoji between words: surrogate pairs do not shift what ICU finds
        self.assertEqual(segmentation.query_terms("🎉กระดาษติด🎉"), [["กระดาษ", "ติด"]])

    def test_highlight_marks_the_matched_words(self):
        terms = segmentation.query_terms("กระดาษติด")
        self.assertEqual(
            segmentation.highlight(THAI_TITLE + " <b>", terms),
            "เครื่องพิมพ์มี<mark>กระดาษ</mark><mark>ติด</mark>บ่อย &lt;b&gt;",
        )
        spanish = segmentation.highlight("Las garantías del router", segmentation.query_terms("garantía rout"))
        self.assertEqual(spanish, "Las <mark>garantías</mark> del <mark>router</mark>")
        long_text = "palabra " * 100 + "router " + "palabra " * 100
        excerpt = segmentation.highlight(long_text, segmentation.query_terms("router"), 80)
        self.assertIn("<mark>router</mark>", excerpt)
        self.assertLess(len(excerpt), 120)
        self.assertTrue(excerpt.startswith("\u2026"))


@tagged("post_install", "-at_install")
class TestKnowledgeSearchLanguages(KnowledgeCommon):
    """Thai and Chinese articles found by the words inside their sentences."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in ("th_TH", "zh_CN", "es_ES"):
            cls.env["res.lang"]._activate_lang(code)

        def article(title, body, lang):
            created = cls.Article.create(
                {
                    "name": "SD Printer jam",
                    "body": "<p>SD english</p>",
                    "is_published": True,
                    "author_id": cls.user_agent_b.id,
                }
            )
            created.update_field_translations("name", {lang: title})
            created.update_field_translations("body", {lang: {"SD english": body}})
            return created

        cls.article_thai = article(THAI_TITLE, THAI_BODY, "th_TH")
        cls.article_chinese = article(CHINESE_TITLE, CHINESE_BODY, "zh_CN")
        cls.Thai = cls.Article.with_context(lang="th_TH")
        cls.Chinese = cls.Article.with_context(lang="zh_CN")

    def test_thai_word_inside_the_title(self):
        self.assertEqual(self.article_thai.with_context(lang="th_TH").name, THAI_TITLE)
        self.assertIn(self.article_thai, self.Thai.search_articles("กระดาษติด"))
        self.assertIn(self.article_thai, self.Thai.search_articles("บ่อย"))
        # the word being typed matches as a prefix
        self.assertIn(self.article_thai, self.Thai.search_articles("กระดาษต"))
        # words of the body, and a product code in Latin letters next to Thai words
        self.assertIn(self.article_thai, self.Thai.search_articles("เฟิร์มแวร์"))
        self.article_thai.with_context(lang="th_TH").name = "LP-400 " + THAI_TITLE
        self.assertIn(self.article_thai, self.Thai.search_articles("LP-400 กระดาษติด"))

    def test_chinese_words_inside_the_title_and_body(self):
        self.assertIn(self.article_chinese, self.Chinese.search_articles("卡纸"))
        self.assertIn(self.article_chinese, self.Chinese.search_articles("固件"))
        self.assertIn(self.article_chinese, self.Chinese.search_articles("打印机 固件"))
        # a question in other words: its words are looked for anywhere, then any of them
        self.assertIn(self.article_chinese, self.Chinese.search_articles("打印机总是卡纸"))
        self.assertNotIn(self.article_thai, self.Chinese.search_articles("卡纸"))

    def test_bad_input_answers_an_empty_list_or_results(self):
        for query in ("!!!", "😀🎉", "''':*&|!()", "กระดาษติด" * 200, "LP-400 🎉 กระดาษติด", "卡纸" * 300):
            with self.subTest(query=query[:20]):
                self.assertIsInstance(self.Thai.search_articles(query).ids, list)
        self.assertFalse(self.Thai.search_articles("😀🎉"))
        self.assertIn(self.article_thai, self.Thai.search_articles("🎉 กระดาษติด 🎉"))

    def test_english_readers_search_the_english_text(self):
        self.assertFalse(self.Article.with_context(lang="en_US").search_articles("กระดาษติด"))
        self.assertIn(self.article_thai, self.Article.with_context(lang="en_US").search_articles("printer jam"))

    def _document(self, article, lang):
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT document::text, pending_segmentation FROM service_article_search
                WHERE article_id = %s AND lang = %s""",
            [article.id, lang],
        )
        return self.env.cr.fetchone()

    def test_documents_segmented_on_every_write(self):
        document, pending = self._document(self.article_thai, "th_TH")
        self.assertFalse(pending)
        self.assertIn("'กระดาษ'", document)
        self.assertNotIn(f"'{THAI_TITLE}'", document)
        # a translation saved from the translation dialog
        self.article_chinese.update_field_translations("name", {"th_TH": "เราเตอร์หลุดบ่อย"})
        document, pending = self._document(self.article_chinese, "th_TH")
        self.assertFalse(pending)
        self.assertIn("'หลุด'", document)
        self.assertIn(self.article_chinese, self.Thai.search_articles("หลุด"))
        # spaced languages keep their stemming configuration, unsegmented
        self.assertFalse(self._document(self.article_thai, "es_ES")[1])

    def _import_thai_articles(self, count):
        self.env.flush_all()
        self.env.cr.execute(
            """
            INSERT INTO service_article (name, body, sequence, active, is_published, portal_visible,
                                         create_date, write_date, create_uid, write_uid)
            SELECT jsonb_build_object('en_US', 'ไฟแดงกะพริบ ' || n), jsonb_build_object('en_US', '<p>ตลอดเวลา</p>'),
                   10, TRUE, TRUE, TRUE, now(), now(), 1, 1
              FROM generate_series(1, %s) AS n
            RETURNING id
            """,
            [count],
        )
        return self.Article.browse(row[0] for row in self.env.cr.fetchall())

    def test_articles_written_in_sql_are_segmented_by_the_cron(self):
        imported = self._import_thai_articles(1)
        self.assertTrue(self._document(imported, "th_TH")[1], "pending until the cron segments it")
        self.assertNotIn(imported, self.Thai.search_articles("กะพริบ"))
        cron = self.env.ref("service_desk.ir_cron_article_segment_documents")
        self.assertEqual(cron.code, "model._cron_segment_pending_documents()")
        self.Article._cron_segment_pending_documents()
        self.assertFalse(self._document(imported, "th_TH")[1])
        self.assertIn(imported, self.Thai.search_articles("กะพริบ"))

    def _documents_read(self):
        """Rows of the articles and of their documents this transaction read so far."""
        self.env.cr.execute(
            """SELECT COALESCE(SUM(COALESCE(seq_tup_read, 0) + COALESCE(idx_tup_fetch, 0)), 0)
                 FROM pg_stat_xact_user_tables
                WHERE relname IN ('service_article', 'service_article_search')"""
        )
        return self.env.cr.fetchone()[0]

    def test_segmenting_reads_its_own_documents_when_statistics_are_stale(self):
        """A bulk import over rows the planner statistics never saw (analyzed
        after rolled-back rows only: the tables look empty, however many
        pages they span) is segmented one batch at a time through the keys,
        not by reading every document for each batch."""
        cr = self.env.cr
        savepoint = cr.savepoint()
        self._import_thai_articles(600)
        savepoint.close(rollback=True)
        cr.execute("ANALYZE service_article, service_article_search")
        # the statistics of what the test leaves, not of rows that never were
        self.addCleanup(cr.execute, "ANALYZE service_article, service_article_search")
        self._import_thai_articles(300)._segment_pending_documents()
        cr.execute("SELECT count(*) FROM service_article_search")
        documents = cr.fetchone()[0]
        self.assertGreater(documents, 600)

        imported = self._import_thai_articles(2)
        before = self._documents_read()
        self.assertEqual(imported._segment_pending_documents(), 4, "Thai and Chinese documents of two articles")
        self.assertLess(self._documents_read() - before, 40, f"read among {documents} documents")
        self.assertIn(imported[0], self.Thai.search_articles("กะพริบ ตลอด"))

    def test_without_pyicu_the_desk_searches_as_before(self):
        with without_icu(), mute_logger("odoo.addons.service_desk.models.service_article"):
            self.assertFalse(segmentation.is_available())
            self.assertEqual(segmentation.engine(), "none")
            # a whole phrase is one word: found as a whole, never an error
            self.assertEqual(segmentation.query_terms("กระดาษติด"), [["กระดาษติด"]])
            self.assertIsInstance(self.Thai.search_articles("กระดาษติด").ids, list)
            self.assertIn(self.article_thai, self.Thai.search_articles(THAI_TITLE))
            # articles saved meanwhile are indexed the PostgreSQL way, found by their phrases
            self.article_thai.with_context(lang="th_TH").name = "ไฟแดงกะพริบ"
            self.assertIn(self.article_thai, self.Thai.search_articles("ไฟแดงกะพริบ"))
            settings = self.env["res.config.settings"].create({})
            self.assertFalse(settings.service_word_segmentation)
        # with PyICU back, an upgrade segments every document again
        self.Article._ensure_search_indexes()
        self.assertIn(self.article_thai, self.Thai.search_articles("กะพริบ"))
        self.assertTrue(self.env["res.config.settings"].create({}).service_word_segmentation)


@tagged("post_install", "-at_install")
class TestTicketSearchLanguages(ServiceDeskCommon):
    """Agents find tickets by a Thai or Chinese word of the subject or the
    description, through an index."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket_thai = cls._create_ticket(name=THAI_TITLE, description=f"<p>{THAI_BODY}</p>")
        cls.ticket_chinese = cls._create_ticket(name="SD LP-400 problem", description=f"<p>{CHINESE_BODY}</p>")

    def found(self, text, among=None):
        """The tickets of this test the search finds (the demo's are left out)."""
        among = (among or self.env["service.ticket"]) | self.ticket_thai | self.ticket_chinese
        return self.env["service.ticket"].search([("text_search", "ilike", text), ("id", "in", among.ids)])

    def test_words_of_subject_and_description(self):
        self.assertEqual(self.found("กระดาษติด"), self.ticket_thai)
        self.assertEqual(self.found("เฟิร์มแวร์"), self.ticket_thai)
        self.assertEqual(self.found("卡纸"), self.ticket_chinese)
        self.assertEqual(self.found("固件"), self.ticket_chinese)
        self.assertEqual(self.found("lp-400 固件"), self.ticket_chinese)
        self.assertEqual(self.found("problem"), self.ticket_chinese)
        self.assertEqual(self.found("probl"), self.ticket_chinese)
        self.assertFalse(self.found("กระดาษติด 固件"))
        for nothing in ("!!!", "😀"):
            self.assertFalse(self.found(nothing))
        # a changed description is searched at once
        self.ticket_chinese.description = "<p>路由器断线</p>"
        self.assertFalse(self.found("固件"))
        self.assertEqual(self.found("路由器"), self.ticket_chinese)

    def test_search_box_finds_by_words_number_and_email(self):
        view = self.env.ref("service_desk.service_ticket_view_search")
        arch = html.fromstring(view.arch_db.encode())
        filter_domain = arch.xpath("//field[@name='name']")[0].get("filter_domain")
        self.assertIn("text_search", filter_domain)
        Ticket = self.env["service.ticket"]
        for typed, ticket in (("กระดาษติด", self.ticket_thai), (self.ticket_chinese.number, self.ticket_chinese)):
            domain = Domain(safe_eval(filter_domain, {"self": typed}))
            self.assertIn(ticket, Ticket.search(domain))

    def test_search_uses_the_index(self):
        Ticket = self.env["service.ticket"]
        query = Ticket._search(Domain("text_search", "ilike", "กระดาษติด"))
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        self.env.cr.execute(SQL("EXPLAIN %s", query.select()))
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.assertIn("service_ticket_search_words_idx", plan)

    def test_erased_customer_leaves_no_searchable_words(self):
        contact = self.customer_a_contact
        contact.name = "สมชาย ใจดี"
        ticket = self._create_ticket(
            partner_id=contact.id,
            name="คำขอ: สมชาย ใจดี",
            description="<p>สมชาย ใจดี โทรมาเรื่องกระดาษติด</p>",
        )
        self.assertEqual(self.found("สมชาย", ticket), ticket)
        ticket.stage_id = self.stage_closed
        contact.with_user(self.user_manager).action_service_erase("Customer asked by email")
        self.assertFalse(self.found("สมชาย", ticket))
        ticket.invalidate_recordset()
        self.assertNotIn("สมชาย", ticket.search_words)
        self.assertEqual(self.found("กระดาษติด", ticket), ticket | self.ticket_thai)

    def test_without_pyicu_thai_is_searched_as_a_substring(self):
        with without_icu():
            self.assertEqual(self.found("กระดาษติด"), self.ticket_thai)
            self.assertEqual(self.found("固件"), self.ticket_chinese)
            self.assertEqual(self.found("problem"), self.ticket_chinese)


@tagged("post_install", "-at_install")
class TestHelpCenterLanguages(HttpCase, KnowledgeCommon):
    """The help center and its suggestions speak the page's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("th_TH")
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.article_title.update_field_translations("name", {"th_TH": THAI_TITLE})
        cls.article_title.update_field_translations(
            "body", {"th_TH": {"Turn the dial until the light is steady.": THAI_BODY}}
        )

    def suggest(self, query, lang=None):
        params = {"query": query}
        if lang:
            params["lang"] = lang
        response = self.url_open(
            "/help/suggest",
            data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}),
            headers={"Content-Type": "application/json"},
        )
        return response.json()["result"]["articles"]

    def test_suggestions_in_the_page_language(self):
        found = {item["id"]: item for item in self.suggest("กระดาษติด", lang="th-TH")}
        self.assertIn(self.article_title.id, found)
        self.assertEqual(found[self.article_title.id]["name"], THAI_TITLE)
        self.assertEqual(found[self.article_title.id]["summary"], THAI_BODY)
        # an English page, or a language that is not installed: English
        self.assertEqual(self.suggest("zorblax calibration")[0]["name"], "Zorblax calibration guide")
        self.assertEqual(self.suggest("zorblax calibration", lang="xx-YY")[0]["name"], "Zorblax calibration guide")
        self.assertEqual(self.suggest("!!!", lang="th-TH"), [])
        # two characters are a Chinese word, not two Latin letters
        self.assertEqual(self.suggest("zo"), [])
        self.article_title.update_field_translations("name", {"zh_CN": CHINESE_TITLE})
        found = self.suggest("卡纸", lang="zh-CN")
        self.assertIn(CHINESE_TITLE, [item["name"] for item in found])

    def test_help_center_marks_the_matched_words(self):
        page = self.url_open("/th/help?search=กระดาษติด")
        self.assertEqual(page.status_code, 200)
        tree = html.fromstring(page.content)
        items = tree.xpath("//div[contains(@class, 'o_service_help_results')]/a")
        found = {item.get("href"): item for item in items}
        self.assertIn(self.article_title.portal_url, found)
        item = found[self.article_title.portal_url]
        self.assertEqual(" ".join(item.text_content().split()), f"{THAI_TITLE} {THAI_BODY}")
        # the title's words, then the body's: "paper" alone is a matched word too
        self.assertEqual([mark.text for mark in item.xpath(".//mark")], ["กระดาษ", "ติด", "กระดาษ", "ติด", "กระดาษ"])

    def test_portal_scripts_are_translated(self):
        self.assertIn("service_desk", self.env["ir.http"]._get_translation_frontend_modules_name())

    def test_thai_suggestion_tour(self):
        self.start_tour(
            "/th/my/service/tickets/new",
            "service_desk_portal_suggest_thai_tour",
            login=self.user_portal_a.login,
        )
