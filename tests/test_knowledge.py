"""Knowledge base: ranked search, the help center, votes and deflection."""

from types import SimpleNamespace
from unittest.mock import patch

from lxml import html

from odoo import http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tests import Form, HttpCase, tagged
from odoo.tools import SQL, mute_logger

from .common import KnowledgeCommon


def page_text(response):
    """What a page says, its words marked by the search or not."""
    return " ".join(html.fromstring(response.content).text_content().split())


@tagged("post_install", "-at_install")
class TestKnowledgeSearch(KnowledgeCommon):
    def test_title_match_ranks_above_body_match(self):
        # the body-only match is far more helpful, the title match still wins
        found = self.Article.search_articles("zorblax calibration")
        self.assertEqual(found[:2], self.article_title | self.article_body)
        self.assertEqual(found[0], self.article_title)

    def test_helpfulness_breaks_ties(self):
        twin = self.article_title.copy({"name": "Zorblax calibration guide"})
        twin.helpful_count = 7
        self.article_title.helpful_count = 2
        found = self.Article.search_articles("zorblax calibration guide")
        self.assertEqual(found[:2].ids, [twin.id, self.article_title.id])

    def test_prefix_of_the_word_being_typed(self):
        self.assertIn(self.article_title, self.Article.search_articles("zorblax calib"))
        self.assertIn(self.article_title, self.Article.search_articles("zorb"))
        # only the last word is a prefix: the full-text search needs whole earlier words
        self.assertFalse(
            self.Article._fulltext_ids(
                self.Article._portal_domain(),
                "en_US",
                "english",
                self.Article._tsquery_text([["zorb"], ["calib"]]),
                10,
            )
        )

    def test_typo_tolerance(self):
        self.assertTrue(self.Article._has_pg_trgm(), "pg_trgm is installed on the test cluster")
        # no full-text match for the misspelt word: the similar title is found
        self.assertEqual(self.Article.search_articles("quuxifeir")[:1], self.article_other)
        self.assertFalse(self.Article.search_articles("completely unrelated words"))

    def test_language_configuration(self):
        config = self.Article._ts_config_for_lang
        self.assertEqual(config("en_US"), "english")
        self.assertEqual(config("es_ES"), "spanish")
        self.assertEqual(config("pt_BR"), "portuguese")
        self.assertEqual(config("th_TH"), "simple")
        self.assertEqual(config("zh_CN"), "simple")
        self.assertEqual(config(False), "english")

    def test_search_in_the_users_language(self):
        self.env["res.lang"]._activate_lang("es_ES")
        self.article_other.update_field_translations("name", {"es_ES": "Garantía del cuasificador"})
        Spanish = self.Article.with_context(lang="es_ES")
        # Spanish stemming: the plural finds the singular of the translated title...
        self.assertIn(self.article_other, Spanish.search_articles("garantías"))
        # ...which the simple configuration does not do
        self.assertFalse(
            Spanish._fulltext_ids(
                self.Article._portal_domain(),
                "es_ES",
                "simple",
                Spanish._tsquery_text([["garantías"], ["del"]]),
                10,
            )
        )
        # English readers search the English title
        self.assertNotIn(self.article_other, self.Article.search_articles("garantías cuasificador"))
        # an article without translation is found by its English text
        self.assertIn(self.article_title, Spanish.search_articles("zorblax"))

    def test_indexes_serve_the_search(self):
        self.env.cr.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname IN %s",
            [("service_article_search_en_us_idx", "service_article_trgm_en_us_idx")],
        )
        self.assertEqual(len(self.env.cr.fetchall()), 2)
        self.env.cr.execute("SELECT pg_get_indexdef('service_article_search_en_us_idx'::regclass)")
        definition = self.env.cr.fetchone()[0]
        self.assertIn("USING gin (document)", definition)
        self.assertIn("'en_US'", definition)

    def test_documents_follow_the_articles(self):
        def documents(article):
            self.env.flush_all()
            self.env.cr.execute(
                "SELECT lang, document::text FROM service_article_search WHERE article_id = %s",
                [article.id],
            )
            return dict(self.env.cr.fetchall())

        self.assertIn("'zorblax':", documents(self.article_title)["en_US"])
        self.article_title.name = "Frobnicator guide"
        self.assertNotIn("'zorblax':", documents(self.article_title)["en_US"])
        self.assertIn("'frobnic':", documents(self.article_title)["en_US"])
        # a language activated later gets its documents at once
        # (French: a language neither the demo nor the fixtures activate)
        self.assertNotIn("fr_FR", documents(self.article_title))
        self.env["res.lang"]._activate_lang("fr_FR")
        self.assertIn("fr_FR", documents(self.article_title))
        self.assertIn(self.article_title, self.Article.with_context(lang="fr_FR").search_articles("frobnicator"))
        article_id = self.article_title.id
        self.article_title.unlink()
        self.assertFalse(documents(self.Article.browse(article_id)))

    def test_domain_restricts_and_bad_input(self):
        portal = self.Article._portal_domain()
        found = self.Article.search_articles("zorblax", domain=portal)
        self.assertIn(self.article_title, found)
        self.assertNotIn(self.article_internal, found)
        self.assertNotIn(self.article_draft, found)
        self.assertFalse(self.Article.search_articles(""))
        self.assertFalse(self.Article.search_articles("  !!! "))
        self.assertEqual(len(self.Article.search_articles("zorblax", limit=1)), 1)
        with self.assertRaises(UserError):
            self.Article.search_articles("zorblax", limit="many")
        # quotes and tsquery operators are plain text, never syntax
        self.assertIn(self.article_title, self.Article.search_articles("zorblax' & | ! (:*"))

    def test_article_changes_are_searchable_at_once(self):
        self.article_draft.write({"name": "Frobnicator reset"})
        self.assertEqual(self.Article.search_articles("frobnicator"), self.article_draft)
        self.article_draft.active = False
        self.assertFalse(self.Article.search_articles("frobnicator"))


@tagged("post_install", "-at_install")
class TestKnowledgeModel(KnowledgeCommon):
    def test_access_rules(self):
        agent_article = self.article_title.with_user(self.user_agent_a)
        agent_article.write({"name": "Zorblax calibration, revised"})
        created = self.Article.with_user(self.user_agent_a).create({"name": "SD new article"})
        self.assertFalse(created.is_published, "articles start as drafts")
        self.assertEqual(created.author_id, self.user_agent_a)
        with self.assertRaises(AccessError):
            created.unlink()
        created.with_user(self.user_manager).unlink()
        # agents read drafts and internal articles too
        found = self.Article.with_user(self.user_agent_a).search_articles("zorblax")
        self.assertTrue(self.article_internal | self.article_draft <= found)
        with self.assertRaises(AccessError):
            self.env["service.article.vote"].with_user(self.user_agent_a).create(
                {
                    "article_id": self.article_title.id,
                    "helpful": True,
                }
            )

    def test_customers_and_visitors_read_published_portal_articles(self):
        """Portal users, visitors and employees outside the desk read, through
        record rules, the articles of the help center and their categories,
        nothing else, and change none."""
        hidden_category = self.env["service.article.category"].create({"name": "SD Internal procedures"})
        self.article_internal.category_id = hidden_category
        portal_articles = self.article_title | self.article_body | self.article_other
        for user in (self.user_portal_a, self.user_public, self.user_internal):
            Article = self.Article.with_user(user)
            with self.subTest(user=user.login):
                found = Article.search_articles("zorblax")
                self.assertIn(self.article_title, found)
                self.assertFalse(found & (self.article_internal | self.article_draft))
                self.assertEqual(
                    Article.search([("id", "in", self.Article.search([]).ids)]) & portal_articles, portal_articles
                )
                self.assertFalse(Article.search([("is_published", "=", False)]))
                self.assertFalse(Article.search([("portal_visible", "=", False)]))
                self.assertEqual(
                    self.article_title.with_user(user).read(["name"])[0]["name"], "Zorblax calibration guide"
                )
                for article in (self.article_internal, self.article_draft):
                    with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
                        article.with_user(user).read(["name"])
                with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
                    self.article_title.with_user(user).write({"name": "Hacked"})
                with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
                    self.article_title.with_user(user).unlink()
                with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
                    Article.create({"name": "Spam"})
                with self.assertRaises(AccessError):
                    self.article_title.with_user(user).read(["source_ticket_id"])
                Category = self.env["service.article.category"].with_user(user)
                self.assertEqual(
                    Category.search([("id", "in", (self.kb_category | self.kb_subcategory | hidden_category).ids)]),
                    self.kb_category | self.kb_subcategory,
                    "categories holding help center articles, and their parents",
                )
                with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
                    hidden_category.with_user(user).read(["name"])
                with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
                    self.kb_category.with_user(user).write({"name": "Hacked"})
        self.article_other.is_published = False
        self.assertFalse(
            self.env["service.article.category"]
            .with_user(self.user_portal_a)
            .search([("id", "=", self.kb_subcategory.id)]),
            "a category without help center articles is out of sight",
        )

    def test_one_vote_per_user(self):
        article = self.article_title.with_user(self.user_portal_a).sudo()
        self.assertTrue(article.action_register_vote(True))
        self.assertFalse(article.action_register_vote(True))
        self.assertFalse(article.action_register_vote(False, comment="changed my mind"))
        self.assertEqual((self.article_title.helpful_count, self.article_title.unhelpful_count), (1, 0))
        # another customer votes too
        self.assertTrue(self.article_title.with_user(self.user_portal_b).sudo().action_register_vote(True))
        self.assertEqual(self.article_title.helpful_count, 2)
        self.assertEqual(len(self.article_title.vote_ids), 2)

    def test_one_vote_per_visitor_session(self):
        article = self.article_title.with_user(self.user_public).sudo()
        with self.assertRaises(UserError):
            article.action_register_vote(True)  # no session, no vote
        self.assertTrue(article.action_register_vote(False, session_key="visitor-1"))
        self.assertFalse(article.action_register_vote(False, session_key="visitor-1"))
        self.assertTrue(article.action_register_vote(True, session_key="visitor-2"))
        self.assertEqual((self.article_title.helpful_count, self.article_title.unhelpful_count), (1, 1))

    def test_unhelpful_comment_becomes_activity_for_author(self):
        article = self.article_title.with_user(self.user_portal_a).sudo()
        article.action_register_vote(False, comment="Which dial? There are two.")
        activity = self.article_title.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.user_agent_b)
        self.assertIn("Which dial? There are two.", str(activity.note))
        self.assertIn("Paula Portal", activity.summary)
        # a "no" without comment only counts
        self.article_body.with_user(self.user_portal_a).sudo().action_register_vote(False)
        self.assertFalse(self.article_body.activity_ids)
        self.assertEqual(self.article_body.unhelpful_count, 1)

    def test_related_articles_are_portal_ones(self):
        related = self.article_title._get_related_articles()
        self.assertIn(self.article_body, related)
        self.assertNotIn(self.article_title, related)
        self.assertNotIn(self.article_internal, related)
        self.assertNotIn(self.article_draft, related)

    def test_deflection_report(self):
        Event = self.env["service.article.event"]
        # visitor 1 opens a suggested article and leaves: deflected
        Event._record("suggestion_shown", "v1", articles=self.article_title, user=self.user_public)
        Event._record("article_opened", "v1", articles=self.article_title, user=self.user_public)
        Event._record("article_opened", "v1", articles=self.article_title, user=self.user_public)
        # visitor 2 opens it, then writes a ticket anyway
        Event._record("article_opened", "v2", articles=self.article_title, user=self.user_public)
        ticket = self._create_ticket(name="Still broken")
        Event._record("ticket_submitted", "v2", ticket=ticket, user=self.user_public)
        # visitor 3 opens another article of a subcategory and leaves
        Event._record("article_opened", "v3", articles=self.article_other, user=self.user_public)
        # no session, nothing recorded
        self.assertFalse(Event._record("article_opened", False, articles=self.article_other))
        Report = self.env["service.article.deflection.report"]
        Report.invalidate_model()
        by_article = {
            article: (opened, deflected, suggested, rate)
            for article, opened, deflected, suggested, rate in Report._read_group(
                [("article_id", "in", (self.article_title | self.article_other).ids)],
                ["article_id"],
                ["opened_count:sum", "deflected_count:sum", "from_suggestion_count:sum", "deflection_rate:avg"],
            )
        }
        self.assertEqual(by_article[self.article_title], (2, 1, 1, 50.0))
        self.assertEqual(by_article[self.article_other], (1, 1, 0, 100.0))
        by_category = dict(
            Report._read_group(
                [("category_id", "in", (self.kb_category | self.kb_subcategory).ids)],
                ["category_id"],
                ["deflection_rate:avg"],
            )
        )
        self.assertEqual(by_category, {self.kb_category: 50.0, self.kb_subcategory: 100.0})

    def test_agent_writes_an_article_in_the_form(self):
        form = Form(self.Article.with_user(self.user_agent_a))
        form.name = "SD printer lights explained"
        form.body = "<p>Green means ready.</p>"
        form.category_id = self.kb_category
        article = form.save()
        self.assertEqual(article.summary, "Green means ready.")
        self.assertFalse(article.is_published)
        article.action_publish()
        article.action_mark_reviewed()
        self.assertTrue(article.is_published)
        self.assertTrue(article.last_review_date)
        self.assertEqual(article.action_view_on_help_center()["url"], f"/help/article/{article.id}")

    def test_categories_form_a_tree(self):
        self.assertEqual(self.kb_subcategory.complete_name, "SD Gadgets / SD Gizmos")
        self.assertEqual(self.kb_category.article_count, 5)
        with self.assertRaises(UserError):
            self.kb_category.parent_id = self.kb_subcategory


@tagged("post_install", "-at_install")
class TestTicketKnowledge(KnowledgeCommon):
    def _fake_request(self, user, session):
        return SimpleNamespace(session=session, env=self.env(user=user))

    def test_ticket_from_a_help_center_session_is_recorded(self):
        Ticket = self.env["service.ticket"]
        target = "odoo.addons.service_desk.models.service_ticket_knowledge.request"
        session = {"service_desk_visitor": "visitor-42"}
        with patch(target, self._fake_request(self.user_portal_a, session)):
            ticket = Ticket.create({"name": "Zorblax still broken", "team_id": self.team_a.id})
        event = self.env["service.article.event"].search([("ticket_id", "=", ticket.id)])
        self.assertEqual(event.kind, "ticket_submitted")
        self.assertEqual(event.session_key, "visitor-42")
        self.assertEqual(event.user_id, self.user_portal_a)
        # an agent's ticket, or a session that never visited the help center, is no submission
        with patch(target, self._fake_request(self.user_agent_a, session)):
            agent_ticket = Ticket.create({"name": "Logged by phone", "team_id": self.team_a.id})
        with patch(target, self._fake_request(self.user_portal_a, {})):
            unseen_ticket = Ticket.create({"name": "Straight to the form", "team_id": self.team_a.id})
        self.assertFalse(
            self.env["service.article.event"].search(
                [("ticket_id", "in", (agent_ticket | unseen_ticket).ids)],
            )
        )

    def test_suggested_articles_from_subject_category_and_product(self):
        product = self.env["product.product"].create({"name": "SD Zorblax 3000"})
        category = self.env["service.category"].create({"name": "SD Dials", "team_id": self.team_a.id})
        by_product = self.article_other.copy({"name": "Unrelated words", "is_published": True})
        by_product.product_ids = [Command.link(product.product_tmpl_id.id)]
        by_category = self.article_other.copy({"name": "Other unrelated words", "is_published": True})
        by_category.ticket_category_ids = [Command.link(category.id)]
        ticket = self._create_ticket(name="Zorblax calibration fails")
        suggested = ticket.suggested_article_ids
        self.assertEqual(suggested[:1], self.article_title)
        self.assertIn(self.article_body, suggested)
        self.assertIn(self.article_internal, suggested, "agents see internal articles")
        self.assertNotIn(self.article_draft, suggested)
        ticket.write({"product_id": product.id, "category_id": category.id, "name": "Xqvw jjkp"})
        self.assertEqual(ticket.suggested_article_ids, by_product | by_category)
        # the agent's form shows them
        form = Form(ticket.with_user(self.user_agent_a))
        self.assertEqual(len(form.suggested_article_ids), 2)

    def test_create_article_from_resolved_ticket(self):
        ticket = self._create_ticket(name="Dial stuck", description="<p>The dial will not turn.</p>")
        with self.assertRaises(UserError):
            ticket.with_user(self.user_agent_a).action_create_article()
        ticket.with_user(self.user_agent_a).message_post(
            body="Spray a little silicone on the axis.",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        ticket.with_user(self.user_agent_a).message_post(
            body="Internal: customer was rude.",
            message_type="comment",
            subtype_xmlid="mail.mt_note",
        )
        ticket.stage_id = self.stage_resolved
        action = ticket.with_user(self.user_agent_a).action_create_article()
        article = self.Article.browse(action["res_id"])
        self.assertEqual(article.name, "Dial stuck")
        self.assertFalse(article.is_published)
        self.assertEqual(article.source_ticket_id, ticket)
        self.assertEqual(article.author_id, self.user_agent_a)
        self.assertIn("The dial will not turn.", article.body)
        self.assertIn("Spray a little silicone", article.body)
        self.assertNotIn("rude", article.body)

    def test_send_article_link_on_ticket(self):
        ticket = self._create_ticket(name="Dial stuck")
        self.article_title.with_user(self.user_agent_a).with_context(share_ticket_id=ticket.id).action_share_on_ticket()
        message = ticket.message_ids[0]
        self.assertIn(f"/help/article/{self.article_title.id}", message.body)
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_comment"))
        with self.assertRaises(UserError):
            self.article_internal.with_context(share_ticket_id=ticket.id).action_share_on_ticket()


@tagged("post_install", "-at_install")
class TestHelpCenter(HttpCase, KnowledgeCommon):
    def _vote(self, article, helpful, comment=""):
        return self.url_open(
            f"/help/article/{article.id}/vote",
            data={
                "helpful": helpful,
                "comment": comment,
                "csrf_token": http.Request.csrf_token(self),
            },
        )

    def test_page_titles_name_the_company(self):
        """The browser tab of a help center page says what it is and whose it
        is, for visitors as for signed-in customers, not "Odoo"."""
        for login in (None, self.user_portal_a.login):
            with self.subTest(login=login):
                self.authenticate(login, login)
                company = (
                    self.env.ref("base.public_user").company_id if login is None else self.user_portal_a.company_id
                )
                for url, title in (
                    ("/help", f"Help Center | {company.name}"),
                    (f"/help/category/{self.kb_category.id}", f"SD Gadgets | Help Center | {company.name}"),
                    (
                        f"/help/article/{self.article_title.id}",
                        f"Zorblax calibration guide | Help Center | {company.name}",
                    ),
                ):
                    page = html.fromstring(self.url_open(url).content)
                    self.assertEqual(page.findtext(".//title"), title, url)

    def test_public_visitor_reads_only_portal_articles(self):
        self.authenticate(None, None)
        response = self.url_open(f"/help/article/{self.article_title.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Zorblax calibration guide", response.text)
        self.assertIn("Dial maintenance", response.text, "related article listed")
        self.assertNotIn("Zorblax internal escalation notes", response.text)
        for article in (self.article_internal, self.article_draft):
            with self.subTest(article=article.name):
                self.assertEqual(self.url_open(f"/help/article/{article.id}").status_code, 404)
        self.article_body.active = False
        self.assertEqual(self.url_open(f"/help/article/{self.article_body.id}").status_code, 404)
        self.assertEqual(self.url_open("/help/article/999999999").status_code, 404)

        response = self.url_open("/help?search=zorblax")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Zorblax calibration guide", page_text(response))
        self.assertNotIn("Zorblax internal escalation notes", response.text)
        self.assertNotIn("Zorblax draft", response.text)
        response = self.url_open(f"/help/category/{self.kb_category.id}")
        self.assertIn("SD Gizmos", response.text, "subcategory with articles listed")
        self.assertIn("Quuxifier warranty", response.text, "subcategory articles included")
        empty = self.env["service.article.category"].create({"name": "SD Empty"})
        self.assertEqual(self.url_open(f"/help/category/{empty.id}").status_code, 404)

    def test_portal_user_sees_the_same(self):
        for user in (self.user_portal_a, self.user_internal, self.user_agent_a):
            with self.subTest(user=user.login):
                self.authenticate(user.login, user.login)
                self.assertEqual(self.url_open(f"/help/article/{self.article_title.id}").status_code, 200)
                self.assertEqual(self.url_open(f"/help/article/{self.article_internal.id}").status_code, 404)
                self.assertEqual(self.url_open(f"/help/article/{self.article_draft.id}").status_code, 404)
                response = self.url_open(f"/help/category/{self.kb_category.id}")
                self.assertIn("Quuxifier warranty", response.text)
                self.assertNotIn("Zorblax draft", response.text)

    def _opened(self, article):
        """The article page, and the visit its script reports."""
        self.url_open(f"/help/article/{article.id}")
        return self.make_jsonrpc_request(f"/help/article/{article.id}/opened", {})

    def test_view_and_open_events(self):
        self.authenticate(None, None)
        self._opened(self.article_title)
        self._opened(self.article_title)
        self.env.invalidate_all()
        self.assertEqual(self.article_title.view_count, 2)
        events = self.env["service.article.event"].search([("article_id", "=", self.article_title.id)])
        self.assertEqual(events.mapped("kind"), ["article_opened"], "one visit of a session is logged once")
        self.assertTrue(events.session_key)
        self.assertNotEqual(events.session_key, self.session.sid)

    def test_help_center_reads_as_the_visitor(self):
        """The pages read articles with the visitor's rights: were the help
        center's own filter lost, record rules would still hide drafts and
        internal articles."""
        Article = type(self.env["service.article"])
        self.authenticate(None, None)
        with patch.object(Article, "_portal_domain", lambda self: Domain.TRUE):
            for article in (self.article_internal, self.article_draft):
                with self.subTest(article=article.name):
                    self.assertEqual(self.url_open(f"/help/article/{article.id}").status_code, 404)
            response = self.url_open("/help?search=zorblax")
            self.assertIn("Zorblax calibration guide", page_text(response))
            self.assertNotIn("Zorblax draft", response.text)
            self.assertNotIn("Zorblax internal escalation notes", response.text)
            names = [
                row["name"] for row in self.make_jsonrpc_request("/help/suggest", {"query": "zorblax"})["articles"]
            ]
            self.assertIn("Zorblax calibration guide", names)
            self.assertNotIn("Zorblax draft", names)

    def test_suggest_route(self):
        self.authenticate(None, None)
        for index in range(6):
            self.article_title.copy({"name": f"Zorblax tip {index}", "is_published": True})
        answer = self.make_jsonrpc_request("/help/suggest", {"query": "zorblax"})
        result = answer["articles"]
        self.env.invalidate_all()
        self.assertEqual(len(result), 5)
        names = [row["name"] for row in result]
        self.assertNotIn("Zorblax internal escalation notes", names)
        self.assertNotIn("Zorblax draft", names)
        self.assertEqual(set(result[0]), {"id", "name", "summary", "url"})
        # the page sends the receipt back once it showed them
        self.make_jsonrpc_request("/help/suggest/shown", {"receipt": answer["receipt"]})
        shown = self.env["service.article.event"].search([("kind", "=", "suggestion_shown")])
        self.assertEqual(len(shown), 5)
        self.assertEqual(set(shown.mapped("query")), {"zorblax"})
        # typing on: the same suggestions are not counted twice in one session
        answer = self.make_jsonrpc_request("/help/suggest", {"query": "zorblax "})
        self.make_jsonrpc_request("/help/suggest/shown", {"receipt": answer["receipt"]})
        self.assertEqual(self.env["service.article.event"].search_count([("kind", "=", "suggestion_shown")]), 5)
        nothing = {"articles": [], "receipt": False}
        self.assertEqual(self.make_jsonrpc_request("/help/suggest", {"query": "zo"}), nothing)
        self.assertEqual(self.make_jsonrpc_request("/help/suggest", {"query": ["zorblax"]}), nothing)
        self.assertEqual(self.make_jsonrpc_request("/help/suggest", {}), nothing)

    def test_portal_vote_once(self):
        self.authenticate(self.user_portal_a.login, self.user_portal_a.login)
        response = self._vote(self.article_title, "yes")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Thank you for your feedback", response.text)
        response = self._vote(self.article_title, "no", "changed my mind")
        self.assertIn("already gave your feedback", response.text)
        self.env.invalidate_all()
        self.assertEqual((self.article_title.helpful_count, self.article_title.unhelpful_count), (1, 0))
        vote = self.article_title.vote_ids
        self.assertEqual(vote.user_id, self.user_portal_a)
        self.assertTrue(vote.helpful)
        # a bad answer, a hidden article
        self.assertIn("Choose", self._vote(self.article_body, "maybe").text)
        self.assertEqual(self._vote(self.article_internal, "yes").status_code, 404)
        self.assertFalse(self.article_internal.vote_ids)

    def test_visitor_vote_no_with_comment(self):
        self.authenticate(None, None)
        self._vote(self.article_title, "no", "The picture is missing.")
        self._vote(self.article_title, "no", "Again!")
        self.env.invalidate_all()
        self.assertEqual(self.article_title.unhelpful_count, 1)
        self.assertEqual(self.article_title.activity_ids.user_id, self.user_agent_b)
        self.assertIn("The picture is missing.", str(self.article_title.activity_ids.note))
        # a new visitor (another session) has their own vote
        self.authenticate(None, None)
        self._vote(self.article_title, "yes")
        self.env.invalidate_all()
        self.assertEqual((self.article_title.helpful_count, self.article_title.unhelpful_count), (1, 1))

    def test_article_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("es_ES")
        self.article_title.update_field_translations("name", {"es_ES": "Guía de calibración del zorblax"})
        self.user_portal_a.lang = "es_ES"
        self.authenticate(self.user_portal_a.login, self.user_portal_a.login)
        response = self.url_open(f"/help/article/{self.article_title.id}")
        self.assertIn("Guía de calibración del zorblax", response.text)
        response = self.url_open("/help?search=calibración")
        self.assertIn("Guía de calibración del zorblax", page_text(response))

    def test_vote_needs_csrf(self):
        self.authenticate(self.user_portal_a.login, self.user_portal_a.login)
        with mute_logger("odoo.http"):
            response = self.url_open(f"/help/article/{self.article_title.id}/vote", data={"helpful": "yes"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.article_title.vote_ids)

    def test_help_tour(self):
        self.start_tour("/help", "service_desk_help_tour", login=self.user_portal_a.login)
        self.env.invalidate_all()
        self.assertEqual(self.article_title.helpful_count, 1)
        self.assertEqual(self.article_title.vote_ids.user_id, self.user_portal_a)
        kinds = self.env["service.article.event"].search([("article_id", "=", self.article_title.id)]).mapped("kind")
        self.assertIn("suggestion_shown", kinds)
        self.assertIn("article_opened", kinds)


@tagged("post_install", "-at_install")
class TestHelpCenterActivityBounds(KnowledgeCommon):
    """What visitors write is bounded: per request, per session and in time."""

    def _age(self, records, days):
        records.flush_recordset()
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET create_date = now() at time zone 'UTC' - interval '1 day' * %s WHERE id IN %s",
                SQL.identifier(records._table),
                days,
                tuple(records.ids),
            )
        )
        records.invalidate_recordset(["create_date"])

    def test_old_activity_is_deleted(self):
        Event = self.env["service.article.event"]
        Vote = self.env["service.article.vote"]
        old_event = Event._record("article_opened", "old-visit", articles=self.article_title, user=self.user_public)
        new_event = Event._record("article_opened", "new-visit", articles=self.article_title, user=self.user_public)
        old_visitor_vote = Vote.create(
            {"article_id": self.article_title.id, "session_key": "old-visit", "comment": "x"}
        )
        new_visitor_vote = Vote.create({"article_id": self.article_body.id, "session_key": "new-visit"})
        old_user_vote = Vote.create({"article_id": self.article_title.id, "user_id": self.user_portal_a.id})
        for records, days in (
            (old_event, 91),
            (old_visitor_vote | old_user_vote, 91),
            (new_event, 20),
            (new_visitor_vote, 20),
        ):
            self._age(records, days)
        self.assertEqual(Event._gc_help_center_activity(), (2, False))
        self.assertFalse(old_event.exists() or old_visitor_vote.exists())
        self.assertTrue(new_event.exists(), "recent activity stays")
        self.assertEqual(
            (new_visitor_vote | old_user_vote).exists(),
            new_visitor_vote | old_user_vote,
            "recent votes stay, and a user's (one per user, kept while they are)",
        )
        self.assertEqual(self.article_title.helpful_count, 0, "counters are not votes: unchanged")

        self.env["ir.config_parameter"].set_param("service_desk.help_center_retention_days", "30")
        self._age(new_event, 31)
        Event._gc_help_center_activity()
        self.assertFalse(new_event.exists())
        self.assertTrue(new_visitor_vote.exists())

    def test_deletion_runs_in_batches(self):
        Event = self.env["service.article.event"]
        events = Event.browse()
        for index in range(5):
            events |= Event._record("ticket_submitted", f"visit-{index}", user=self.user_public)
        self._age(events, 100)
        self.assertEqual(Event._gc_help_center_activity(batch_size=3), (3, True))
        self.assertEqual(Event._gc_help_center_activity(batch_size=3), (2, False))
        self.assertFalse(events.exists())

    def test_retention_setting(self):
        Settings = self.env["res.config.settings"]
        self.assertEqual(Settings.create({}).service_help_center_retention_days, 90)
        for bad in (0, -5):
            with self.subTest(days=bad), self.assertRaises(ValidationError):
                Settings.create({"service_help_center_retention_days": bad})
        Settings.create({"service_help_center_retention_days": 45}).execute()
        self.assertEqual(self.env["ir.config_parameter"].get_param("service_desk.help_center_retention_days"), "45")
        self.assertEqual(self.env["service.article.event"]._help_center_retention_days(), 45)
        self.env["ir.config_parameter"].set_param("service_desk.help_center_retention_days", "soon")
        self.assertEqual(
            self.env["service.article.event"]._help_center_retention_days(), 90, "a bad value: the default"
        )
        arch = Settings.get_view(view_type="form")["arch"]
        self.assertIn('name="service_help_center_retention_days"', arch)

    def test_each_session_writes_a_bounded_number_of_rows(self):
        Event = self.env["service.article.event"]
        for _ in range(3):
            Event._record("article_opened", "busy-visit", articles=self.article_title, user=self.user_public)
        self.assertEqual(Event.search_count([("session_key", "=", "busy-visit")]), 1)
        long_query = "zorblax " * 100
        shown = Event._record(
            "suggestion_shown", "busy-visit", articles=self.article_body, query=long_query, user=self.user_public
        )
        self.assertEqual(len(shown.query), 200)
        articles = self.Article.browse()
        for index in range(6):
            articles |= self.article_other.copy({"name": f"Zorblax tip {index}", "is_published": True})
        with patch("odoo.addons.service_desk.models.service_article_event.SESSION_MAX_EVENTS", 5):
            for article in articles:
                Event._record("article_opened", "busy-visit", articles=article, user=self.user_public)
            Event._record("suggestion_shown", "busy-visit", articles=articles, query="tip", user=self.user_public)
        self.assertEqual(Event.search_count([("session_key", "=", "busy-visit")]), 5)
