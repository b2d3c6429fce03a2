"""Merging tickets: one ticket of a customer company is kept, the others
give it everything and close as merged into it; their SLA targets are
cancelled, mail that finds them lands on the kept one, the portal shows one
ticket. Each refusal says why and changes nothing."""

from datetime import datetime

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged, users
from odoo.tools import mute_logger

from .common import (
    ServiceDeskCommon,
    ServiceDeskMailCommon,
    ServiceDeskPortalCommon,
    SlaCommon,
)

# 2026-11-23 is a Monday; SlaCommon's calendar works Monday to Friday, 8-12 and 13-17 (UTC)
MONDAY_9 = datetime(2026, 11, 23, 9)
MONDAY_11 = datetime(2026, 11, 23, 11)


@tagged("post_install", "-at_install")
class TestTicketMerge(ServiceDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tag_printer = cls.env["service.tag"].create({"name": "SD Merge Printer"})
        cls.tag_urgent = cls.env["service.tag"].create({"name": "SD Merge Urgent"})
        cls.kept = cls._create_ticket(
            name="Printer broken", partner_id=cls.customer_a_contact.id, tag_ids=[(4, cls.tag_printer.id)]
        )
        cls.dup = cls._create_ticket(
            name="Printer still broken", partner_id=cls.customer_a.id, tag_ids=[(4, cls.tag_urgent.id)]
        )

    def _state(self, *tickets):
        """What a refused merge must leave as it was."""
        return [
            (
                ticket.stage_id,
                ticket.merged_into_id,
                ticket.active,
                ticket.tag_ids,
                ticket.message_ids.ids,
                ticket.message_partner_ids,
                ticket.sla_line_ids.mapped("status"),
            )
            for ticket in (ticket.sudo() for ticket in tickets)
        ]

    def _assert_refused(self, sources, target, reason, error=UserError):
        tickets = sources | target
        before = self._state(*tickets)
        with self.assertRaises(error) as caught:
            sources.action_merge_into(target)
        self.assertIn(reason, str(caught.exception))
        tickets.invalidate_recordset()
        self.assertEqual(self._state(*tickets), before, "nothing changed")

    # ------------------------------------------------------------------
    # What moves
    # ------------------------------------------------------------------

    def test_merge_moves_everything_and_closes_the_others(self):
        dup = self.dup
        comment = dup.message_post(body="The toner light blinks", message_type="comment", subtype_xmlid="mail.mt_note")
        attachment = self.env["ir.attachment"].create(
            {"name": "photo.jpg", "raw": b"jpeg", "res_model": "service.ticket", "res_id": dup.id}
        )
        dup.message_subscribe(partner_ids=self.user_agent_b.partner_id.ids)
        contact = self.env["service.interaction"].create(
            {
                "partner_id": self.customer_a_contact.id,
                "ticket_id": dup.id,
                "user_id": self.user_agent_a.id,
                "direction": "outbound",
                "summary": "Called back about the toner",
            }
        )
        activity = dup.activity_schedule("mail.mail_activity_data_todo", user_id=self.user_agent_a.id)
        product = self.env["product.product"].create({"name": "SD Merge Printer", "type": "consu"})
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.in_type_id.id,
                "partner_id": self.customer_a.id,
                "service_ticket_id": dup.id,
            }
        )
        repair = self.env["repair.order"].create(
            {"partner_id": self.customer_a.id, "product_id": product.id, "service_ticket_id": dup.id}
        )
        credit_note = self.env["account.move"].create(
            {"move_type": "out_refund", "partner_id": self.customer_a.id, "service_ticket_id": dup.id}
        )

        dup.with_user(self.user_agent_a).action_merge_into(self.kept)

        kept = self.kept
        self.assertEqual(comment.res_id, kept.id)
        self.assertIn(comment, kept.message_ids)
        self.assertEqual((attachment.res_model, attachment.res_id), ("service.ticket", kept.id))
        self.assertIn(self.user_agent_b.partner_id, kept.message_partner_ids)
        self.assertEqual(contact.ticket_id, kept)
        self.assertEqual(activity.res_id, kept.id)
        self.assertEqual(picking.service_ticket_id, kept)
        self.assertEqual(repair.service_ticket_id, kept)
        self.assertEqual(credit_note.service_ticket_id, kept)
        self.assertEqual(kept.tag_ids, self.tag_printer | self.tag_urgent)
        self.assertEqual((kept.picking_count, kept.repair_count), (1, 1))

        self.assertEqual(dup.merged_into_id, kept)
        self.assertEqual(kept.merged_ticket_ids, dup)
        self.assertTrue(dup.is_closed)
        self.assertFalse(dup.is_resolved, "a merged ticket is not resolved: its request goes on in the kept one")
        self.assertEqual(dup.stage_id, self.stage_cancelled)
        self.assertTrue(kept.active and not kept.is_closed)
        note = dup.message_ids[:1]
        self.assertIn("Merged into", str(note.body))
        self.assertIn(f'data-oe-id="{kept.id}"', str(note.body))
        self.assertIn(kept.number, str(note.body))
        self.assertTrue(note.subtype_id.internal)
        self.assertIn(dup.number, str(kept.message_ids[:1].body))

    def test_merge_moves_links_incidents_and_problem(self):
        other = self._create_ticket(name="Scanner jams", partner_id=self.customer_a.id)
        problem = self._create_ticket(name="Firmware 2.1 crashes", partner_id=self.customer_a.id)
        incident = self._create_ticket(name="Printer reboots", partner_id=self.customer_a.id)
        self.dup.linked_ticket_ids = other
        self.dup.problem_id = problem
        self.dup.action_merge_into(self.kept)
        self.assertEqual(self.kept.linked_ticket_ids, other, "linked to what the merged ticket was linked to")
        self.assertEqual(self.kept.problem_id, problem, "an incident of the merged ticket's problem")

        kept_problem = self._create_ticket(name="Firmware 2.2 crashes", partner_id=self.customer_a.id)
        merged_problem = self._create_ticket(name="Firmware 2.2 too", partner_id=self.customer_a.id)
        incident.problem_id = merged_problem
        merged_problem.action_merge_into(kept_problem)
        self.assertEqual(incident.problem_id, kept_problem, "the merged problem's incidents follow the kept one")

    def test_customer_writing_on_a_merged_ticket_reopens_the_kept_one(self):
        self.dup.action_merge_into(self.kept)
        self.kept.action_resolve()
        self.dup.message_post(
            body="It broke again",
            author_id=self.customer_a_contact.id,
            message_type="email",
            subtype_xmlid="mail.mt_comment",
        )
        self.assertFalse(self.kept.is_resolved, "the kept ticket goes back to work")
        self.assertTrue(self.kept.last_customer_message_date)
        self.assertEqual(self.dup.stage_id, self.stage_cancelled, "the merged ticket stays closed")
        self.assertEqual(self.dup.reopen_count, 0)

    def test_followers_are_not_duplicated(self):
        partner = self.user_agent_b.partner_id
        (self.kept | self.dup).message_subscribe(partner_ids=partner.ids)
        self.dup.action_merge_into(self.kept)
        followers = self.env["mail.followers"].search(
            [("res_model", "=", "service.ticket"), ("res_id", "=", self.kept.id), ("partner_id", "=", partner.id)]
        )
        self.assertEqual(len(followers), 1)

    def test_merge_several_and_chains(self):
        third = self._create_ticket(name="Third", partner_id=self.customer_a_contact.id)
        (self.dup | third).action_merge_into(self.kept)
        self.assertEqual(self.kept.merged_ticket_ids, self.dup | third)
        self.assertIn(third.number, str(self.kept.message_ids[:1].body))
        later = self._create_ticket(name="Later", partner_id=self.customer_a_contact.id)
        self.kept.action_merge_into(later)
        self.assertEqual(self.dup._merge_kept_ticket(), later, "the end of the chain")

    def test_merged_case_hands_nothing_over(self):
        """Closing an ownership transfer case hands its serial over (and refuses without one): closing
        it as merged does not, its request goes on in the kept ticket."""
        case = self._create_ticket(
            name="Transfer", partner_id=self.customer_a.id, ticket_type="case", case_kind="ownership_transfer"
        )
        with self.assertRaises(UserError):
            case.copy().action_close()
        case.action_merge_into(self.kept)
        self.assertTrue(case.is_closed)
        self.assertFalse(case.ownership_transferred)

    def test_query_count_does_not_follow_messages(self):
        """Each kind of document moves in one update, whatever their number."""

        def merge_cost(count):
            kept = self._create_ticket(name="Kept", partner_id=self.customer_a_contact.id)
            dup = self._create_ticket(name="Dup", partner_id=self.customer_a_contact.id)
            # more rows than the ORM writes in one statement (100)
            self.env["mail.message"].create(
                [
                    {"model": dup._name, "res_id": dup.id, "body": f"Message {index}", "message_type": "comment"}
                    for index in range(count)
                ]
            )
            self.env["ir.attachment"].create(
                [{"name": f"log{index}.txt", "res_model": dup._name, "res_id": dup.id} for index in range(count)]
            )
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            dup.action_merge_into(kept)
            self.env.flush_all()
            cost = self.env.cr.sql_log_count - before
            self.assertEqual(len(kept.message_ids.filtered(lambda m: m.body and "Message" in str(m.body))), count)
            attachments = self.env["ir.attachment"].search([("res_model", "=", kept._name), ("res_id", "=", kept.id)])
            self.assertEqual(len(attachments), count)
            return cost

        merge_cost(2)  # warm-up: the first merge fills caches
        self.assertEqual(merge_cost(2), merge_cost(250))

    # ------------------------------------------------------------------
    # Refusals
    # ------------------------------------------------------------------

    def test_refused_into_itself(self):
        self._assert_refused(self.kept, self.kept, "cannot be merged into itself")

    def test_refused_into_merged_ticket(self):
        third = self._create_ticket(name="Third", partner_id=self.customer_a_contact.id)
        third.action_merge_into(self.kept)
        self._assert_refused(self.dup, third, f"was merged into {self.kept.display_name}")
        self._assert_refused(third, self.dup, "is already merged")

    def test_refused_into_archived_ticket(self):
        self.kept.active = False
        self._assert_refused(self.dup, self.kept, "is archived: restore it before merging into it")

    def test_refused_for_archived_ticket(self):
        self.dup.active = False
        self._assert_refused(self.dup, self.kept, "is archived: restore it before merging it.")

    def test_refused_across_customer_companies(self):
        other = self._create_ticket(name="Other customer", partner_id=self.customer_b_contact.id)
        self._assert_refused(other, self.kept, "only tickets of one customer company can be merged")
        self._assert_refused(self.kept, other, "only tickets of one customer company can be merged")

    def test_refused_across_companies(self):
        other = self._create_ticket(team=self.team_other, name="Other company", partner_id=self.customer_a.id)
        self.assertEqual(other.commercial_partner_id, self.kept.commercial_partner_id)
        self._assert_refused(other, self.kept, "tickets of different companies cannot be merged")

    def test_refused_without_ticket_to_keep(self):
        self._assert_refused(self.dup, self.env["service.ticket"], "Choose the one ticket to keep")

    @users("sd_agent_b")
    def test_refused_to_an_agent_outside_the_team(self):
        Ticket = self.env["service.ticket"]
        self._assert_refused(Ticket.browse(self.dup.id), Ticket.browse(self.kept.id), "", error=AccessError)

    @users("sd_internal")
    def test_refused_to_a_user_who_is_no_agent(self):
        Ticket = self.env["service.ticket"]
        self._assert_refused(Ticket.browse(self.dup.id), Ticket.browse(self.kept.id), "", error=AccessError)

    # ------------------------------------------------------------------
    # The wizard
    # ------------------------------------------------------------------

    @users("sd_agent_a")
    def test_wizard_from_the_list_keeps_the_oldest(self):
        tickets = self.env["service.ticket"].browse((self.dup | self.kept).ids)
        Wizard = self.env["service.ticket.merge"].with_context(active_model="service.ticket", active_ids=tickets.ids)
        wizard = Wizard.create({})
        self.assertEqual(wizard.ticket_ids, tickets)
        self.assertEqual(wizard.target_id, self.kept, "the oldest ticket is kept by default")
        self.assertFalse(wizard.refusal)
        wizard.target_id = self.dup.id
        action = wizard.action_merge()
        self.assertEqual(action["res_id"], self.dup.id)
        self.assertEqual(self.kept.merged_into_id, self.dup)

    @users("sd_agent_a")
    def test_wizard_from_the_form_shows_the_refusal(self):
        other = self._create_ticket(name="Other customer", partner_id=self.customer_b_contact.id)
        action = self.env["service.ticket"].browse(self.kept.id).action_open_merge()
        self.assertEqual(action["res_model"], "service.ticket.merge")
        wizard = self.env["service.ticket.merge"].with_context(**action["context"]).create({})
        self.assertEqual(wizard.ticket_ids.ids, self.kept.ids)
        self.assertIn("at least two", wizard.refusal)
        wizard.ticket_ids = (self.kept | other).ids
        wizard.target_id = self.kept.id
        self.assertIn("only tickets of one customer company", wizard.refusal)
        with self.assertRaises(UserError):
            wizard.action_merge()
        self.assertFalse(other.merged_into_id)


@tagged("post_install", "-at_install")
class TestTicketMergeSla(SlaCommon):
    def test_merged_targets_cancelled_and_earliest_start_kept(self):
        older = self._ticket(MONDAY_9)
        kept = self._ticket(MONDAY_11)
        first = self._line(kept, "first_response")
        self.assertEqual(first.deadline, datetime(2026, 11, 23, 14), "2 working hours, lunch excluded")
        with self.at(datetime(2026, 11, 23, 11, 30)):
            older.action_merge_into(kept)
        self.assertEqual(set(older.sla_line_ids.mapped("status")), {"cancelled"})
        self.assertEqual(older.sla_status, "none", "cancelled targets count neither way")
        self.assertEqual(first.start_date, MONDAY_9, "the earliest start counts")
        self.assertEqual(first.deadline, MONDAY_11)
        resolution = self._line(kept, "resolution")
        self.assertEqual(resolution.start_date, MONDAY_9)
        self.assertEqual(resolution.deadline, datetime(2026, 11, 24, 11), "10 working hours from Monday 9:00")
        self.assertEqual(kept.sla_deadline, MONDAY_11)

        # later, the deadline watch breaches the kept ticket's target, never the cancelled ones
        with self.at(datetime(2026, 11, 25, 12)):
            self.env["service.ticket.sla"]._cron_check_deadlines()
        self.assertEqual(first.status, "breached")
        self.assertEqual(set(older.sla_line_ids.mapped("status")), {"cancelled"})
        self.assertFalse(older.sla_line_ids.filtered("reached_date"))

        report = self.env["service.ticket.report"].search([("ticket_id", "=", older.id)])
        self.assertEqual((report.first_response_sla, report.resolution_sla), ("none", "none"))
        self.assertFalse(report.sla_compliance)

    def test_kept_start_stays_when_it_is_earliest(self):
        kept = self._ticket(MONDAY_9)
        newer = self._ticket(MONDAY_11)
        with self.at(datetime(2026, 11, 23, 11, 30)):
            newer.action_merge_into(kept)
        self.assertEqual(self._line(kept, "first_response").start_date, MONDAY_9)
        self.assertEqual(self._line(kept, "first_response").deadline, MONDAY_11)

    def test_kept_met_targets_stay(self):
        older = self._ticket(MONDAY_9)
        kept = self._ticket(MONDAY_11)
        self._reply(kept, datetime(2026, 11, 23, 11, 15))
        first = self._line(kept, "first_response")
        self.assertEqual(first.status, "met")
        with self.at(datetime(2026, 11, 23, 11, 30)):
            older.action_merge_into(kept)
        self.assertEqual(first.status, "met")
        self.assertEqual(first.start_date, MONDAY_11, "a reached target is not planned again")


@tagged("post_install", "-at_install")
class TestTicketMergeMail(ServiceDeskMailCommon):
    def _merged_pair(self):
        first_id = self._receive(self.customer_a_contact.email_formatted, self.alias_team_a, "Scanner offline")
        dup = self._ticket_of(first_id)
        kept = self._create_ticket(name="Scanner", partner_id=self.customer_a_contact.id)
        dup.action_merge_into(kept)
        return first_id, dup, kept

    def test_reply_to_a_moved_message_lands_on_the_kept_ticket(self):
        first_id, __, kept = self._merged_pair()
        reply_id = self._receive(
            self.customer_a_contact.email_formatted,
            self.alias_team_a,
            "Re: Scanner offline",
            body="Still offline.",
            headers=[("In-Reply-To", first_id), ("References", first_id)],
        )
        self.assertEqual(self._ticket_of(reply_id), kept)

    def test_reply_to_the_merged_ticket_lands_on_the_kept_ticket(self):
        __, dup, kept = self._merged_pair()
        # an answer posted on the merged ticket after the merge: its email's replies find the merged ticket
        answer = dup.with_user(self.user_agent_a).message_post(
            body="We merged your requests.", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertEqual(answer.res_id, dup.id)
        count = self.Ticket.search_count([])
        reply_id = self._receive(
            self.customer_a_contact.email_formatted,
            self.alias_team_a,
            "Re: We merged",
            body="Thanks.",
            headers=[("In-Reply-To", answer.message_id), ("References", answer.message_id)],
        )
        self.assertEqual(self._ticket_of(reply_id), kept)
        self.assertEqual(self.Ticket.search_count([]), count, "no new ticket")
        self.assertFalse(dup.message_ids.filtered(lambda m: m.message_id == reply_id))

    def test_number_of_the_merged_ticket_in_the_subject(self):
        __, dup, kept = self._merged_pair()
        reply_id = self._receive(
            self.customer_a_contact.email_formatted, self.alias_team_a, f"[{dup.number}] one more detail"
        )
        self.assertEqual(self._ticket_of(reply_id), kept)


@tagged("post_install", "-at_install")
class TestTicketMergePortal(HttpCase, ServiceDeskPortalCommon):
    def test_portal_shows_one_ticket(self):
        dup = self._create_ticket(name="Paper jam again", partner_id=self.customer_a_contact.id)
        dup.action_merge_into(self.ticket_a)
        self._login_a()
        listing = self.url_open("/my/service/tickets")
        self.assertEqual(listing.status_code, 200)
        self.assertIn(self.ticket_a.number, listing.text)
        self.assertNotIn(dup.number, listing.text)
        counters = self.url_open("/my/counters", json={"params": {"counters": ["service_ticket_count"]}})
        self.assertEqual(counters.json()["result"]["service_ticket_count"], 1)

        response = self.url_open(f"/my/service/tickets/{dup.id}", allow_redirects=False)
        self.assertIn(response.status_code, (301, 302, 303))
        self.assertTrue(response.headers["Location"].endswith(f"/my/service/tickets/{self.ticket_a.id}"))

    @mute_logger("odoo.http")
    def test_no_redirect_for_who_may_not_read_the_kept_ticket(self):
        dup = self._create_ticket(name="Paper jam again", partner_id=self.customer_a_contact.id)
        dup.action_merge_into(self.ticket_a)
        token = dup._portal_ensure_token()
        response = self.url_open(f"/my/service/tickets/{dup.id}?access_token={token}", allow_redirects=False)
        self.assertEqual(response.status_code, 200, "the visitor with the link sees the merged ticket, not the other")
        self.assertIn(dup.number, response.text)
        self.assertIn("o_service_merged", response.text)
        self.assertNotIn("o_service_reply", response.text, "the conversation continues on the kept ticket")
        self.assertNotIn(f"/my/service/tickets/{dup.id}/reopen", response.text)
