"""Linked tickets and problems (issue 22): a link shows on both tickets; a
problem's public replies and its resolution reach the customer of each of
its incidents, in their language; an incident's portal page names its
problem without showing another customer's ticket."""

from contextlib import contextmanager
from datetime import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, HttpCase, tagged

from .common import FIXTURE_CONTEXT, ServiceDeskMailCommon, ServiceDeskPortalCommon

# a Tuesday, in the working hours of every calendar below
TUESDAY = datetime(2026, 11, 24, 10, 0)


@contextmanager
def at(env, when):
    """Python's time and the transaction's (create_date) frozen at `when`."""
    with freeze_time(when), patch.object(type(env.cr), "now", lambda cr: when):
        yield


@tagged("post_install", "-at_install")
class TestTicketProblem(ServiceDeskMailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # tracked changes post their messages (the stages' emails) as in use
        cls.env = cls.env(context=dict(cls.env.context, mail_notrack=False, tracking_disable=False))
        env = cls.env(context=dict(cls.env.context, **FIXTURE_CONTEXT))
        langs = ["es_ES", "pt_BR"]
        for code in langs:
            cls.env["res.lang"]._activate_lang(code)
        cls.env["ir.module.module"]._load_module_terms(["mail", "service_desk"], langs, overwrite=True)
        cls.customer_a_contact.lang = "es_ES"
        cls.customer_b_contact.lang = "pt_BR"
        cls.env["service.sla.policy"].search([]).active = False
        calendar = cls._create_calendar("SD all week", (0, 24), days=range(7))
        cls.policy = env["service.sla.policy"].create(
            {
                "name": "SD Problems",
                "sequence": 1,
                "team_ids": [Command.set((cls.team_a | cls.team_b).ids)],
                "first_response_hours": 2,
                "next_response_hours": 4,
                "resolution_hours": 40,
                "resource_calendar_id": calendar.id,
            }
        )
        cls.Ticket = cls.env["service.ticket"]

    def setUp(self):
        super().setUp()
        with at(self.env, TUESDAY):
            self.problem = self._create_ticket(name="Mail server down", user_id=self.user_agent_a.id)
            self.incident_a = self._create_ticket(name="No mail since 9", partner_id=self.customer_a_contact.id)
            self.incident_b = self._create_ticket(
                team=self.team_b, name="Cannot send invoices", partner_id=self.customer_b_contact.id
            )
            self.incident_closed = self._create_ticket(
                name="Mail slow yesterday", partner_id=self.customer_a_contact.id, stage_id=self.stage_closed.id
            )
        (self.incident_a | self.incident_b | self.incident_closed).problem_id = self.problem
        self.flush_tracking()  # changes of the creating transaction are not tracked: the test's are

    # ------------------------------------------------------------------
    # Links
    # ------------------------------------------------------------------

    def test_link_shows_on_both_tickets(self):
        first, second, third = self.incident_a, self.incident_b, self.incident_closed
        first.with_user(self.user_manager).linked_ticket_ids = [Command.link(second.id)]
        self.assertEqual(first.linked_ticket_ids, second)
        self.assertEqual(second.linked_ticket_ids, first, "the other ticket shows the link too")
        self.assertEqual(self.Ticket.search([("linked_ticket_ids", "in", first.ids)]), second)
        self.assertEqual(self.Ticket.search([("linked_ticket_ids", "in", second.ids)]), first)
        three = first | second | third
        self.assertEqual(
            self.Ticket.search([("id", "in", three.ids), ("linked_ticket_ids", "not in", first.ids)]), first | third
        )

        # the other ticket adds a link of its own and removes the one made on the first
        second.linked_ticket_ids = [Command.link(third.id), Command.unlink(first.id)]
        self.assertEqual(second.linked_ticket_ids, third)
        self.assertFalse(first.linked_ticket_ids, "a link removed on either ticket is gone from both")
        self.assertEqual(third.linked_ticket_ids, second)
        third.linked_ticket_ids = [Command.link(second.id)]
        self.assertEqual(third.linked_ticket_ids, second, "linking again makes no second link")
        second.linked_ticket_ids = [Command.clear()]
        self.assertFalse(third.linked_ticket_ids)

    def test_link_made_from_the_form(self):
        with Form(self.incident_a.with_user(self.user_manager)) as form:
            form.linked_ticket_ids.add(self.incident_b)
        self.assertEqual(self.incident_b.linked_ticket_ids, self.incident_a)
        with Form(self.incident_b.with_user(self.user_manager)) as form:
            self.assertEqual(form.problem_id, self.problem)
            form.linked_ticket_ids.remove(id=self.incident_a.id)
        self.assertFalse(self.incident_a.linked_ticket_ids)
        with Form(self.problem.with_user(self.user_manager)) as form:
            self.assertEqual(len(form.incident_ids), 3)

    def test_ticket_not_linked_to_itself(self):
        with self.assertRaises(ValidationError) as caught:
            self.incident_a.linked_ticket_ids = [Command.link(self.incident_a.id)]
        self.assertIn("cannot be linked to itself", str(caught.exception))
        self.assertFalse(self.incident_a.linked_ticket_ids)

    # ------------------------------------------------------------------
    # Problems: what is refused
    # ------------------------------------------------------------------

    def _assert_unchanged(self):
        self.env.invalidate_all()
        self.assertFalse(self.problem.problem_id)
        self.assertEqual(self.problem.incident_ids, self.incident_a | self.incident_b | self.incident_closed)
        self.assertTrue(self.problem.is_problem)
        self.assertFalse(self.incident_a.is_problem)

    def test_problem_counts_incidents(self):
        self.assertTrue(self.problem.is_problem)
        self.assertEqual(self.problem.incident_count, 3)
        self.assertEqual(self.Ticket.search([("is_problem", "=", True), ("id", "in", self.problem.ids)]), self.problem)
        action = self.problem.action_open_incidents()
        self.assertEqual(self.Ticket.search(action["domain"]), self.problem.incident_ids)
        self.incident_b.problem_id = False
        self.assertEqual(self.problem.incident_count, 2)

    def test_ticket_is_not_its_own_problem(self):
        with self.assertRaises(ValidationError) as caught:
            self.problem.problem_id = self.problem
        self.assertIn("cannot be its own problem", str(caught.exception))
        self._assert_unchanged()

    def test_loop_of_problems_refused(self):
        with self.assertRaises(ValidationError) as caught:
            self.problem.problem_id = self.incident_a
        self.assertIn("a loop of problems", str(caught.exception))
        self._assert_unchanged()

    def test_chain_of_problems_refused(self):
        other = self._create_ticket(name="Another report")
        with self.assertRaises(ValidationError) as caught:
            other.problem_id = self.incident_a
        self.assertIn("is an incident of", str(caught.exception))
        self.assertFalse(other.problem_id)
        with self.assertRaises(ValidationError) as caught:
            self.problem.problem_id = other
        self.assertIn("is the problem of other tickets", str(caught.exception))
        self._assert_unchanged()

    def test_problem_of_another_company_refused(self):
        elsewhere = self._create_ticket(team=self.team_other, name="Mail down there too")
        with self.assertRaises(ValidationError) as caught:
            elsewhere.problem_id = self.problem
        self.assertIn("belong to one company", str(caught.exception))
        self.assertFalse(elsewhere.problem_id)
        with self.assertRaises(ValidationError) as caught:
            self.incident_a.write({"team_id": self.team_other.id, "company_id": self.company_other.id})
        self.assertIn("belong to one company", str(caught.exception))
        self._assert_unchanged()
        self.assertEqual(self.incident_a.company_id, self.company)

    # ------------------------------------------------------------------
    # One reply on the problem reaches every incident's customer
    # ------------------------------------------------------------------

    def _line(self, ticket, target_type):
        return ticket.sla_line_ids.filtered(lambda line: line.target_type == target_type)

    def test_public_reply_reaches_each_incident_customer_in_their_language(self):
        when = datetime(2026, 11, 24, 11, 0)
        with at(self.env, when), self.mock_mail_gateway():
            message = self.problem.with_user(self.user_agent_a).message_post(
                body="<p>The mail server is back; messages are being delivered.</p>",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                attachments=[("status.txt", b"all green")],
            )
            self.flush_tracking()
        for incident in self.incident_a | self.incident_b:
            copy = incident.message_ids.filtered(lambda m: m.message_type == "comment")
            self.assertEqual(len(copy), 1, "the reply is posted once on each open incident")
            self.assertEqual(copy.body, message.body)
            self.assertEqual(copy.author_id, self.user_agent_a.partner_id, "in the agent's name")
            self.assertEqual(copy.subtype_id, self.env.ref("mail.mt_comment"))
            self.assertEqual(copy.attachment_ids.mapped("name"), ["status.txt"])
            self.assertEqual(copy.attachment_ids.raw, b"all green")
            self.assertNotEqual(copy.attachment_ids, message.attachment_ids, "the file is copied, not moved")
            # an agent's answer, not the customer writing
            self.assertEqual(incident.first_response_date, when)
            self.assertEqual(incident.last_agent_reply_date, when)
            self.assertFalse(incident.last_customer_message_date)
            self.assertEqual(self._line(incident, "first_response").status, "met")
            self.assertEqual(self._line(incident, "first_response").reached_date, when)
        self.assertFalse(
            self.incident_closed.message_ids.filtered(lambda m: m.message_type == "comment"),
            "a closed incident is not written to",
        )

        mails_a = self._mails_to(self.customer_a_contact)
        mails_b = self._mails_to(self.customer_b_contact)
        self.assertEqual(len(mails_a), 1, "one email to the customer of incident A")
        self.assertEqual(len(mails_b), 1, "one email to the customer of incident B")
        self.assertEqual(mails_a.model, "service.ticket")
        self.assertEqual(mails_a.res_id, self.incident_a.id, "through the incident's own thread")
        self.assertEqual(mails_b.res_id, self.incident_b.id)
        self.assertIn(self.incident_a.number, mails_a.subject)
        # each email laid out in its customer's language: the ticket's button in Spanish, in Portuguese
        self.assertIn("The mail server is back", mails_a.body_html)
        self.assertIn("Ticket de servicio", mails_a.body_html)
        self.assertNotIn("Chamado de atendimento", mails_a.body_html)
        self.assertIn("Chamado de atendimento", mails_b.body_html)
        self.assertNotIn("Ticket de servicio", mails_b.body_html)

    def test_internal_note_stays_on_the_problem(self):
        with self.mock_mail_gateway():
            self.problem.with_user(self.user_agent_a).message_post(
                body="<p>Root cause: a full disk.</p>", message_type="comment", subtype_xmlid="mail.mt_note"
            )
            self.flush_tracking()
        for incident in self.incident_a | self.incident_b:
            self.assertNotIn("full disk", "".join(incident.message_ids.mapped("body")))
            self.assertFalse(incident.first_response_date)
        self.assertFalse(self._mails_to(self.customer_a_contact) | self._mails_to(self.customer_b_contact))

    def test_customer_message_on_the_problem_stays_on_it(self):
        self.problem.partner_id = self.partner_portal_a
        self.problem.with_user(self.user_portal_a).message_post(
            body="<p>Any news about my mailbox?</p>", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        for incident in self.incident_a | self.incident_b:
            self.assertNotIn("my mailbox", "".join(incident.message_ids.mapped("body")))

    # ------------------------------------------------------------------
    # Resolving the problem resolves its open incidents
    # ------------------------------------------------------------------

    def test_resolving_the_problem_resolves_its_open_incidents(self):
        # team B resolves in a stage of its own: each incident goes to its team's resolved stage
        fixed = self.env["service.stage"].create(
            {
                "name": "SD Fixed",
                "sequence": 25,
                "is_resolved": True,
                "team_ids": [Command.set(self.team_b.ids)],
                "template_id": self.stage_resolved.template_id.id,
            }
        )
        closed_on = self.incident_closed.closed_date
        when = datetime(2026, 11, 24, 15, 30)
        with at(self.env, when), self.mock_mail_gateway():
            self.problem.with_user(self.user_agent_a).action_resolve()
            self.flush_tracking()
        self.assertTrue(self.problem.is_resolved)
        self.assertEqual(self.incident_a.stage_id, self.stage_resolved, "resolved in its team's resolved stage")
        self.assertEqual(self.incident_b.stage_id, fixed, "resolved in its team's resolved stage")
        for incident in self.incident_a | self.incident_b:
            self.assertEqual(incident.resolved_date, when)
            resolution = self._line(incident, "resolution")
            self.assertEqual(resolution.status, "met", "its resolution target met at that moment")
            self.assertEqual(resolution.reached_date, when)
        mails_a = self._mails_to(self.customer_a_contact)
        mails_b = self._mails_to(self.customer_b_contact)
        self.assertEqual(len(mails_a), 1, "customer A gets the resolution email once")
        self.assertEqual(len(mails_b), 1, "customer B gets the resolution email once")
        self.assertEqual(mails_a.res_id, self.incident_a.id)
        self.assertIn("se ha resuelto", mails_a.body_html)
        self.assertIn("foi resolvida", mails_b.body_html)
        self.assertEqual(self.incident_closed.stage_id, self.stage_closed, "a closed incident stays as it is")
        self.assertEqual(self.incident_closed.closed_date, closed_on)
        self.assertEqual(self.incident_closed.resolved_date, TUESDAY)

    def test_resolving_an_incident_leaves_its_problem_alone(self):
        self.incident_a.action_resolve()
        self.assertFalse(self.problem.is_resolved)
        self.assertFalse(self.incident_b.is_resolved)


@tagged("post_install", "-at_install")
class TestProblemPortal(ServiceDeskPortalCommon, HttpCase):
    """Customer A's ticket is an incident of a problem reported by customer B."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ticket_a.partner_id = cls.partner_portal_a
        cls.problem = cls.ticket_b
        cls.incident_b = cls._create_ticket(name="B's own incident", partner_id=cls.customer_b_contact.id)
        (cls.ticket_a | cls.incident_b).problem_id = cls.problem

    def _page(self, ticket):
        return self.url_open(f"/my/service/tickets/{ticket.id}")

    def test_incident_page_names_its_problem(self):
        self._login_a()
        response = self._page(self.ticket_a)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Known problem", response.text)
        self.assertIn(self.problem.number, response.text)
        self.assertIn(self.problem.name, response.text)
        self.assertIn("being worked on", response.text)
        # another customer's problem: no link, none of its details
        self.assertNotIn("Confidential B details", response.text)
        self.assertNotIn(f"/my/service/tickets/{self.problem.id}", response.text)

        self.problem.stage_id = self.stage_resolved
        response = self._page(self.ticket_a)
        self.assertIn(self.problem.number, response.text)
        self.assertNotIn("being worked on", response.text)

    def test_own_problem_is_linked(self):
        problem = self._create_ticket(name="Printers offline", partner_id=self.customer_a_contact.id)
        self.ticket_a.problem_id = problem
        self._login_a()
        response = self._page(self.ticket_a)
        self.assertIn(f"/my/service/tickets/{problem.id}", response.text)

    def test_other_customers_incident_not_reachable(self):
        self._login_a()
        self.assertEqual(self._page(self.incident_b).status_code, 404)
        self.assertEqual(self._page(self.problem).status_code, 404)
        self.assertNotIn(self.incident_b.name, self._page(self.ticket_a).text)

    def test_visitor_with_the_incidents_link_gets_no_link_to_the_problem(self):
        problem = self._create_ticket(name="Printers offline", partner_id=self.customer_a_contact.id)
        self.ticket_a.problem_id = problem
        visitor = self.ticket_a._portal_problem_summary(self.user_public)
        self.assertEqual(visitor["number"], problem.number)
        self.assertFalse(visitor["url"], "the problem's own link is not handed to whoever holds the incident's")
        self.assertEqual(self.ticket_a._portal_problem_summary(self.user_portal_a)["url"], problem.access_url)
        self.assertEqual(self.incident_b._portal_problem_summary(self.user_portal_a)["number"], self.problem.number)
        self.assertFalse(self.ticket_a.problem_id.incident_ids - self.ticket_a)
