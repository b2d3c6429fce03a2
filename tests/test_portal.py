"""The customer portal: what a customer may see and do, and what it may not."""

from datetime import timedelta

from lxml import html

from odoo import Command, fields, sql_db
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import FIXTURE_CONTEXT, ServiceDeskPortalCommon


@tagged("post_install", "-at_install")
class TestPortalTicketModel(ServiceDeskPortalCommon):
    """The rules behind the portal, on the ticket."""

    def test_customer_assets_are_own_deliveries_only(self):
        Ticket = self.env["service.ticket"]
        products, lots = Ticket._portal_customer_assets(self.partner_portal_a)
        self.assertIn(self.lot_a, lots)
        self.assertNotIn(self.lot_b, lots)
        self.assertIn(self.product, products)
        __, lots_b = Ticket._portal_customer_assets(self.partner_portal_b)
        self.assertEqual(lots_b & (self.lot_a | self.lot_b), self.lot_b)

    def test_confirm_closes(self):
        self.ticket_a.action_resolve()
        self.ticket_a.with_user(self.user_portal_a).sudo().action_customer_confirm()
        self.assertEqual(self.ticket_a.stage_id, self.stage_closed)
        self.assertTrue(self.ticket_a.closed_date)

    def test_confirm_open_ticket_refused(self):
        with self.assertRaisesRegex(Exception, "not waiting for your confirmation"):
            self.ticket_a.action_customer_confirm()

    def test_reopen_needs_reason(self):
        self.ticket_a.action_resolve()
        with self.assertRaisesRegex(Exception, "why"):
            self.ticket_a.action_customer_reopen("  ")

    def test_low_rating_creates_followup_activity(self):
        self.member_a.seniority = "senior"
        self.ticket_a.partner_id = self.customer_a_contact
        self.ticket_a.action_resolve()
        token = self.ticket_a._rating_get_access_token()
        self.ticket_a.sudo().rating_apply(1, token=token, feedback="Nobody called back")
        activity = self.ticket_a.activity_ids.filtered(lambda a: a.summary == "Follow up a poor rating")
        self.assertEqual(activity.user_id, self.user_agent_a)
        self.assertIn("Nobody called back", activity.note)

    def test_resolution_email_links_to_rating(self):
        ticket = self._create_ticket(name="Needs a rating", partner_id=self.customer_a_contact.id)
        self.env.flush_all()
        self.env.cr.flush()  # changes made in the creating transaction are not tracked
        ticket.with_user(self.user_agent_a).with_context(mail_notrack=False).action_resolve()
        self.env.flush_all()
        self.env.cr.flush()
        email = ticket.message_ids.filtered(lambda m: "Resolved:" in (m.subject or ""))
        self.assertEqual(len(email), 1, "the Resolved stage sends its email")
        rating = ticket.rating_ids
        self.assertEqual(rating.partner_id, self.customer_a_contact)
        self.assertFalse(rating.consumed)
        self.assertIn(f"/rate/{rating.access_token}/1", email.body)
        self.assertIn(f"/rate/{rating.access_token}/5", email.body)

    def test_good_rating_creates_no_activity(self):
        self.member_a.seniority = "senior"
        self.ticket_a.action_resolve()
        token = self.ticket_a._rating_get_access_token()
        self.ticket_a.sudo().rating_apply(5, token=token)
        self.assertFalse(self.ticket_a.activity_ids.filtered(lambda a: a.summary == "Follow up a poor rating"))


@tagged("post_install", "-at_install")
class TestPortalControllers(HttpCase, ServiceDeskPortalCommon):
    # ------------------------------------------------------------------ reading

    def test_own_ticket_page(self):
        self._login_a()
        response = self.url_open(f"/my/service/tickets/{self.ticket_a.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Paper jam", response.text)
        self.assertIn(self.ticket_a.number, response.text)

    def test_colleague_ticket_page(self):
        """A ticket of another contact of the same company is visible."""
        colleague_ticket = self._create_ticket(name="Colleague's request", partner_id=self.customer_a.id)
        self._login_a()
        response = self.url_open(f"/my/service/tickets/{colleague_ticket.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Colleague&#39;s request", response.text)

    @mute_logger("odoo.http")
    def test_other_company_ticket_is_not_found(self):
        self._login_a()
        response = self.url_open(f"/my/service/tickets/{self.ticket_b.id}")
        self.assertEqual(response.status_code, 404)
        self.assertNotIn("Secret of customer B", response.text)
        self.assertNotIn("Confidential B", response.text)
        missing = self.url_open("/my/service/tickets/999999999")
        self.assertEqual(missing.status_code, 404)

    @mute_logger("odoo.http")
    def test_token_access(self):
        token = self.ticket_b._portal_ensure_token()
        self._login_a()
        wrong = self.url_open(f"/my/service/tickets/{self.ticket_b.id}?access_token=wrong-token")
        self.assertEqual(wrong.status_code, 404)
        self.assertNotIn("Confidential B", wrong.text)
        # a token of another ticket does not open this one
        token_a = self.ticket_a._portal_ensure_token()
        self.assertEqual(
            self.url_open(f"/my/service/tickets/{self.ticket_b.id}?access_token={token_a}").status_code, 404
        )
        self.logout()
        right = self.url_open(f"/my/service/tickets/{self.ticket_b.id}?access_token={token}")
        self.assertEqual(right.status_code, 200)
        self.assertIn("Confidential B", right.text)
        anonymous = self.url_open(f"/my/service/tickets/{self.ticket_b.id}", allow_redirects=False)
        self.assertEqual(anonymous.status_code, 303)
        self.assertIn("/web/login", anonymous.headers["Location"])

    def _attach(self, ticket, name, content, subtype_xmlid="mail.mt_comment"):
        """A file an agent sends on the ticket with a message (a public reply by default)."""
        attachment = self.env["ir.attachment"].create(
            {"name": name, "raw": content, "res_model": "service.ticket", "res_id": ticket.id}
        )
        message = ticket.message_post(
            body=f"See {name}", message_type="comment", subtype_xmlid=subtype_xmlid, attachment_ids=attachment.ids
        )
        return attachment, message

    @mute_logger("odoo.http")
    def test_attachment_only_with_ticket_access(self):
        attachment, _message = self._attach(self.ticket_b, "b-invoice.txt", b"B's invoice")
        other, _message = self._attach(self.ticket_a, "a-note.txt", b"A's note")
        token = self.ticket_b._portal_ensure_token()
        url = f"/my/service/tickets/{self.ticket_b.id}/attachment/{attachment.id}"
        self.authenticate(None, None)
        self.assertEqual(self.url_open(f"{url}?access_token={token}").content, b"B's invoice")
        self.assertEqual(self.url_open(f"{url}?access_token=wrong").status_code, 404)
        self.assertEqual(self.url_open(url).status_code, 404)
        # the ticket's token does not open another ticket's file
        self.assertEqual(
            self.url_open(
                f"/my/service/tickets/{self.ticket_b.id}/attachment/{other.id}?access_token={token}"
            ).status_code,
            404,
        )
        self._login_a()
        self.assertEqual(self.url_open(url).status_code, 404)

    @mute_logger("odoo.http")
    def test_internal_note_files_are_not_shown(self):
        """Files of agents' internal notes (or of messages kept to employees, or
        added on the ticket without a message) are neither listed nor served;
        files of public replies and the customer's own uploads are."""
        ticket = self.ticket_a
        note_file, _note = self._attach(ticket, "internal-diagnosis.txt", b"agents only", "mail.mt_note")
        employee_file, employee_message = self._attach(ticket, "employee-only.txt", b"employees only")
        employee_message.is_internal = True
        loose_file = self.env["ir.attachment"].create(
            {"name": "loose-file.txt", "raw": b"no message", "res_model": "service.ticket", "res_id": ticket.id}
        )
        reply_file, _reply = self._attach(ticket, "public-manual.txt", b"public manual")
        self._login_a()
        response = self._post(
            f"/my/service/tickets/{ticket.id}/reply",
            {"message": "Here are my logs"},
            files={"attachments": ("my-logs.txt", b"customer logs", "text/plain")},
        )
        self.assertEqual(response.status_code, 303)
        own_file = self.env["ir.attachment"].search(
            [("res_model", "=", "service.ticket"), ("res_id", "=", ticket.id), ("name", "=", "my-logs.txt")]
        )
        self.assertEqual(own_file.raw, b"customer logs")

        def url(attachment, token=None):
            query = f"?access_token={token}" if token else ""
            return f"/my/service/tickets/{ticket.id}/attachment/{attachment.id}{query}"

        def check(token=None):
            page = self.url_open(self._ticket_page(ticket, token))
            self.assertEqual(page.status_code, 200)
            for hidden in (note_file, employee_file, loose_file):
                self.assertNotIn(hidden.name, page.text)
                self.assertNotIn(f"/attachment/{hidden.id}", page.text)
                response = self.url_open(url(hidden, token))
                self.assertEqual(response.status_code, 404)
                self.assertNotIn(hidden.raw, response.content)
            for shown in (reply_file, own_file):
                self.assertIn(shown.name, page.text)
                self.assertIn(f"/attachment/{shown.id}", page.text)
                self.assertEqual(self.url_open(url(shown, token)).content, shown.raw)

        check()
        # the same with the ticket's token, not logged in
        self.authenticate(None, None)
        check(ticket._portal_ensure_token())

    @staticmethod
    def _ticket_page(ticket, token=None):
        return f"/my/service/tickets/{ticket.id}" + (f"?access_token={token}" if token else "")

    def test_list_shows_own_company_only(self):
        self._login_a()
        response = self.url_open("/my/service/tickets")
        self.assertEqual(response.status_code, 200)
        self.assertIn("Paper jam", response.text)
        self.assertNotIn("Secret of customer B", response.text)

    def test_list_filters_and_search(self):
        waiting = self._create_ticket(
            name="Waiting for my logs", partner_id=self.customer_a_contact.id, stage_id=self.stage_waiting.id
        )
        resolved = self._create_ticket(name="Fixed toner", partner_id=self.customer_a_contact.id)
        resolved.action_resolve()
        self._login_a()
        page = self.url_open("/my/service/tickets?filterby=waiting").text
        self.assertIn(waiting.name, page)
        self.assertNotIn("Paper jam", page)
        page = self.url_open("/my/service/tickets?filterby=resolved").text
        self.assertIn("Fixed toner", page)
        self.assertNotIn("Paper jam", page)
        page = self.url_open("/my/service/tickets?filterby=open&groupby=stage&sortby=update").text
        self.assertIn("Paper jam", page)
        self.assertNotIn("Fixed toner", page)
        page = self.url_open("/my/service/tickets?search=toner&search_in=name").text
        self.assertIn("Fixed toner", page)
        self.assertNotIn("Paper jam", page)
        page = self.url_open("/my/service/tickets?filterby=nonsense&sortby=nonsense&groupby=nonsense")
        self.assertEqual(page.status_code, 200)

    def test_home_counter(self):
        self._login_a()
        response = self.url_open("/my/counters", json={"params": {"counters": ["service_ticket_count"]}})
        self.assertEqual(response.json()["result"]["service_ticket_count"], 1)

    def test_home_cards_have_their_own_icon_and_a_visible_count(self):
        """/my: the requests card is always there (a new customer finds where to
        ask), shows its count (filled by Odoo's counters interaction) and has
        its own pictogram, not one of another card."""
        self._login_a()
        home = html.fromstring(self.url_open("/my").content)
        card = home.xpath("//div[contains(@class, 'o_portal_index_card')][.//a[@href='/my/service/tickets']]")
        self.assertEqual(len(card), 1)
        self.assertNotIn("d-none", card[0].get("class").split())
        count = card[0].xpath(".//*[@data-placeholder_count='service_ticket_count']")
        self.assertEqual(len(count), 1)
        self.assertNotIn("d-none", count[0].get("class").split(), "the count is shown")
        self.assertEqual(
            card[0].xpath(".//img/@src"), ["/service_desk/static/src/img/service-requests.svg"], "its own pictogram"
        )
        icons = home.xpath("//div[contains(@class, 'o_portal_index_card')]//img/@src")
        for icon in icons:
            if icon.startswith("/service_desk/"):
                self.assertEqual(icons.count(icon), 1, f"no other card shows {icon}")
                self.assertEqual(self.url_open(icon).status_code, 200, icon)
        self.assertNotIn("/portal/static/src/img/portal-connection.svg", card[0].xpath(".//img/@src"))

    # ------------------------------------------------------------------ language

    def _account_form(self):
        """The fields /my/account's form sends as the browser would, with an address filled in."""
        page = html.fromstring(self.url_open("/my/account").content)
        form = page.xpath("//form[@action='/my/address/submit']")[0]
        data = {field.get("name"): field.get("value") or "" for field in form.xpath(".//input[@name]")}
        data.pop("csrf_token")  # _post adds a token, unless the test means to send none
        data.update(
            {
                "street": "Rue du Port 1",
                "city": "Brussels",
                "zip": "1000",
                "phone": "+32 2 555 00 00",
                "country_id": str(self.env.ref("base.be").id),
            }
        )
        return page, data

    def test_customer_chooses_language_in_account(self):
        Lang = self.env["res.lang"]
        Lang._activate_lang("zh_CN")
        Lang._activate_lang("es_ES")
        self.partner_portal_a.lang = "en_US"
        self._login_a()
        page, data = self._account_form()
        offered = page.xpath("//form[@action='/my/address/submit']//select[@name='lang']/option/@value")
        self.assertEqual(sorted(offered), sorted(code for code, _name in Lang.get_installed()))
        self.assertIn("zh_CN", offered)
        self.assertEqual(page.xpath("//select[@name='lang']/option[@selected]/@value"), ["en_US"])

        response = self._post("/my/address/submit", dict(data, lang="zh_CN"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("redirectUrl", response.json())
        self.assertEqual(self.partner_portal_a.lang, "zh_CN")
        self.assertEqual(self.user_portal_a.lang, "zh_CN")
        # the portal speaks it at once, and its language selector offers it
        home = self.url_open("/my")
        self.assertIn("/zh_CN/my", home.url)
        selector = html.fromstring(home.content).xpath(
            "//*[contains(@class, 'js_language_selector')]//a[@data-url_code]"
        )
        self.assertIn("zh_CN", [a.get("data-url_code") for a in selector])
        self.assertEqual([a.get("data-url_code") for a in selector if "active" in a.get("class").split()], ["zh_CN"])
        self.assertEqual(self.url_open("/zh_CN/my/service/tickets").status_code, 200)

    def test_service_preferences_show_the_language_and_where_to_change_it(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.partner_portal_a.lang = "zh_CN"
        self._login_a()
        page = html.fromstring(self.url_open("/my/service/preferences").content)
        note = page.xpath("//*[contains(@class, 'o_service_preferences_language')]")
        self.assertEqual(len(note), 1)
        self.assertIn(dict(self.env["res.lang"].get_installed())["zh_CN"], note[0].text_content())
        self.assertEqual(note[0].xpath(".//a/@href"), ["/my/account"])

    @mute_logger("odoo.http")
    def test_account_language_is_validated_and_own(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.partner_portal_a.lang = "en_US"
        self.partner_portal_b.lang = "en_US"
        self._login_a()
        _page, data = self._account_form()
        # not an installed language
        for code in ("fr_BE", "xx_XX", "'; drop table res_partner; --"):
            response = self._post("/my/address/submit", dict(data, lang=code))
            self.assertIn("lang", response.json()["invalid_fields"])
        self.assertEqual(self.partner_portal_a.lang, "en_US")
        # no CSRF token: refused
        response = self._post("/my/address/submit", dict(data, lang="zh_CN"), csrf=False)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.partner_portal_a.lang, "en_US")
        # another customer's contact: refused
        response = self._post("/my/address/submit", dict(data, lang="zh_CN", partner_id=str(self.partner_portal_b.id)))
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.partner_portal_b.lang, "en_US")

    # ------------------------------------------------------------------ rating

    def _rating_token(self):
        self.ticket_a.write({"user_id": self.user_agent_a.id})
        self.ticket_a.action_resolve()
        self.ticket_a._portal_ensure_token()
        return self.ticket_a._rating_get_access_token()

    def _back_links(self, response):
        return html.fromstring(response.content).xpath("//a[contains(@class, 'o_service_rating_back')]/@href")

    def test_rating_pages_lead_back_to_the_request(self):
        token = self._rating_token()
        self.authenticate(None, None)
        # from the email, not signed in: the request through its access token
        rate_page = self.url_open(f"/rate/{token}/5")
        self.assertEqual(rate_page.status_code, 200)
        with_token = f"/my/service/tickets/{self.ticket_a.id}?access_token={self.ticket_a.access_token}"
        self.assertEqual(self._back_links(rate_page), [with_token])
        thanks = self._post(f"/rate/{token}/submit_feedback", {"rate": "5", "feedback": "Great"})
        self.assertEqual(thanks.status_code, 200)
        self.assertEqual(self._back_links(thanks), [with_token])
        self.assertEqual(self.ticket_a.rating_ids.filtered("consumed").rating, 5)
        request_page = self.url_open(with_token)
        self.assertEqual(request_page.status_code, 200)
        self.assertIn("Thank you for rating our service.", request_page.text)
        # signed in: the request's own page, no token needed
        self._login_a()
        self.assertEqual(
            self._back_links(self.url_open(f"/rate/{token}/submit_feedback")),
            [f"/my/service/tickets/{self.ticket_a.id}"],
        )

    def test_rating_page_gives_no_way_to_another_customers_request(self):
        token = self._rating_token()
        self.authenticate(self.user_portal_b.login, self.user_portal_b.login)
        for url in (f"/rate/{token}/5", f"/rate/{token}/submit_feedback"):
            response = self.url_open(url)
            self.assertFalse(self._back_links(response))
            self.assertNotIn(f"/my/service/tickets/{self.ticket_a.id}", response.text)

    # ------------------------------------------------------------------ new ticket

    def test_new_ticket_form_offers_own_serials_only(self):
        self._login_a()
        page = self.url_open("/my/service/tickets/new").text
        self.assertIn("SDP-A-0001", page)
        self.assertNotIn("SDP-B-0001", page)
        # the knowledge base's script finds the subject and fills the container right after it
        self.assertRegex(
            page,
            r'<input [^>]*name="name"[^>]*data-service-suggest="1"[^>]*/>\s*'
            r'<div class="o_service_article_suggestions"></div>',
        )

    def test_create_ticket(self):
        self._login_a()
        response = self._post(
            "/my/service/tickets/new",
            self._new_ticket_form(),
            files={"attachments": ("log.txt", b"error 42", "text/plain")},
        )
        self.assertEqual(response.status_code, 303)
        ticket = self.env["service.ticket"].search([("name", "=", "Printer makes noise")])
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.channel, "portal")
        self.assertEqual(ticket.partner_id, self.partner_portal_a)
        self.assertEqual(ticket.lot_id, self.lot_a)
        self.assertEqual(ticket.team_id, self.team_a)
        self.assertNotIn("<b>", ticket.description, "the description is plain text, escaped")
        self.assertIn("&lt;b&gt;", ticket.description)
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "service.ticket"), ("res_id", "=", ticket.id)]
        )
        self.assertEqual(attachment.raw, b"error 42")
        self.assertIn(f"/my/service/tickets/{ticket.id}", response.headers["Location"])
        # the file is served through the ticket's page, to who may see the ticket only
        url = f"/my/service/tickets/{ticket.id}/attachment/{attachment.id}"
        self.assertIn(url, self.url_open(f"/my/service/tickets/{ticket.id}").text)
        self.assertEqual(self.url_open(url).content, b"error 42")
        self.authenticate(self.user_portal_b.login, self.user_portal_b.login)
        with mute_logger("odoo.http"):
            self.assertEqual(self.url_open(url).status_code, 404)

    def test_create_ticket_team_from_category(self):
        category = self.env["service.category"].create({"name": "SD Portal Toner", "team_id": self.team_b.id})
        self._login_a()
        self._post("/my/service/tickets/new", self._new_ticket_form(team_id="", category_id=str(category.id)))
        ticket = self.env["service.ticket"].search([("name", "=", "Printer makes noise")])
        self.assertEqual(ticket.team_id, self.team_b)

    def test_create_ticket_with_other_customers_serial_refused(self):
        self._login_a()
        response = self._post("/my/service/tickets/new", self._new_ticket_form(lot_id=str(self.lot_b.id)))
        self.assertEqual(response.status_code, 400)
        self.assertIn("This serial number was not delivered to you.", response.text)
        self.assertNotIn("SDP-B-0001", response.text)
        self.assertFalse(self.env["service.ticket"].search([("name", "=", "Printer makes noise")]))

    def test_create_ticket_with_undelivered_product_or_foreign_order_refused(self):
        order_b = self.env["sale.order"].create({"partner_id": self.customer_b.id})
        self._login_a()
        response = self._post(
            "/my/service/tickets/new",
            self._new_ticket_form(lot_id="", product_id=str(self.product_other.id), sale_order_id=str(order_b.id)),
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("This product was not delivered to you.", response.text)
        self.assertIn("This order is not one of yours.", response.text)
        self.assertFalse(self.env["service.ticket"].search([("name", "=", "Printer makes noise")]))

    def test_create_ticket_for_hidden_or_foreign_team_refused(self):
        hidden = self.env["service.category"].create(
            {
                "name": "SD Internal Only",
                "team_id": self.team_a.id,
                "portal_visible": False,
            }
        )
        self._login_a()
        for values, error in (
            ({"team_id": str(self.team_other.id)}, "This team does not take requests from the portal."),
            ({"team_id": "", "category_id": str(hidden.id)}, "The chosen category is not available."),
        ):
            with self.subTest(values=values):
                response = self._post("/my/service/tickets/new", self._new_ticket_form(**values))
                self.assertEqual(response.status_code, 400)
                self.assertIn(error, response.text)
        self.team_b.portal_visible = False
        response = self._post("/my/service/tickets/new", self._new_ticket_form(team_id=str(self.team_b.id)))
        self.assertIn("This team does not take requests from the portal.", response.text)
        self.assertFalse(self.env["service.ticket"].search([("name", "=", "Printer makes noise")]))

    def test_create_ticket_missing_fields(self):
        self._login_a()
        response = self._post("/my/service/tickets/new", self._new_ticket_form(name=" ", description=""))
        self.assertEqual(response.status_code, 400)
        self.assertIn("Please give your request a subject.", response.text)
        self.assertIn("Please describe your request.", response.text)
        response = self._post("/my/service/tickets/new", self._new_ticket_form(ticket_type="case", team_id="abc"))
        self.assertEqual(response.status_code, 400)
        self.assertIn("Please choose a valid kind of request.", response.text)

    def test_create_ticket_oversized_attachment(self):
        self.env["ir.config_parameter"].sudo().set_param("service_desk.portal_attachment_max_size", "1024")
        self._login_a()
        response = self._post(
            "/my/service/tickets/new",
            self._new_ticket_form(),
            files={"attachments": ("dump.bin", b"x" * 2048, "application/octet-stream")},
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("dump.bin is too large", response.text)
        self.assertFalse(self.env["service.ticket"].search([("name", "=", "Printer makes noise")]))

    @mute_logger("odoo.http")
    def test_post_without_csrf_refused(self):
        self.ticket_a.action_resolve()
        self._login_a()
        for url, data in (
            ("/my/service/tickets/new", self._new_ticket_form()),
            (f"/my/service/tickets/{self.ticket_a.id}/confirm", {}),
            (f"/my/service/tickets/{self.ticket_a.id}/reopen", {"reason": "still broken"}),
            (f"/my/service/tickets/{self.ticket_a.id}/reply", {"message": "hello"}),
        ):
            with self.subTest(url=url):
                response = self._post(url, data, csrf=False)
                self.assertEqual(response.status_code, 400)
        self.assertEqual(self.ticket_a.stage_id, self.stage_resolved)
        self.assertFalse(self.env["service.ticket"].search([("name", "=", "Printer makes noise")]))

    def test_get_on_state_changes_is_refused(self):
        self.ticket_a.action_resolve()
        self._login_a()
        with mute_logger("odoo.http"):
            response = self.url_open(f"/my/service/tickets/{self.ticket_a.id}/confirm")
        self.assertIn(response.status_code, (404, 405))
        self.assertEqual(self.ticket_a.stage_id, self.stage_resolved)

    # ------------------------------------------------------------------ actions

    def test_reply(self):
        self._login_a()
        response = self._post(f"/my/service/tickets/{self.ticket_a.id}/reply", {"message": "More <i>info</i>"})
        self.assertEqual(response.status_code, 303)
        message = self.ticket_a.message_ids[0]
        self.assertEqual(message.author_id, self.partner_portal_a)
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertIn("&lt;i&gt;", message.body)
        empty = self._post(f"/my/service/tickets/{self.ticket_a.id}/reply", {"message": " "})
        self.assertEqual(empty.status_code, 400)

    def test_reply_when_waiting_on_customer_resumes_work(self):
        self.ticket_a.stage_id = self.stage_waiting
        self._login_a()
        page = self.url_open(f"/my/service/tickets/{self.ticket_a.id}").text
        self.assertIn("We are waiting for your answer", page)
        self._post(
            f"/my/service/tickets/{self.ticket_a.id}/reply",
            {"message": "Here are the logs"},
            files={"attachments": ("logs.txt", b"line 1", "text/plain")},
        )
        self.assertEqual(self.ticket_a.stage_id, self.stage_in_progress)
        message = self.ticket_a.message_ids.filtered(lambda m: "Here are the logs" in m.body)
        self.assertEqual(message.attachment_ids.raw, b"line 1")

    @mute_logger("odoo.http")
    def test_reply_on_other_company_ticket_refused(self):
        count = len(self.ticket_b.message_ids)
        self._login_a()
        response = self._post(f"/my/service/tickets/{self.ticket_b.id}/reply", {"message": "intrusion"})
        self.assertEqual(response.status_code, 404)
        response = self._post(f"/my/service/tickets/{self.ticket_b.id}/confirm")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(len(self.ticket_b.message_ids), count)

    def test_reply_with_token(self):
        """A customer without account answers from the link in an email."""
        token = self.ticket_b._portal_ensure_token()
        self.authenticate(None, None)
        response = self._post(
            f"/my/service/tickets/{self.ticket_b.id}/reply?access_token={token}",
            {"message": "Answer from the email link"},
        )
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.ticket_b.message_ids[0].author_id, self.customer_b_contact)

    def test_confirm(self):
        self.ticket_a.action_resolve()
        self._login_a()
        page = self.url_open(f"/my/service/tickets/{self.ticket_a.id}").text
        self.assertIn("Confirm resolution", page)
        self.assertIn("o_service_rate_5", page, "a resolved ticket offers its rating")
        response = self._post(f"/my/service/tickets/{self.ticket_a.id}/confirm")
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.ticket_a.stage_id, self.stage_closed)
        again = self._post(f"/my/service/tickets/{self.ticket_a.id}/confirm")
        self.assertEqual(again.status_code, 400)
        self.assertIn("is not waiting for your confirmation", again.text)

    def test_confirm_open_ticket_refused(self):
        self._login_a()
        response = self._post(f"/my/service/tickets/{self.ticket_a.id}/confirm")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.ticket_a.stage_id, self.stage_new)

    def test_reopen_within_window(self):
        self.member_a.seniority = "senior"
        self.team_a.member_ids = [Command.create({"user_id": self.user_agent_b.id, "seniority": "senior"})]
        self.ticket_a.write({"user_id": self.user_agent_a.id})
        self.ticket_a.action_resolve()
        self._login_a()
        response = self._post(f"/my/service/tickets/{self.ticket_a.id}/reopen", {"reason": "Still jams"})
        self.assertEqual(response.status_code, 303)
        self.assertFalse(self.ticket_a.is_resolved)
        self.assertEqual(self.ticket_a.reopen_count, 1)
        self.assertEqual(self.ticket_a.escalation_level, 1)
        self.assertEqual(self.ticket_a.user_id, self.user_agent_b, "a senior other than the agent takes it")
        self.assertIn("Still jams", "".join(self.ticket_a.message_ids.mapped("body")))

    def test_reopen_without_reason_refused(self):
        self.ticket_a.action_resolve()
        self._login_a()
        response = self._post(f"/my/service/tickets/{self.ticket_a.id}/reopen", {"reason": ""})
        self.assertEqual(response.status_code, 400)
        self.assertTrue(self.ticket_a.is_resolved)

    def test_reopen_after_window(self):
        self.ticket_a.action_close()
        self.ticket_a.closed_date = fields.Datetime.now() - timedelta(days=self.team_a.reopen_window_days + 1)
        self.ticket_a.resolved_date = self.ticket_a.closed_date
        self._login_a()
        response = self._post(f"/my/service/tickets/{self.ticket_a.id}/reopen", {"reason": "Broken again"})
        self.assertEqual(response.status_code, 303)
        self.assertTrue(self.ticket_a.is_closed, "the old ticket stays closed")
        followup = self.ticket_a.followup_ticket_ids
        self.assertEqual(len(followup), 1)
        self.assertEqual(followup.origin_ticket_id, self.ticket_a)
        self.assertEqual(followup.partner_id, self.partner_portal_a, "the customer who wrote")
        self.assertEqual(followup.channel, "portal")
        self.assertIn("Broken again", followup.description)
        self.assertIn(f"/my/service/tickets/{followup.id}", response.headers["Location"])

    # ------------------------------------------------------------------ other pages

    def test_preferences(self):
        self._login_a()
        self.assertEqual(self.url_open("/my/service/preferences").status_code, 200)
        response = self._post("/my/service/preferences", {"service_preferred_channel": "phone", "phone": "+32 2 555"})
        self.assertEqual(response.status_code, 303)
        self.assertEqual(self.partner_portal_a.service_preferred_channel, "phone")
        self.assertEqual(self.partner_portal_a.phone, "+32 2 555")
        bad = self._post("/my/service/preferences", {"service_preferred_channel": "fax"})
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(self.partner_portal_a.service_preferred_channel, "phone")

    def test_sale_order_buttons(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer_a.id,
                "order_line": [Command.create({"product_id": self.product_other.id, "product_uom_qty": 1})],
            }
        )
        order.action_confirm()
        self._login_a()
        page = self.url_open(f"/my/orders/{order.id}").text
        self.assertIn(f"/my/service/tickets/new?sale_order_id={order.id}&amp;ticket_type=request", page)
        self.assertIn(f"/my/service/tickets/new?sale_order_id={order.id}&amp;ticket_type=refund", page)
        form = self.url_open(f"/my/service/tickets/new?sale_order_id={order.id}&ticket_type=refund").text
        self.assertIn(order.name, form)
        self._post(
            "/my/service/tickets/new",
            self._new_ticket_form(lot_id="", product_id="", ticket_type="refund", sale_order_id=str(order.id)),
        )
        ticket = self.env["service.ticket"].search([("name", "=", "Printer makes noise")])
        self.assertEqual(ticket.sale_order_id, order)
        self.assertEqual(ticket.ticket_type, "refund")


@tagged("post_install", "-at_install")
class TestPortalQueryCount(HttpCase, ServiceDeskPortalCommon):
    """List and detail pages cost the same whatever the customer's ticket count."""

    def _count_queries(self, url):
        """Queries of one request to url, caches warm (the first request fills
        them); the least of three, as Odoo's own session bookkeeping adds a
        query to some requests."""
        self.assertEqual(self.url_open(url).status_code, 200)
        counts = []
        for _attempt in range(3):
            start = sql_db.sql_counter
            self.assertEqual(self.url_open(url).status_code, 200)
            counts.append(sql_db.sql_counter - start)
        return min(counts)

    def test_constant_queries(self):
        def make(count):
            return (
                self.env["service.ticket"]
                .with_context(**FIXTURE_CONTEXT)
                .create(
                    [
                        {
                            "name": f"Load ticket {i}",
                            "team_id": self.team_a.id,
                            "partner_id": self.customer_a_contact.id,
                        }
                        for i in range(count)
                    ]
                )
            )

        make(49)  # 50 tickets with ticket_a: more than a page, like 500
        self.authenticate(self.user_portal_a.login, self.user_portal_a.login)
        list_50 = self._count_queries("/my/service/tickets")
        detail_50 = self._count_queries(f"/my/service/tickets/{self.ticket_a.id}")
        make(450)  # 500 tickets
        list_500 = self._count_queries("/my/service/tickets")
        detail_500 = self._count_queries(f"/my/service/tickets/{self.ticket_a.id}")
        # the first page's content differs (50 versus 500): the count must not grow with the tickets
        self.assertLessEqual(list_500, list_50)
        self.assertLessEqual(detail_500, detail_50)
        list_5 = list_50
        self.assertGreater(list_5, 0)
