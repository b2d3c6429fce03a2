import re
from datetime import datetime

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import FIXTURE_CONTEXT, ServiceDeskCommon

T0 = datetime(2026, 1, 5, 9, 0)
T1 = datetime(2026, 1, 5, 10, 0)
T2 = datetime(2026, 1, 5, 11, 0)
T3 = datetime(2026, 1, 6, 12, 0)
T4 = datetime(2026, 1, 7, 15, 30)


@tagged("post_install", "-at_install")
class TestTicketNumberAndDefaults(ServiceDeskCommon):
    def test_number_from_sequence(self):
        tickets = self.env["service.ticket"].create(
            [
                {"name": "First", "team_id": self.team_a.id},
                {"name": "Second", "team_id": self.team_a.id},
                {"name": "Explicit placeholder", "team_id": self.team_b.id, "number": "New"},
            ]
        )
        numbers = tickets.mapped("number")
        for number in numbers:
            self.assertRegex(number, r"^SD\d{5}$")
        self.assertEqual(len(set(numbers)), 3, "every ticket gets its own number")
        # numbers follow creation order
        values = [int(re.sub(r"\D", "", number)) for number in numbers]
        self.assertEqual(values, sorted(values))
        self.assertEqual(tickets[0].display_name, f"{numbers[0]} First")

    def test_number_of_copy(self):
        ticket = self._create_ticket(name="Broken screen")
        copy = ticket.copy()
        self.assertRegex(copy.number, r"^SD\d{5}$")
        self.assertNotEqual(copy.number, ticket.number)
        self.assertEqual(copy.name, "Broken screen (copy)")

    def test_number_unique_in_company(self):
        ticket = self._create_ticket()
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self._create_ticket(number=ticket.number)
            self.env.flush_all()

    def test_company_follows_team(self):
        # created while the main company is the current one
        self.assertEqual(self.env.company, self.company)
        ticket = self._create_ticket(team=self.team_other)
        self.assertEqual(ticket.company_id, self.company_other)

        ticket = self._create_ticket(team=self.team_a)
        self.assertEqual(ticket.company_id, self.company)
        ticket.team_id = self.team_other
        self.assertEqual(ticket.company_id, self.company_other)
        ticket.team_id = self.team_b
        self.assertEqual(ticket.company_id, self.company)

    def test_company_team_mismatch(self):
        with self.assertRaises(ValidationError):
            self._create_ticket(team=self.team_a, company_id=self.company_other.id)

    def test_default_team_of_other_company_user(self):
        """A user of the other company gets a team of that company."""
        ticket = self.env["service.ticket"].with_user(self.user_agent_other).create({"name": "No team given"})
        self.assertEqual(ticket.team_id, self.team_other)
        self.assertEqual(ticket.company_id, self.company_other)
        self.assertEqual(ticket.stage_id, self.stage_new)

    def test_default_team_of_agent(self):
        """An agent creating a ticket without team gets one of their own teams,
        not merely the first team of the company (which they may not see)."""
        self.team_b.sequence = 0  # team B now comes first in the company
        ticket = self.env["service.ticket"].with_user(self.user_agent_a).create({"name": "No team given"})
        self.assertEqual(ticket.team_id, self.team_a)
        self.assertEqual(ticket.stage_id, self.stage_new)

    def test_default_stage(self):
        ticket = self._create_ticket()
        self.assertEqual(ticket.stage_id, self.stage_new)
        self.assertFalse(ticket.resolved_date)
        self.assertFalse(ticket.closed_date)
        self.assertFalse(ticket.first_response_date)
        self.assertEqual(ticket.reopen_count, 0)

    def test_default_stage_team_specific(self):
        """A stage of one team only comes first for that team, and a ticket
        moved to another team leaves the stages the new team does not use."""
        triage = self.env["service.stage"].create(
            {
                "name": "Triage",
                "sequence": 0,
                "team_ids": [Command.link(self.team_b.id)],
            }
        )
        ticket_b = self._create_ticket(team=self.team_b)
        ticket_a = self._create_ticket(team=self.team_a)
        self.assertEqual(ticket_b.stage_id, triage)
        self.assertEqual(ticket_a.stage_id, self.stage_new)

        ticket_b.team_id = self.team_a
        self.assertEqual(ticket_b.stage_id, self.stage_new, "Triage is not a stage of team A")

        ticket_a.stage_id = self.stage_in_progress
        ticket_a.team_id = self.team_b
        self.assertEqual(ticket_a.stage_id, self.stage_in_progress, "a shared stage is kept")

    def test_stage_without_team_serves_every_team(self):
        """A stage linked to no team is offered to every team, including teams
        created after it: creating a team must not take it for itself."""
        intake = self.env["service.stage"].create({"name": "Intake", "sequence": -10})
        Team = self.env["service.team"].with_context(tracking_disable=True)
        team_x = Team.create({"name": "SD Team X"})
        team_y = Team.create({"name": "SD Team Y"})
        ticket_x = self._create_ticket(team=team_x)
        ticket_y = self._create_ticket(team=team_y)
        self.assertEqual(ticket_x.stage_id, intake)
        self.assertEqual(ticket_y.stage_id, intake)
        self.assertEqual(self._create_ticket(team=self.team_a).stage_id, intake)

    def test_first_stage_follows_stage_changes_at_once(self):
        """The first stage of a team is kept between tickets: a change of
        which stages a team uses, or of their order, applies to the next
        ticket."""
        self.assertEqual(self._create_ticket(team=self.team_b).stage_id, self.stage_new)
        triage = self.env["service.stage"].create({"name": "Triage", "sequence": 0, "team_ids": [Command.set([])]})
        self.assertEqual(self._create_ticket(team=self.team_b).stage_id, triage, "a new stage")
        triage.sequence = 100
        self.assertEqual(self._create_ticket(team=self.team_b).stage_id, self.stage_new, "stages reordered")
        triage.sequence = 0
        triage.team_ids = self.team_a
        self.assertEqual(self._create_ticket(team=self.team_b).stage_id, self.stage_new, "now another team's")
        self.team_b.stage_ids = [Command.link(triage.id)]
        self.assertEqual(self._create_ticket(team=self.team_b).stage_id, triage, "linked from the team")
        triage.action_archive()
        self.assertEqual(self._create_ticket(team=self.team_b).stage_id, self.stage_new, "archived")


@tagged("post_install", "-at_install")
class TestTicketLifecycle(ServiceDeskCommon):
    def _assert_dates(self, ticket, resolved, closed, reopen_count):
        self.assertEqual(ticket.resolved_date, resolved or False)
        self.assertEqual(ticket.closed_date, closed or False)
        self.assertEqual(ticket.reopen_count, reopen_count)

    def test_open_stage_moves_change_nothing(self):
        with freeze_time(T0):
            ticket = self._create_ticket()
        for when, stage in (
            (T1, self.stage_in_progress),
            (T2, self.stage_waiting),
            (T3, self.stage_in_progress),
            (T4, self.stage_new),
        ):
            with freeze_time(when):
                ticket.stage_id = stage
            self._assert_dates(ticket, False, False, 0)

    def test_resolve_then_close(self):
        with freeze_time(T0):
            ticket = self._create_ticket()
        with freeze_time(T1):
            ticket.stage_id = self.stage_in_progress
        with freeze_time(T2):
            ticket.stage_id = self.stage_resolved
        self._assert_dates(ticket, T2, False, 0)
        self.assertTrue(ticket.is_resolved)
        self.assertFalse(ticket.is_closed)

        with freeze_time(T3):
            ticket.stage_id = self.stage_resolved  # written again: not a new resolution
        self._assert_dates(ticket, T2, False, 0)

        with freeze_time(T4):
            ticket.stage_id = self.stage_closed
        self._assert_dates(ticket, T2, T4, 0)
        self.assertTrue(ticket.is_closed)

    def test_close_directly(self):
        """Closing an open ticket at once resolves and closes it at once."""
        ticket = self._create_ticket()
        with freeze_time(T1):
            ticket.stage_id = self.stage_closed
        self._assert_dates(ticket, T1, T1, 0)

    def test_cancel(self):
        ticket = self._create_ticket()
        with freeze_time(T1):
            ticket.stage_id = self.stage_cancelled
        self._assert_dates(ticket, False, T1, 0)
        self.assertFalse(ticket.is_resolved)
        self.assertTrue(ticket.is_closed)

    def test_create_in_final_stage(self):
        with freeze_time(T0):
            resolved, cancelled = self._create_ticket(stage_id=self.stage_resolved.id) | self._create_ticket(
                stage_id=self.stage_cancelled.id
            )
        self._assert_dates(resolved, T0, False, 0)
        self._assert_dates(cancelled, False, T0, 0)

    def test_reopen_from_resolved(self):
        ticket = self._create_ticket()
        with freeze_time(T1):
            ticket.stage_id = self.stage_resolved
        with freeze_time(T2):
            ticket.stage_id = self.stage_in_progress
        self._assert_dates(ticket, False, False, 1)
        with freeze_time(T3):
            ticket.stage_id = self.stage_resolved
        self._assert_dates(ticket, T3, False, 1)
        with freeze_time(T4):
            ticket.action_reopen()
        self.assertEqual(ticket.stage_id, self.stage_in_progress)
        self._assert_dates(ticket, False, False, 2)

    def test_reopen_from_closed(self):
        ticket = self._create_ticket()
        with freeze_time(T1):
            ticket.stage_id = self.stage_resolved
        with freeze_time(T2):
            ticket.stage_id = self.stage_closed
        with freeze_time(T3):
            ticket.action_reopen()
        self.assertEqual(ticket.stage_id, self.stage_in_progress)
        self._assert_dates(ticket, False, False, 1)
        # a reopened ticket is resolved anew
        with freeze_time(T4):
            ticket.action_resolve()
        self.assertEqual(ticket.stage_id, self.stage_resolved)
        self._assert_dates(ticket, T4, False, 1)

    def test_reopen_from_cancelled(self):
        ticket = self._create_ticket()
        with freeze_time(T1):
            ticket.stage_id = self.stage_cancelled
        with freeze_time(T2):
            ticket.action_reopen()
        self.assertEqual(ticket.stage_id, self.stage_in_progress)
        self._assert_dates(ticket, False, False, 1)

    def test_reopen_skips_waiting_stage(self):
        """Reopening brings the ticket back to work, not to a stage that waits on
        the customer, even when that stage comes last among the open ones."""
        self.stage_waiting.sequence = 35
        ticket = self._create_ticket(stage_id=self.stage_closed.id)
        ticket.action_reopen()
        self.assertEqual(ticket.stage_id, self.stage_in_progress)

    def test_reopen_open_ticket(self):
        for stage in (self.stage_new, self.stage_in_progress, self.stage_waiting):
            ticket = self._create_ticket(stage_id=stage.id)
            with self.assertRaises(UserError):
                ticket.action_reopen()
            self.assertEqual(ticket.stage_id, stage)
            self.assertEqual(ticket.reopen_count, 0)

    def test_reopen_batch_with_open_ticket(self):
        closed = self._create_ticket(stage_id=self.stage_closed.id)
        still_open = self._create_ticket(stage_id=self.stage_in_progress.id)
        with self.assertRaises(UserError):
            (closed | still_open).action_reopen()

    def test_actions_resolve_and_close(self):
        tickets = self._create_ticket() | self._create_ticket(team=self.team_b)
        with freeze_time(T1):
            tickets.action_resolve()
        self.assertEqual(tickets.stage_id, self.stage_resolved)
        with freeze_time(T2):
            tickets.action_close()
        self.assertEqual(tickets.stage_id, self.stage_closed)
        for ticket in tickets:
            self._assert_dates(ticket, T1, T2, 0)

    def test_batch_write(self):
        with freeze_time(T0):
            new = self._create_ticket()
            progress = self._create_ticket(stage_id=self.stage_in_progress.id)
            resolved = self._create_ticket(stage_id=self.stage_resolved.id)
            closed = self._create_ticket(stage_id=self.stage_closed.id)
            cancelled = self._create_ticket(stage_id=self.stage_cancelled.id)
        closed.reopen_count = 3  # reopened before: the counter goes on

        with freeze_time(T1):
            (new | progress | resolved).write({"stage_id": self.stage_resolved.id})
        self._assert_dates(new, T1, False, 0)
        self._assert_dates(progress, T1, False, 0)
        self._assert_dates(resolved, T0, False, 0)  # already resolved: date kept

        with freeze_time(T2):
            (new | progress | resolved | closed | cancelled).write({"stage_id": self.stage_in_progress.id})
        for ticket in new | progress | resolved | cancelled:
            self._assert_dates(ticket, False, False, 1)
        self._assert_dates(closed, False, False, 4)

        with freeze_time(T3):
            (new | closed).write({"stage_id": self.stage_closed.id, "priority": "2"})
        self._assert_dates(new, T3, T3, 1)
        self._assert_dates(closed, T3, T3, 4)
        self.assertEqual((new | closed).mapped("priority"), ["2", "2"])

    def test_write_without_stage(self):
        ticket = self._create_ticket(stage_id=self.stage_resolved.id)
        resolved_date = ticket.resolved_date
        with freeze_time(T4):
            ticket.write({"priority": "3", "name": "Renamed"})
        self._assert_dates(ticket, resolved_date, False, 0)

    def test_lifecycle_as_agent(self):
        """Agents move their tickets through the pipeline with their own rights."""
        ticket = self._create_ticket().with_user(self.user_agent_a)
        with freeze_time(T1):
            ticket.action_resolve()
        with freeze_time(T2):
            ticket.action_reopen()
        self.assertEqual(ticket.stage_id, self.stage_in_progress)
        self._assert_dates(ticket, False, False, 1)


@tagged("post_install", "-at_install")
class TestTicketProductLot(ServiceDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.product_printer = Product.create(
            {
                "name": "SD Laser Printer",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
            }
        )
        cls.product_scanner = Product.create(
            {
                "name": "SD Scanner",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
            }
        )
        cls.lot_printer = cls.env["stock.lot"].create(
            {
                "name": "SD-PRN-0001",
                "product_id": cls.product_printer.id,
                "company_id": cls.company.id,
            }
        )

    def test_lot_of_other_product(self):
        with self.assertRaises(ValidationError):
            self._create_ticket(product_id=self.product_scanner.id, lot_id=self.lot_printer.id)

    def test_lot_product_changed_later(self):
        ticket = self._create_ticket(product_id=self.product_printer.id, lot_id=self.lot_printer.id)
        self.assertEqual(ticket.lot_id, self.lot_printer)
        with self.assertRaises(ValidationError):
            ticket.product_id = self.product_scanner
        ticket.lot_id = False
        ticket.product_id = self.product_scanner
        with self.assertRaises(ValidationError):
            ticket.lot_id = self.lot_printer

    def test_lot_without_product(self):
        ticket = self._create_ticket(lot_id=self.lot_printer.id)
        self.assertEqual(ticket.lot_id, self.lot_printer)

    def test_lot_fills_product_in_form(self):
        with Form(self.env["service.ticket"].with_context(**FIXTURE_CONTEXT)) as form:
            form.name = "Paper jam"
            form.team_id = self.team_a
            form.lot_id = self.lot_printer
            self.assertEqual(form.product_id, self.product_printer)
        self.assertEqual(form.record.product_id, self.product_printer)


@tagged("post_install", "-at_install")
class TestTicketFirstResponse(ServiceDeskCommon):
    def setUp(self):
        super().setUp()
        self.ticket = self._create_ticket(partner_id=self.partner_portal_a.id)
        self._flush_tracking()  # changes made in the creating transaction are not tracked

    def _flush_tracking(self):
        self.env.flush_all()
        self.env.cr.flush()

    def _post(self, user, subtype_xmlid="mail.mt_comment", **kwargs):
        kwargs.setdefault("message_type", "comment")
        return self.ticket.with_user(user).message_post(
            body="Hello",
            subtype_xmlid=subtype_xmlid,
            **kwargs,
        )

    def test_public_reply_of_agent(self):
        with freeze_time(T1):
            message = self._post(self.user_agent_a)
        self.assertEqual(self.ticket.first_response_date, T1)
        self.assertEqual(message.date, T1)
        with freeze_time(T2):
            self._post(self.user_agent_a)
            self._post(self.user_manager)
        self.assertEqual(self.ticket.first_response_date, T1, "only the first reply counts")

    def test_reply_by_email_of_agent(self):
        with freeze_time(T1):
            self._post(self.user_agent_a, message_type="email")
        self.assertEqual(self.ticket.first_response_date, T1)

    def test_note_is_no_response(self):
        with freeze_time(T1):
            self._post(self.user_agent_a, subtype_xmlid="mail.mt_note")
        self.assertFalse(self.ticket.first_response_date)
        with freeze_time(T2):
            self._post(self.user_agent_a)
        self.assertEqual(self.ticket.first_response_date, T2)

    def test_customer_message_is_no_response(self):
        with freeze_time(T1):
            # a portal customer writing on the ticket
            self._post(self.user_portal_a)
            # a customer without user, e.g. by email
            self.ticket.message_post(
                body="Any news?",
                author_id=self.customer_a_contact.id,
                message_type="email",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertFalse(self.ticket.first_response_date)

    def test_stage_change_is_no_response(self):
        ticket = self.ticket.with_user(self.user_agent_a).with_context(mail_notrack=False)
        with freeze_time(T1):
            ticket.stage_id = self.stage_in_progress
            self._flush_tracking()
        stage_subtype = self.env.ref("service_desk.mt_ticket_stage")
        tracking = self.ticket.message_ids.filtered(lambda m: m.subtype_id == stage_subtype)
        self.assertEqual(len(tracking), 1, "the stage change was tracked")
        self.assertEqual(tracking.author_id, self.user_agent_a.partner_id)
        self.assertFalse(ticket.first_response_date)

    def test_acknowledgement_is_no_response(self):
        """The automatic acknowledgement posted when a ticket enters New is
        sent in the name of its creator, an agent here, yet is no response."""
        with freeze_time(T1):
            ticket = (
                self.env["service.ticket"]
                .with_user(self.user_agent_a)
                .create(
                    {
                        "name": "Call back please",
                        "team_id": self.team_a.id,
                        "partner_id": self.customer_a_contact.id,
                        "stage_id": self.stage_new.id,
                    }
                )
            )
            self._flush_tracking()
            self.env["service.ticket"]._cron_post_stage_emails()  # the queue the creation's commit wakes up
        acknowledgement = ticket.message_ids.filtered(lambda m: ticket.number in (m.subject or ""))
        self.assertEqual(len(acknowledgement), 1, "the New stage acknowledges the request")
        self.assertIn(self.customer_a_contact, acknowledgement.partner_ids)
        self.assertEqual(acknowledgement.author_id, self.user_agent_a.partner_id, "in the name of its creator")
        self.assertFalse(ticket.first_response_date)

    def test_automatic_message_is_no_response(self):
        with freeze_time(T1):
            self.ticket.with_user(self.user_agent_a).with_context(service_automatic_message=True).message_post(
                body="We are on it",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertFalse(self.ticket.first_response_date)


@tagged("post_install", "-at_install")
class TestPartnerServiceData(ServiceDeskCommon):
    def test_ticket_counters(self):
        self._create_ticket(partner_id=self.partner_portal_a.id)
        self._create_ticket(partner_id=self.customer_a_contact.id, stage_id=self.stage_closed.id)
        self._create_ticket(partner_id=self.customer_a_contact.id, stage_id=self.stage_cancelled.id)
        self._create_ticket(partner_id=self.customer_a.id, stage_id=self.stage_resolved.id, team=self.team_b)
        self._create_ticket(partner_id=self.customer_b_contact.id)
        self._create_ticket()  # no customer

        expected = {
            # company: all tickets of its contacts; resolved but not closed is still open
            self.customer_a: (4, 2),
            self.partner_portal_a: (1, 1),
            self.customer_a_contact: (2, 0),
            self.customer_b: (1, 1),
            self.customer_b_contact: (1, 1),
        }
        partners = self.env["res.partner"].concat(*expected)
        partners.invalidate_recordset()
        for partner, (total, still_open) in expected.items():
            self.assertEqual(partner.service_ticket_count, total, partner.name)
            self.assertEqual(partner.service_open_ticket_count, still_open, partner.name)

        # an internal user without service rights sees no count, and no error
        partners.invalidate_recordset(["service_ticket_count", "service_open_ticket_count"])
        for partner in partners.with_user(self.user_internal):
            self.assertEqual(partner.service_ticket_count, 0)
            self.assertEqual(partner.service_open_ticket_count, 0)

    def test_ticket_counters_follow_stage(self):
        ticket = self._create_ticket(partner_id=self.customer_b_contact.id)
        self.assertEqual(self.customer_b.service_open_ticket_count, 1)
        ticket.stage_id = self.stage_closed
        self.customer_b.invalidate_recordset()
        self.assertEqual(self.customer_b.service_open_ticket_count, 0)
        self.assertEqual(self.customer_b.service_ticket_count, 1)

    def test_last_contact_date(self):
        partners = self.partner_portal_a | self.customer_a
        self.assertFalse(any(partners.mapped("service_last_contact_date")))
        with freeze_time(T0):
            ticket = self._create_ticket(partner_id=self.partner_portal_a.id)
        self.assertEqual(partners.mapped("service_last_contact_date"), [T0, T0])
        self.assertFalse(self.customer_b.service_last_contact_date)

        with freeze_time(T1):  # an agent writing is not the customer getting in touch
            ticket.with_user(self.user_agent_a).message_post(
                body="Hello",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertEqual(partners.mapped("service_last_contact_date"), [T0, T0])

        with freeze_time(T2):
            ticket.with_user(self.user_portal_a).message_post(
                body="Still broken",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertEqual(partners.mapped("service_last_contact_date"), [T2, T2])
        self.assertFalse(self.customer_a_contact.service_last_contact_date, "a colleague did not write")
