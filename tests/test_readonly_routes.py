"""What Odoo may serve from a PostgreSQL replica, and what it may not.

Routes marked ``readonly`` and model methods marked ``@api.readonly`` run in
a read-only transaction: on the replica when ``--db_replica_host`` is set.
Odoo's test cursors simulate it (``SET TRANSACTION READ ONLY``): a read-only
request that writes fails there, and Odoo retries it with a read/write
cursor. So a request was served read-only when it opened no read/write
cursor at all; `assertServedReadonly` checks that, and fails on the refused
write with what PostgreSQL said. Routes that write must stay read/write
(`TestRouteModes`).
"""

import logging
import threading
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from lxml import html

from odoo import Command, fields, http
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger
from odoo.tools.misc import hash_sign

from odoo.addons.service_desk.models.service_article_event import SUGGESTION_RECEIPT_SCOPE

from .common import FIXTURE_CONTEXT, ServiceDeskPortalCommon

READONLY = "read-only"
READ_WRITE = "read/write"
AFTER_WRITE = "read-only unless just written"


class _RefusedWrites(logging.Handler):
    """What Odoo logs when a read-only request wrote and is retried."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        message = record.getMessage()
        if "read-only transaction" in message:
            self.messages.append(message.splitlines()[0])


class ReadonlyCase(HttpCase, ServiceDeskPortalCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, **FIXTURE_CONTEXT))
        today = fields.Date.context_today(env.user)
        cls.article = env["service.article"].create(
            {
                "name": "Zorblax calibration guide",
                "body": "<p>Turn the zorblax dial until the light is steady.</p>",
                "category_id": env["service.article.category"].create({"name": "SD Gadgets"}).id,
                "is_published": True,
                "author_id": cls.user_agent_b.id,
            }
        )
        cls.warranty = env["service.warranty"].create(
            {
                "partner_id": cls.customer_a.id,
                "product_id": cls.product.id,
                "lot_id": cls.lot_a.id,
                "start_date": today - relativedelta(months=2),
                "months": 12,
            }
        )
        policy = env["service.sla.policy"].create(
            {
                "name": "SD Replica Care",
                "sequence": 900,
                "partner_ids": [Command.link(cls.customer_a.id)],
                "first_response_hours": 2,
                "resolution_hours": 16,
            }
        )
        cls.contract = env["service.contract"].create(
            {
                "name": "SD-CARE-REPLICA",
                "partner_id": cls.customer_a.id,
                "sla_policy_id": policy.id,
                "date_start": today - relativedelta(months=1),
                "date_end": today + relativedelta(months=11),
                "product_ids": [Command.link(cls.product.id)],
            }
        )

    @contextmanager
    def _served_modes(self):
        """How Odoo served each request of the block, as it logs it: "ro"
        (a read-only transaction, the replica's), "rw" (a read/write route),
        "ro->rw" (a read-only route that wrote, retried read/write)."""
        modes = []
        serve_db = http.Request._serve_db

        def serve_and_note(request):
            thread = threading.current_thread()
            thread.cursor_mode = None
            try:
                return serve_db(request)
            finally:
                modes.append(thread.cursor_mode)

        with patch.object(http.Request, "_serve_db", serve_and_note):
            yield modes

    @contextmanager
    def assertServedReadonly(self):
        """The requests of the block were served by read-only transactions,
        with no write refused and retried."""
        refused = _RefusedWrites()
        http_logger = logging.getLogger("odoo.http")
        http_logger.addHandler(refused)
        try:
            with self._served_modes() as modes, mute_logger("odoo.sql_db"):
                yield
        finally:
            http_logger.removeHandler(refused)
        self.assertFalse(refused.messages, "the read-only request wrote")
        self.assertTrue(modes, "no request reached the database")
        self.assertEqual(set(modes), {"ro"}, "the request was not served read-only")

    @contextmanager
    def assertServedReadWrite(self):
        with self._served_modes() as modes:
            yield
        self.assertIn("rw", modes, "the request was served by a read-only transaction")

    def _ratings(self, ticket):
        return self.env["rating.rating"].search([("res_model", "=", ticket._name), ("res_id", "=", ticket.id)])

    def _resolve_unrated(self, ticket):
        """Resolved, without the rating its resolution email asks for."""
        ticket.action_resolve()
        self.env.flush_all()
        self.env.cr.flush()  # the email goes with the stage's tracking
        self._ratings(ticket).unlink()

    def _get(self, url, status=200):
        with self.assertServedReadonly():
            response = self.url_open(url, allow_redirects=False)
        self.assertEqual(response.status_code, status, url)
        return response

    def _rpc(self, url, params):
        with self.assertServedReadonly():
            return self.make_jsonrpc_request(url, params)

    def _call(self, model, method, args, kwargs=None):
        return self._rpc(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def _button(self, model, method, record_id):
        return self._rpc(
            f"/web/dataset/call_button/{model}/{method}",
            {"model": model, "method": method, "args": [[record_id]], "kwargs": {}},
        )


@tagged("post_install", "-at_install")
class TestRouteModes(ReadonlyCase):
    """Each route of the desk is declared as it must be served."""

    ROUTES = (
        # help center
        ("/help", "GET", READONLY),
        ("/help/category/1", "GET", READONLY),
        ("/help/article/1", "GET", READONLY),
        ("/help/suggest", "POST", READONLY),
        ("/help/article/1/opened", "POST", READ_WRITE),
        ("/help/suggest/shown", "POST", READ_WRITE),
        ("/help/article/1/vote", "POST", READ_WRITE),
        # customer portal
        ("/my/service/tickets", "GET", READONLY),
        ("/my/service/tickets/page/2", "GET", READONLY),
        ("/my/service/tickets/1", "GET", AFTER_WRITE),
        ("/my/service/tickets/1/attachment/1", "GET", READONLY),
        ("/my/service/tickets/new", "GET", READONLY),
        ("/my/service/tickets/new", "POST", READ_WRITE),
        ("/my/service/tickets/1/reply", "POST", READ_WRITE),
        ("/my/service/tickets/1/confirm", "POST", READ_WRITE),
        ("/my/service/tickets/1/reopen", "POST", READ_WRITE),
        ("/my/service/tickets/1/rate", "POST", READ_WRITE),
        ("/my/service/preferences", "GET", AFTER_WRITE),
        ("/my/service/preferences", "POST", READ_WRITE),
        ("/my/service/remedy", "GET", READONLY),
        ("/my/service/remedy", "POST", READ_WRITE),
        ("/my/service/warranties", "GET", READONLY),
        ("/my/service/warranties/page/2", "GET", READONLY),
        ("/my/service/warranties/1", "GET", READONLY),
        ("/my/service/contracts", "GET", READONLY),
        ("/my/service/contracts/page/2", "GET", READONLY),
        ("/my/service/contracts/1", "GET", READONLY),
        ("/my/service/export", "GET", READONLY),
        ("/service_desk/partner/1/export", "GET", READONLY),
        # API
        ("/service_desk/api/v1/tickets/SD00001", "GET", READONLY),
        ("/service_desk/api/v1/tickets", "POST", READ_WRITE),
        ("/service_desk/api/v1/tickets/SD00001/messages", "POST", READ_WRITE),
    )

    def test_routes_are_declared_as_they_must_be_served(self):
        with patch.object(threading.current_thread(), "dbname", self.env.cr.dbname, create=True):
            urls = self.env["ir.http"].routing_map().bind("localhost")
        for path, method, expected in self.ROUTES:
            with self.subTest(path=path, method=method):
                rule, __ = urls.match(path, method=method, return_rule=True)
                readonly = rule.endpoint.routing["readonly"]
                if expected == AFTER_WRITE:
                    self.assertTrue(callable(readonly))
                else:
                    self.assertIs(readonly, expected == READONLY)

    def test_the_check_catches_a_read_that_writes(self):
        """Were a read-only page to write as it reads, the check fails."""
        Article = self.registry["service.article"]
        related = Article._get_related_articles

        def related_and_counted(article, *args, **kwargs):
            article._increment_counter("view_count")
            return related(article, *args, **kwargs)

        with patch.object(Article, "_get_related_articles", related_and_counted), self.assertRaises(AssertionError):
            self._get(f"/help/article/{self.article.id}")


@tagged("post_install", "-at_install")
class TestHelpCenterReadonly(ReadonlyCase):
    def _events(self, kind):
        return self.env["service.article.event"].search([("kind", "=", kind), ("article_id", "=", self.article.id)])

    def test_pages_only_read(self):
        self.authenticate(None, None)
        self._get("/help")
        self.assertIn("calibration guide", self._get("/help?search=zorblax").text)
        self._get(f"/help/category/{self.article.category_id.id}")
        page = self._get(f"/help/article/{self.article.id}")
        tree = html.fromstring(page.content)
        self.assertEqual(
            tree.xpath("//div[contains(@class, 'o_service_help_article')]/@data-article-id"), [str(self.article.id)]
        )
        self.env.invalidate_all()
        self.assertFalse(self.article.view_count, "reading the page counts nothing by itself")
        self.assertFalse(self._events("article_opened"))

    def test_the_page_reports_its_visit_in_a_write_of_its_own(self):
        self.authenticate(None, None)
        self._get(f"/help/article/{self.article.id}")
        with self.assertServedReadWrite():
            self.make_jsonrpc_request(f"/help/article/{self.article.id}/opened", {})
        self.make_jsonrpc_request(f"/help/article/{self.article.id}/opened", {})
        self.env.invalidate_all()
        self.assertEqual(self.article.view_count, 2)
        self.assertEqual(len(self._events("article_opened")), 1, "a session's visit is logged once")
        # an article the help center does not show: nothing
        self.article.is_published = False
        with mute_logger("odoo.http"):
            response = self.url_open(
                f"/help/article/{self.article.id}/opened",
                json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": {}},
            )
        self.assertIn("error", response.json())
        self.env.invalidate_all()
        self.assertEqual(self.article.view_count, 2)

    def test_suggestions_only_read_and_their_receipt_logs_them(self):
        self.authenticate(None, None)
        answer = self._rpc("/help/suggest", {"query": "zorblax dial"})
        self.assertEqual([row["id"] for row in answer["articles"]], [self.article.id])
        self.assertFalse(self._events("suggestion_shown"), "suggesting logs nothing by itself")
        with self.assertServedReadWrite():
            self.assertTrue(self.make_jsonrpc_request("/help/suggest/shown", {"receipt": answer["receipt"]}))
        shown = self._events("suggestion_shown")
        self.assertEqual(len(shown), 1)
        self.assertEqual(shown.query, "zorblax dial")
        # sent again: a session's suggestion is logged once
        self.assertFalse(self.make_jsonrpc_request("/help/suggest/shown", {"receipt": answer["receipt"]}))
        self.assertEqual(len(self._events("suggestion_shown")), 1)

    def test_only_the_sessions_own_genuine_receipt_logs(self):
        self.authenticate(None, None)
        receipt = self._rpc("/help/suggest", {"query": "zorblax dial"})["receipt"]
        forged = receipt[:-4] + ("AAAA" if not receipt.endswith("AAAA") else "BBBB")
        for bad in (forged, "not a receipt", "", 42, None):
            with self.subTest(receipt=bad):
                self.assertFalse(self.make_jsonrpc_request("/help/suggest/shown", {"receipt": bad}))
        # another visitor replaying it
        self.authenticate(None, None)
        self.assertFalse(self.make_jsonrpc_request("/help/suggest/shown", {"receipt": receipt}))
        self.assertFalse(self._events("suggestion_shown"))

    def test_an_old_receipt_logs_nothing(self):
        Event = self.env["service.article.event"]
        receipt = Event._suggestion_receipt("visit-1", self.article, "zorblax")
        self.assertTrue(Event._record_suggestion_receipt(receipt, "visit-1"))
        values = {"key": "visit-2", "ids": self.article.ids, "query": "zorblax"}
        expired = hash_sign(self.env, SUGGESTION_RECEIPT_SCOPE, values, expiration=timedelta(hours=-1))
        self.assertFalse(Event._record_suggestion_receipt(expired, "visit-2"))

    def test_nothing_to_suggest_gives_no_receipt(self):
        self.authenticate(None, None)
        self.assertEqual(self._rpc("/help/suggest", {"query": "qwxzvb"}), {"articles": [], "receipt": False})
        self.assertEqual(self._rpc("/help/suggest", {"query": "zo"}), {"articles": [], "receipt": False})


@tagged("post_install", "-at_install")
class TestPortalReadonly(ReadonlyCase):
    def test_lists_and_pages_only_read(self):
        self._login_a()
        for url in (
            "/my/service/tickets",
            "/my/service/tickets?filterby=open&groupby=stage&search=Paper",
            f"/my/service/tickets/{self.ticket_a.id}",
            "/my/service/tickets/new",
            "/my/service/preferences",
            "/my/service/remedy",
            f"/my/service/remedy?lot_id={self.lot_a.id}",
            "/my/service/warranties",
            f"/my/service/warranties/{self.warranty.id}",
            "/my/service/contracts",
            f"/my/service/contracts/{self.contract.id}",
            "/my/service/export",
        ):
            with self.subTest(url=url):
                self._get(url)
        counters = self._rpc(
            "/my/counters", {"counters": ["service_ticket_count", "service_warranty_count", "service_contract_count"]}
        )
        self.assertEqual(counters["service_warranty_count"], 1)

    def test_ticket_page_through_its_token_only_reads(self):
        self.ticket_a._portal_ensure_token()
        self.authenticate(None, None)
        page = self._get(f"/my/service/tickets/{self.ticket_a.id}?access_token={self.ticket_a.access_token}")
        self.assertIn("Paper jam", page.text)

    def test_attachment_only_reads(self):
        self.ticket_a.message_post(
            body="Photo",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachments=[("photo.txt", b"a photo")],
        )
        attachment = self.ticket_a._portal_visible_attachments()
        self._login_a()
        response = self._get(f"/my/service/tickets/{self.ticket_a.id}/attachment/{attachment.id}")
        self.assertEqual(response.content, b"a photo")

    def test_resolved_ticket_offers_its_rating_without_writing(self):
        """The page used to ask for the rating as it showed the ticket, when
        the resolution email had not: a write. It offers a form instead."""
        self._resolve_unrated(self.ticket_a)
        self._login_a()
        page = html.fromstring(self._get(f"/my/service/tickets/{self.ticket_a.id}").content)
        self.assertEqual(
            page.xpath("//form[hasclass('o_service_rate_form')]/@action"),
            [f"/my/service/tickets/{self.ticket_a.id}/rate"],
        )
        self.assertFalse(self._ratings(self.ticket_a))
        # rating it asks for the rating, then Odoo's rating page takes the score
        response = self._post(f"/my/service/tickets/{self.ticket_a.id}/rate", {"rate": "5"})
        self.assertEqual(response.status_code, 303)
        token = self._ratings(self.ticket_a).access_token
        self.assertTrue(token)
        self.assertTrue(response.headers["Location"].endswith(f"/rate/{token}/5"))
        # the rating asked for: the page links to it, still only reading
        page = self._get(f"/my/service/tickets/{self.ticket_a.id}")
        self.assertIn(f"/rate/{token}/5", page.text)
        self.assertNotIn("o_service_rate_form", page.text)

    def test_rate_form_refuses_what_may_not_be_rated(self):
        self._login_a()
        # not resolved
        response = self._post(f"/my/service/tickets/{self.ticket_a.id}/rate", {"rate": "5"})
        self.assertEqual(response.status_code, 303)
        self.assertFalse(response.headers["Location"].count("/rate/"))
        self.assertFalse(self._ratings(self.ticket_a))
        # another customer's ticket
        self._resolve_unrated(self.ticket_b)
        self.assertEqual(self._post(f"/my/service/tickets/{self.ticket_b.id}/rate", {"rate": "5"}).status_code, 404)
        self.assertFalse(self._ratings(self.ticket_b))
        # without its CSRF token
        self._resolve_unrated(self.ticket_a)
        with mute_logger("odoo.http"):
            response = self._post(f"/my/service/tickets/{self.ticket_a.id}/rate", {"rate": "5"}, csrf=False)
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._ratings(self.ticket_a))

    def test_remedy_progress_only_reads(self):
        rows = self.env["service.ticket"]._service_remedy_candidates(self.partner_portal_a)
        row = next(row for row in rows if row["lot"] == self.lot_a)
        ticket = self._portal_remedy_request(
            "return", [{"move_id": row["move"].id, "lot_id": self.lot_a.id, "quantity": 1}]
        )
        self._login_a()
        self._get(f"/my/service/tickets/{ticket.id}")

    def test_ticket_pager_links_without_making_tokens(self):
        """Odoo's record pager writes an access token on each neighbour
        without one; the ticket page's own pager links without tokens."""
        second = self._create_ticket(name="Toner smudges", partner_id=self.customer_a_contact.id)
        tickets = self.ticket_a | second
        tickets.access_token = False
        self._login_a()
        self._get("/my/service/tickets")
        page = html.fromstring(self._get(f"/my/service/tickets/{second.id}").content)
        self.assertIn(f"/my/service/tickets/{self.ticket_a.id}", page.xpath("//a/@href"))
        tickets.invalidate_recordset(["access_token"])
        self.assertFalse(any(tickets.mapped("access_token")))

    def test_the_page_after_a_write_reads_the_primary(self):
        """Right after the customer's own write, the replica may not have it
        yet: the page the form redirects to is read/write, then read-only again."""
        self._login_a()
        response = self._post("/my/service/tickets/new", self._new_ticket_form(name="Right after a read"))
        self.assertEqual(response.status_code, 303)
        location = response.headers["Location"]
        self.assertIn("message=created", location)
        with self.assertServedReadWrite():
            page = self.url_open(location)
        self.assertIn("Right after a read", page.text)
        ticket = self.env["service.ticket"].search([("name", "=", "Right after a read")])
        self.assertEqual(len(ticket), 1)
        self.assertIn("Right after a read", self._get("/my/service/tickets").text)
        self._get(f"/my/service/tickets/{ticket.id}")
        response = self._post("/my/service/preferences", {"service_preferred_channel": "phone", "phone": "+32 2 555"})
        with self.assertServedReadWrite():
            page = self.url_open(response.headers["Location"])
        self.assertIn("+32 2 555", page.text)


@tagged("post_install", "-at_install")
class TestBackOfficeReadonly(ReadonlyCase):
    """What agents and managers read through the web client: analysis
    reports, the customer's 360° view and its buttons, the service review."""

    REPORTS = (
        "service.ticket.report",
        "service.customer.report",
        "service.customer.trend.report",
        "service.rating.report",
        "service.stage.duration.report",
        "service.remedy.report",
        "service.return.rate.report",
        "service.article.deflection.report",
    )

    def test_reports_only_read(self):
        self.authenticate(self.user_manager.login, self.user_manager.login)
        for model in self.REPORTS:
            with self.subTest(model=model):
                specification = {name: {} for name in self.env[model]._fields}
                self._call(model, "web_search_read", [[]], {"specification": specification, "limit": 80})
                self._call(model, "formatted_read_group", [[]], {"groupby": [], "aggregates": ["__count"]})

    def test_report_buttons_only_read(self):
        self.ticket_a.action_resolve()
        self.ticket_a.sudo().rating_apply(1, token=self.ticket_a._rating_get_access_token(), feedback="Slow")
        self.env.flush_all()
        self.authenticate(self.user_manager.login, self.user_manager.login)
        for model, method in (
            ("service.ticket.report", "action_open_ticket"),
            ("service.customer.report", "action_open_tickets"),
            ("service.customer.report", "action_open_trend"),
            ("service.rating.report", "action_open_ticket"),
            ("service.rating.report", "action_schedule_followup"),
        ):
            with self.subTest(model=model, method=method):
                row = self.env[model].search([], limit=1)
                self.assertTrue(row)
                self.assertEqual(self._button(model, method, row.id)["type"], "ir.actions.act_window")

    def test_360_view_and_its_buttons_only_read(self):
        partner = self.customer_a
        self.authenticate(self.user_manager.login, self.user_manager.login)
        specification = {name: {} for name in partner._fields if name.startswith("service_")}
        [values] = self._call("res.partner", "web_read", [[partner.id]], {"specification": specification})
        self.assertEqual(values["service_warranty_active_count"], 1)
        for method in (
            "action_open_service_tickets",
            "action_open_service_contracts",
            "action_open_service_warranties",
            "action_open_service_sales",
            "action_open_service_trend",
            "action_open_service_returns",
            "action_open_service_credit_notes",
            "action_open_service_repairs",
        ):
            with self.subTest(method=method):
                self.assertEqual(self._button("res.partner", method, partner.id)["type"], "ir.actions.act_window")

    def test_service_review_and_data_export_only_read(self):
        self.authenticate(self.user_manager.login, self.user_manager.login)
        page = self._get(f"/report/html/service_desk.report_service_review/{self.customer_a.id}")
        self.assertIn("Service review", page.text)
        export = self._get(f"/service_desk/partner/{self.customer_a.id}/export")
        self.assertEqual(export.headers["Content-Type"], "application/zip")

    def test_forecast_reads_the_primary_that_wrote_it(self):
        """The forecast's rows are written as it opens, then read at once:
        a lagging replica would show none, or the previous ones."""
        self.authenticate(self.user_manager.login, self.user_manager.login)
        with self.assertServedReadWrite():
            action = self.make_jsonrpc_request(
                "/web/dataset/call_kw/service.volume.forecast/action_open",
                {"model": "service.volume.forecast", "method": "action_open", "args": [], "kwargs": {}},
            )
        for method, kwargs in (
            ("formatted_read_group", {"groupby": ["week_start:week"], "aggregates": ["ticket_count:sum"]}),
            ("web_search_read", {"specification": {"ticket_count": {}}}),
        ):
            with self.subTest(method=method), self.assertServedReadWrite():
                self.make_jsonrpc_request(
                    f"/web/dataset/call_kw/service.volume.forecast/{method}",
                    {
                        "model": "service.volume.forecast",
                        "method": method,
                        "args": [action["domain"]],
                        "kwargs": kwargs,
                    },
                )


@tagged("post_install", "-at_install")
class TestApiStatusReadonly(ReadonlyCase):
    def test_status_read_only_reads(self):
        expiration = fields.Datetime.now() + timedelta(hours=1)
        key = self.env["res.users.apikeys"].with_user(self.user_agent_a).sudo()._generate(None, "replica", expiration)
        self.authenticate(None, None)
        with self.assertServedReadonly():
            response = self.url_open(
                f"/service_desk/api/v1/tickets/{self.ticket_a.number}", headers={"Authorization": f"Bearer {key}"}
            )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["number"], self.ticket_a.number)
