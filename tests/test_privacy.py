"""Customer data kept lean and lawful: archiving, retention, export, erasure."""

import io
import json
import zipfile
from contextlib import suppress
from datetime import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import FIXTURE_CONTEXT, ServiceDeskCommon

NOW = datetime(2030, 6, 1, 10, 0)


@tagged("post_install", "-at_install")
class TestRetention(ServiceDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"service_archive_months": 12, "service_purge_months": 24, "service_purge_enabled": True})
        # tickets of other tests and of the demo are out of the way
        cls.env["service.ticket"].search([("company_id", "=", cls.company.id)]).closed_date = False

    def _closed_ticket(self, closed, **values):
        ticket = self._create_ticket(partner_id=self.customer_a_contact.id, **values)
        ticket.stage_id = self.stage_closed
        ticket.closed_date = closed
        return ticket

    def _run(self, **kwargs):
        with freeze_time(NOW):
            self.env["service.ticket"]._cron_archive(**kwargs)

    def test_archive_after_the_period(self):
        old = self._closed_ticket(datetime(2029, 5, 1))
        recent = self._closed_ticket(datetime(2029, 7, 1))
        still_open = self._create_ticket(partner_id=self.customer_a_contact.id)
        self._run()
        self.assertFalse(old.active)
        self.assertTrue(recent.active)
        self.assertTrue(still_open.active)
        self.assertIn(
            old,
            self.env["service.ticket"]
            .with_context(active_test=False)
            .search([("active", "=", False), ("id", "=", old.id)]),
        )
        self.env.flush_all()
        self.assertTrue(
            self.env["service.ticket.report"].search([("ticket_id", "=", old.id)]),
            "archived tickets keep counting in the analysis",
        )

    def test_batches_and_resumed_run(self):
        tickets = self.env["service.ticket"]
        for day in range(1, 6):
            tickets |= self._closed_ticket(datetime(2029, 1, day))
        model = type(self.env["service.ticket"])
        original, calls = model._archive_batch, []

        def interrupted(batch):
            calls.append(len(batch))
            if len(calls) == 3:
                raise RuntimeError("worker killed")
            return original(batch)

        with patch.object(model, "_archive_batch", interrupted), suppress(RuntimeError):
            self._run(batch_size=2)
        self.assertEqual(len(tickets.filtered("active")), 1)
        self._run(batch_size=2)
        self.assertFalse(any(tickets.mapped("active")))

    def test_reopen_unarchives(self):
        old = self._closed_ticket(datetime(2029, 1, 1))
        self._run()
        self.assertFalse(old.active)
        old.action_reopen()
        self.assertTrue(old.active)
        self.assertEqual(old.reopen_count, 1)

    def test_purge_keeps_figures_and_matches_dry_run(self):
        old = self._closed_ticket(datetime(2027, 1, 1))
        old.first_response_hours = 2.5
        interaction = self.env["service.interaction"].create(
            {
                "partner_id": self.customer_a_contact.id,
                "ticket_id": old.id,
                "channel": "chat",
                "date": datetime(2026, 12, 20),
                "summary": "Chat about the invoice",
                "transcript": "Customer: my card number is ...",
                "duration_minutes": 4,
            }
        )
        attachment = self.env["ir.attachment"].create(
            {
                "name": "photo.png",
                "raw": b"png",
                "res_model": "service.ticket",
                "res_id": old.id,
            }
        )
        recent_archived = self._closed_ticket(datetime(2029, 1, 1))
        self._run()  # archives both; purges the one closed over 24 months ago
        settings = self.env["res.config.settings"].create({})
        with freeze_time(NOW):
            settings._compute_service_retention_counts()
        self.assertEqual(settings.service_purge_count, 0, "nothing left to purge after the run")
        self.assertTrue(old.content_purged)
        self.assertFalse(recent_archived.content_purged)
        self.assertFalse(interaction.transcript)
        self.assertNotIn("invoice", interaction.summary)
        self.assertFalse(attachment.exists())
        self.assertEqual((interaction.channel, interaction.duration_minutes), ("chat", 4))
        self.assertEqual(old.first_response_hours, 2.5)

    def test_purge_clears_descriptions_messages_and_tracked_text(self):
        """What was said goes with the purge: the description, the bodies and
        subjects of the messages of the ticket and of its logged contacts, and
        the old and new values of tracked text fields; what happened (stage
        changes) stays."""
        old = self._create_ticket(
            partner_id=self.customer_a_contact.id, description="<p>My card number is 4111 1111</p>"
        )
        self.env.cr.precommit.run()  # the creation is behind: changes from now on are tracked
        old.write({"stage_id": self.stage_closed.id, "closed_date": datetime(2027, 1, 1)})
        old.message_post(
            body="I live at 12 Rose Street",
            subject="About my card",
            author_id=self.customer_a_contact.id,
            message_type="email",
            subtype_xmlid="mail.mt_comment",
        )
        old.name = "Card 4111 refused"
        interaction = self.env["service.interaction"].create(
            {"partner_id": self.customer_a_contact.id, "ticket_id": old.id, "summary": "Call", "transcript": "x"}
        )
        interaction.message_post(body="Called back about the Rose Street flat", message_type="comment")
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking values are written before the commit
        self.env.invalidate_all()
        messages = old.message_ids | interaction.message_ids
        name_tracking = messages.tracking_value_ids.filtered(lambda t: t.field_id.name == "name")
        stage_tracking = messages.tracking_value_ids.filtered(lambda t: t.field_id.name == "stage_id")
        self.assertTrue(name_tracking and stage_tracking)
        self._run()
        self.assertTrue(old.content_purged)
        self.assertFalse(old.description)
        said = ("4111", "Rose Street", "About my card")
        for message in messages:
            for text in said:
                self.assertNotIn(text, str(message.body or ""))
                self.assertNotIn(text, message.subject or "")
        self.assertFalse(any(name_tracking.mapped("old_value_char") + name_tracking.mapped("new_value_char")))
        self.assertEqual(stage_tracking.new_value_char, self.stage_closed.name, "what happened stays")

    def test_dry_run_counts_what_the_run_does(self):
        self._closed_ticket(datetime(2027, 1, 1))
        self._closed_ticket(datetime(2029, 1, 1))
        self._closed_ticket(datetime(2030, 1, 1))
        settings = self.env["res.config.settings"].create({})
        with freeze_time(NOW):
            settings._compute_service_retention_counts()
        self.assertEqual(settings.service_archive_count, 2)
        archived_before = (
            self.env["service.ticket"].with_context(active_test=False).search_count([("active", "=", False)])
        )
        self._run()
        archived_after = (
            self.env["service.ticket"].with_context(active_test=False).search_count([("active", "=", False)])
        )
        self.assertEqual(archived_after - archived_before, 2)


@tagged("post_install", "-at_install")
class TestExportAndErasure(HttpCase, ServiceDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket = cls._create_ticket(partner_id=cls.partner_portal_a.id, name="My own request")
        cls.ticket.message_post(
            body="Public answer",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            author_id=cls.user_agent_a.partner_id.id,
        )
        cls.ticket.message_post(body="Internal gossip", message_type="comment", subtype_xmlid="mail.mt_note")
        cls.other = cls._create_ticket(team=cls.team_b, partner_id=cls.partner_portal_b.id, name="Their request")
        cls.env["service.interaction"].create(
            {
                "partner_id": cls.partner_portal_a.id,
                "channel": "phone",
                "summary": "Called about the order",
                "transcript": "Said the address is 12 Rose Street",
            }
        )

    def _zip_json(self, content):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return json.loads(archive.read("service_data.json"))

    def test_portal_customer_exports_own_data_only(self):
        self.authenticate(self.user_portal_a.login, self.user_portal_a.login)
        response = self.url_open("/my/service/export")
        self.assertEqual(response.status_code, 200)
        data = self._zip_json(response.content)
        subjects = [ticket["subject"] for ticket in data["tickets"]]
        self.assertIn("My own request", subjects)
        self.assertNotIn("Their request", subjects)
        bodies = json.dumps(data)
        self.assertIn("Public answer", bodies)
        self.assertNotIn("Internal gossip", bodies)
        self.assertEqual(data["contacts"][0]["summary"], "Called about the order")

    def test_portal_export_follows_ticket_sharing(self):
        """A contact's export holds what the portal shows them: a colleague's
        tickets, messages and logged contacts only when the company shares
        tickets among its contacts; the managers' export keeps the whole company."""
        colleague = self.customer_a_contact
        ticket = self._create_ticket(partner_id=colleague.id, name="Colleague's request")
        ticket.message_post(
            body="Answer to the colleague",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            author_id=self.user_agent_a.partner_id.id,
        )
        self.env["service.interaction"].create(
            {"partner_id": colleague.id, "ticket_id": ticket.id, "channel": "phone", "summary": "Colleague called"}
        )
        colleague_texts = ("Colleague's request", "Answer to the colleague", "Colleague called")
        own_texts = ("My own request", "Public answer", "Called about the order")
        self.authenticate(self.user_portal_a.login, self.user_portal_a.login)

        def portal_export():
            self.env.flush_all()
            response = self.url_open("/my/service/export")
            self.assertEqual(response.status_code, 200)
            return json.dumps(self._zip_json(response.content), ensure_ascii=False)

        self.customer_a.service_portal_share_tickets = False
        exported = portal_export()
        for text in own_texts:
            self.assertIn(text, exported)
        for text in colleague_texts:
            self.assertNotIn(text, exported)
        # the managers' export of the customer still covers every contact
        manager_data, _attachments = self.customer_a.with_user(self.user_manager)._service_export_data()
        for text in own_texts + colleague_texts:
            self.assertIn(text, json.dumps(manager_data, ensure_ascii=False))

        self.customer_a.service_portal_share_tickets = True
        exported = portal_export()
        for text in own_texts + colleague_texts:
            self.assertIn(text, exported)

    def test_export_requires_login(self):
        response = self.url_open("/my/service/export", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))

    def _attachment_count(self):
        self.env.flush_all()
        self.env.cr.execute("SELECT count(*) FROM ir_attachment")
        return self.env.cr.fetchone()[0]

    def test_manager_export_is_streamed_never_stored(self):
        before = self._attachment_count()
        action = self.customer_a.with_user(self.user_manager).action_service_export()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(self._attachment_count(), before, "the action stores nothing")
        with self.assertRaises(UserError):
            self.customer_a.with_user(self.user_agent_a).action_service_export()

        self.authenticate(self.user_manager.login, self.user_manager.login)
        response = self.url_open(action["url"])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/zip")
        subjects = [ticket["subject"] for ticket in self._zip_json(response.content)["tickets"]]
        self.assertIn("My own request", subjects)
        self.assertNotIn("Their request", subjects)
        self.assertEqual(self._attachment_count(), before, "the download stores nothing either")

    def test_export_route_refuses_all_but_managers(self):
        url = self.customer_a.with_user(self.user_manager).action_service_export()["url"]
        for user in (self.user_agent_a, self.user_internal, self.user_portal_a):
            with self.subTest(user=user.login):
                self.authenticate(user.login, user.login)
                response = self.url_open(url)
                self.assertEqual(response.status_code, 403)
                self.assertNotIn(b"My own request", response.content)
        self.authenticate(None, None)
        response = self.url_open(url, allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])

    def test_export_route_of_a_contact_the_manager_cannot_read(self):
        stranger = self.env["res.partner"].create(
            {"name": "Other company customer", "company_id": self.company_other.id}
        )
        url = stranger.with_user(self.user_manager_mc).action_service_export()["url"]
        self.authenticate(self.user_manager.login, self.user_manager.login)
        with mute_logger("odoo.http"):
            self.assertEqual(self.url_open(url).status_code, 404)
            self.assertEqual(self.url_open(url.replace(f"/{stranger.id}/", "/999999999/")).status_code, 404)

    def test_erasure_refused_with_open_tickets(self):
        with self.assertRaisesRegex(UserError, self.ticket.number):
            self.partner_portal_a.with_user(self.user_manager).action_service_erase("asked by email")

    def test_erasure_waits_for_the_api_requests_still_queued(self):
        """A request accepted by the API keeps the customer's data in its
        payload until the cron makes the ticket: erasing the contact before
        would leave it there, then make a ticket of it."""
        contact = self.customer_a_contact
        agent_requests = self.env["service.api.request"].with_user(self.user_agent_a)
        queued = agent_requests._queue({"email": contact.email.upper(), "name": "Router drops the line"})
        other = agent_requests._queue({"email": "someone.else@example.com", "name": "Not theirs"})
        email = contact.email
        erase = contact.with_user(self.user_manager).action_service_erase
        with self.assertRaisesRegex(UserError, f"not made into tickets yet \\({queued.number}\\)"):
            erase("asked by email")
        self.assertTrue(contact.active)
        self.assertEqual(contact.email, email)
        self.assertEqual(queued.sudo().payload["name"], "Router drops the line", "nothing changed")
        self.assertNotIn(other.number, str(contact.with_user(self.user_manager)._service_erase_blockers()))

    def test_erasure_anonymises_and_keeps_statistics(self):
        contact = self.customer_a_contact
        ticket = self._create_ticket(partner_id=contact.id, name="Closed request")
        ticket.message_post(
            body="From the customer", author_id=contact.id, message_type="email", subtype_xmlid="mail.mt_comment"
        )
        interaction = self.env["service.interaction"].create(
            {
                "partner_id": contact.id,
                "ticket_id": ticket.id,
                "channel": "chat",
                "summary": "Chat",
                "transcript": "My phone is 555-0100",
            }
        )
        ticket.stage_id = self.stage_closed
        self.env.flush_all()
        count_before = self.env["service.ticket.report"].search_count([("partner_id", "=", self.customer_a.id)])
        with self.assertRaises(UserError):
            contact.with_user(self.user_agent_a).action_service_erase("no right")
        with self.assertRaises(UserError):
            contact.with_user(self.user_manager).action_service_erase("  ")
        contact.with_user(self.user_manager).action_service_erase("Customer asked by email")
        self.assertFalse(contact.active)
        self.assertIn("Anonymous", contact.name)
        self.assertFalse(contact.email or contact.phone)
        self.assertFalse(ticket.partner_email)
        self.assertFalse(interaction.transcript)
        message = ticket.message_ids.filtered(lambda m: m.author_id == contact)
        self.assertTrue(message and all("Anonymous" in m.email_from for m in message))
        self.env.flush_all()
        self.assertEqual(
            self.env["service.ticket.report"].search_count([("partner_id", "=", self.customer_a.id)]),
            count_before,
            "statistics unchanged",
        )
        self.assertIn("Customer asked by email", self.customer_a.message_ids[0].body)

    # ------------------------------------------------------------------
    # Help center activity and free text
    # ------------------------------------------------------------------

    def _published_article(self):
        return self.env["service.article"].create(
            {"name": "SD privacy article", "body": "<p>Restart it.</p>", "is_published": True}
        )

    def test_help_center_activity_is_in_the_export(self):
        article = self._published_article()
        Event = self.env["service.article.event"]
        Event._record(
            "suggestion_shown", "sd-sess-paula", articles=article, query="paula printer", user=self.user_portal_a
        )
        Event._record("article_opened", "sd-sess-paula", articles=article, user=self.user_portal_a)
        Event._record(
            "suggestion_shown", "sd-sess-pierre", articles=article, query="pierre scanner", user=self.user_portal_b
        )
        article.with_user(self.user_portal_a).action_register_vote(False, comment="Paula found it unclear")
        article.with_user(self.user_portal_b).action_register_vote(False, comment="Pierre found it unclear")

        def help_center(data):
            return json.dumps(data["help_center"], ensure_ascii=False)

        managers, _attachments = self.customer_a.with_user(self.user_manager)._service_export_data()
        exported = help_center(managers)
        self.assertIn("paula printer", exported)
        self.assertIn("Paula found it unclear", exported)
        self.assertIn("article_opened", exported)
        self.assertIn("SD privacy article", exported)
        self.assertNotIn("pierre", exported.lower(), "another customer's activity stays out")

        self.authenticate(self.user_portal_a.login, self.user_portal_a.login)
        exported = help_center(self._zip_json(self.url_open("/my/service/export").content))
        self.assertIn("paula printer", exported)
        self.assertIn("Paula found it unclear", exported)
        self.assertNotIn("pierre", exported.lower())

    def test_erasure_forgets_help_center_activity(self):
        person = mail_new_test_user(
            self.env(context=dict(self.env.context, **FIXTURE_CONTEXT)),
            login="sd_portal_erased",
            name="Quentin Forgotten",
            groups="base.group_portal",
            email="quentin@customer-a.example.com",
            company_id=self.company.id,
            parent_id=self.customer_a.id,
        )
        article = self._published_article()
        Event = self.env["service.article.event"]
        Event._record(
            "suggestion_shown",
            "sd-sess-quentin",
            articles=article,
            query="my serial QX-1",
            user=self.env.ref("base.public_user"),
        )
        Event._record("article_opened", "sd-sess-quentin", articles=article, user=person)
        article.with_user(person).action_register_vote(False, comment="Call me back")
        events = Event.search([("session_key", "=", "sd-sess-quentin")])
        vote = article.vote_ids
        with self.assertRaisesRegex(UserError, "sd_portal_erased"):
            person.partner_id.with_user(self.user_manager).action_service_erase("asked by email")
        person.active = False
        person.partner_id.with_user(self.user_manager).action_service_erase("asked by email")
        self.assertFalse(events.user_id)
        self.assertFalse(any(events.mapped("query")), "the session's searches go too, those typed before logging in")
        self.assertEqual(len(events.exists()), 2, "the deflection statistics stay")
        self.assertFalse(vote.user_id or vote.comment)
        self.assertEqual(article.unhelpful_count, 1)

    def _texts_holding(self, needles, phone_digits):
        """(table, column, count) of the text columns of the desk's tables,
        and of the messages and tracking values of its models, holding any of
        ``needles`` (case-insensitive) or the digits of the phone number,
        whatever their separators."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(r"""
            SELECT c.table_name, c.column_name
              FROM information_schema.columns c
              JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
             WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
               AND c.data_type IN ('text', 'character varying', 'jsonb')
               AND (c.table_name LIKE 'service\_%' OR c.table_name IN ('mail_message', 'mail_tracking_value'))
        """)
        models = "service.%"
        rows_of_service_models = {
            "mail_message": SQL("model LIKE %s", models),
            "mail_tracking_value": SQL("mail_message_id IN (SELECT id FROM mail_message WHERE model LIKE %s)", models),
        }
        needles = [f"%{needle}%" for needle in needles]
        found = []
        for table, column in cr.fetchall():
            text = SQL("%s::text", SQL.identifier(column))
            cr.execute(
                SQL(
                    "SELECT count(*) FROM %s WHERE %s"
                    " AND (%s ILIKE ANY(%s) OR regexp_replace(%s, '[^0-9]', '', 'g') LIKE %s)",
                    SQL.identifier(table),
                    rows_of_service_models.get(table, SQL("TRUE")),
                    text,
                    needles,
                    text,
                    f"%{phone_digits}%",
                )
            )
            count = cr.fetchone()[0]
            if count:
                found.append((table, column, count))
        return found

    def test_erasure_leaves_no_name_email_or_phone_in_any_text(self):
        """Wherever the desk wrote the person's name, email or phone (subjects,
        descriptions, addresses, messages, tracked changes, logged contacts,
        help center searches and votes, the reason given), none is left."""
        name, email, phone = "Zelda Quintero", "zelda.quintero@erase-me.example.com", "+44 20 7946 0321"
        person = self.env["res.partner"].create(
            {"name": name, "email": email, "phone": phone, "parent_id": self.customer_a.id}
        )
        ticket = self._create_ticket(
            partner_id=person.id,
            name=f"{name} cannot print",
            description=f"<p>Call {name} on +44-20-7946-0321 or write to {email.upper()}</p>",
            email_cc=f"{name} <{email}>, boss@customer-a.example.com",
        )
        self.env.cr.precommit.run()  # the creation is behind: changes from now on are tracked
        ticket.name = f"Printer of {name.upper()}"  # a tracked change
        ticket.message_post(
            body=f"Hello, {name} here, my number is 442079460321",
            subject=f"{name}'s printer",
            author_id=person.id,
            email_from=f'"{name}" <{email}>',
            message_type="email",
            subtype_xmlid="mail.mt_comment",
        )
        ticket.with_user(self.user_agent_a).message_post(
            body=f"Dear {name}, we call you at {phone} today.", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        colleague_ticket = self._create_ticket(
            partner_id=self.customer_a_contact.id, description=f"<p>{name} is away, ask Carla</p>"
        )
        interaction = self.env["service.interaction"].create(
            {
                "partner_id": person.id,
                "ticket_id": ticket.id,
                "summary": f"Call from {name}",
                "transcript": f"{name}: reach me on {phone}",
            }
        )
        interaction.message_post(body=f"Called {name} back", message_type="comment")
        article = self._published_article()
        self.env["service.article.event"]._record(
            "suggestion_shown", "sd-sess-zelda", articles=article, query=f"{name} warranty", user=self.user_public
        )
        self.env["service.article.event"]._record(
            "ticket_submitted", "sd-sess-zelda", ticket=ticket, user=self.user_public
        )
        article.with_user(self.user_public).action_register_vote(
            False, comment=f"I am {name}, mail {email}", session_key="sd-sess-zelda"
        )
        ticket.stage_id = self.stage_closed
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking values
        digits = "442079460321"
        self.assertTrue(self._texts_holding([name, email], digits), "the scan finds what was planted")

        wizard = (
            self.env["service.erase.wizard"]
            .with_user(self.user_manager)
            .create({"partner_id": person.id, "reason": f"{name} asked by email from {email}"})
        )
        wizard.action_erase()

        self.assertEqual(self._texts_holding([name, email], digits), [])
        self.assertIn("Anonymous", ticket.name)
        self.assertIn("away, ask Carla", colleague_ticket.description, "the rest of the text stays")
        note = self.customer_a.message_ids[0].body
        self.assertIn("asked by email", note)
        self.assertNotIn(name, note)
        self.assertNotIn(email, note)
