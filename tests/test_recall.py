"""Recall by serial or product (issue 22): the current owner of each
recalled serial, found in one query from the ownership history and the
warranties, gets one incident of the recall's problem ticket, listing their
serials, one email in their language and a portal notice; nobody is told
twice; the recall and its problem count who was told, who wrote back and
who is done; bad launches are refused with nothing changed."""

from datetime import date, datetime
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, tagged

from ..models import service_recall
from .common import FIXTURE_CONTEXT, ServiceDeskMailCommon, ServiceDeskPortalCommon


@tagged("post_install", "-at_install")
class TestRecall(ServiceDeskMailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, mail_notrack=False, tracking_disable=False))
        env = cls.env(context=dict(cls.env.context, **FIXTURE_CONTEXT))
        cls.env["res.lang"]._activate_lang("es_ES")
        cls.env["ir.module.module"]._load_module_terms(["mail", "service_desk"], ["es_ES"], overwrite=True)
        cls.customer_a.lang = "es_ES"
        Partner = env["res.partner"]
        cls.customer_c = Partner.create(
            {"name": "SD Customer C", "is_company": True, "email": "c@customer-c.example.com"}
        )
        cls.customer_d = Partner.create(
            {"name": "SD Customer D", "is_company": True, "email": "d@customer-d.example.com"}
        )
        cls.customer_e = Partner.create(
            {"name": "SD Customer E", "is_company": True, "email": "e@customer-e.example.com"}
        )
        cls.product = env["product.product"].create(
            {"name": "SD Recalled Heater", "type": "consu", "is_storable": True, "tracking": "serial"}
        )
        cls.product_other = env["product.product"].create(
            {"name": "SD Safe Heater", "type": "consu", "is_storable": True, "tracking": "serial"}
        )
        Lot = env["stock.lot"]
        names = ["HT-1", "HT-2", "HT-3", "HT-4", "HT-5", "HT-6", "HT-7"]
        cls.lots = Lot.create(
            [{"name": name, "product_id": cls.product.id, "company_id": cls.company.id} for name in names]
        )
        cls.lot_1, cls.lot_2, cls.lot_3, cls.lot_4, cls.lot_5, cls.lot_6, cls.lot_7 = cls.lots
        cls.lot_other = Lot.create({"name": "SAFE-1", "product_id": cls.product_other.id, "company_id": cls.company.id})
        Event = env["service.lot.ownership"]
        Event.create(
            [
                # customer A owns two serials, delivered to its contact and to the company
                cls._event(cls.lot_1, "delivery", cls.customer_a_contact, day=1),
                cls._event(cls.lot_2, "delivery", cls.customer_a, day=2),
                # HT-3 went to B, then B handed it over to C: C owns it now
                cls._event(cls.lot_3, "delivery", cls.customer_b_contact, day=1),
                cls._event(cls.lot_3, "transfer", cls.customer_c, day=5, previous=cls.customer_b),
                # HT-5 went to E, who sent it back: nobody owns it outside
                cls._event(cls.lot_5, "delivery", cls.customer_e, day=1),
                cls._event(cls.lot_5, "return", None, day=3, previous=cls.customer_e),
                # the safe product's serial, owned by E: not recalled
                cls._event(cls.lot_other, "delivery", cls.customer_e, day=1),
            ]
        )
        Warranty = env["service.warranty"]
        Warranty.create(
            [
                # HT-4 has no history: its warranty names its owner, D
                cls._warranty(cls.lot_4, cls.customer_d),
                # HT-3's old warranty stays with B: the history says C owns it
                cls._warranty(cls.lot_3, cls.customer_b),
                # HT-6's only warranty was returned: back with us
                cls._warranty(cls.lot_6, cls.customer_e, return_date=date(2026, 3, 1)),
            ]
        )
        # HT-7 was never delivered
        cls.Recall = cls.env["service.recall"]

    @classmethod
    def _event(cls, lot, event, partner, day, previous=None):
        return {
            "lot_id": lot.id,
            "event": event,
            "partner_id": partner.id if partner else False,
            "previous_partner_id": previous.id if previous else False,
            "date": datetime(2026, 1, day, 9, 0),
            "company_id": cls.company.id,
        }

    @classmethod
    def _warranty(cls, lot, partner, return_date=False):
        return {
            "lot_id": lot.id,
            "product_id": lot.product_id.id,
            "partner_id": partner.id,
            "start_date": date(2026, 1, 1),
            "months": 24,
            "return_date": return_date,
            "company_id": cls.company.id,
        }

    def _recall(self, user=None, **values):
        values.setdefault("name", "Heater may overheat")
        values.setdefault("team_id", self.team_a.id)
        values.setdefault("body", "<p>Unplug your heater: we replace it free of charge.</p>")
        return self.Recall.with_user(user or self.user_agent_a).create(values)

    def _launch(self, recall):
        with self.mock_mail_gateway():
            recall.action_launch()
            self.flush_tracking()
            self._run_notification_queue()

    def _incident_of(self, recall, partner):
        return recall.incident_ticket_ids.filtered(lambda t: t.partner_id == partner)

    # ------------------------------------------------------------------
    # Owners
    # ------------------------------------------------------------------

    def test_current_owners_from_history_and_warranties(self):
        recall = self._recall(product_ids=[Command.set(self.product.ids)])
        owners = recall._current_owners()
        self.assertEqual(
            owners,
            {
                self.customer_a.id: (self.lot_1 | self.lot_2).ids,
                self.customer_c.id: self.lot_3.ids,
                self.customer_d.id: self.lot_4.ids,
            },
            "A (both serials, whichever contact), C after the transfer, D by its warranty; nobody for the "
            "returned, the warranty returned and the never delivered",
        )

    def test_transfer_in_the_middle_contacts_the_new_owner_only(self):
        recall = self._recall(lot_ids=[Command.set(self.lot_3.ids)])
        self._launch(recall)
        self.assertEqual(recall.incident_ticket_ids.partner_id, self.customer_c, "the new owner gets the incident")
        self.assertEqual(len(self._mails_to(self.customer_c)), 1)
        self.assertFalse(self._mails_to(self.customer_b), "the old owner is not contacted")
        self.assertFalse(self._mails_to(self.customer_b_contact))

    def test_one_incident_per_owner_with_their_serials_nobody_twice(self):
        recall = self._recall(
            product_ids=[Command.set(self.product.ids)],
            lot_ids=[Command.set((self.lot_1 | self.lot_2).ids)],  # also named one by one: still once
        )
        self._launch(recall)
        problem = recall.problem_ticket_id
        self.assertTrue(problem.is_problem)
        self.assertEqual(problem.team_id, self.team_a)
        self.assertFalse(problem.partner_id, "the problem is the desk's, no customer's")
        incidents = recall.incident_ticket_ids
        self.assertEqual(incidents, problem.incident_ids)
        self.assertEqual(len(incidents), 3)
        self.assertEqual(incidents.partner_id, self.customer_a | self.customer_c | self.customer_d)
        incident_a = self._incident_of(recall, self.customer_a)
        self.assertIn("HT-1", incident_a.description)
        self.assertIn("HT-2", incident_a.description)
        self.assertNotIn("HT-3", incident_a.description)
        self.assertEqual(incident_a.product_id, self.product)
        self.assertFalse(incident_a.lot_id, "two serials: listed in the description")
        self.assertEqual(self._incident_of(recall, self.customer_c).lot_id, self.lot_3)
        for partner in (self.customer_a, self.customer_c, self.customer_d):
            self.assertEqual(len(self._mails_to(partner)), 1, f"{partner.name} is emailed once")
        for partner in (self.customer_a_contact, self.customer_b, self.customer_e):
            self.assertFalse(self._mails_to(partner), f"{partner.name} owns no recalled serial now")
        self.assertEqual(recall.state, "launched")
        self.assertEqual(recall.lot_ids, self.lot_1 | self.lot_2)

    def test_email_per_owner_in_their_language_through_their_incident(self):
        recall = self._recall(product_ids=[Command.set(self.product.ids)])
        self._launch(recall)
        incident_a = self._incident_of(recall, self.customer_a)
        mail_a = self._mails_to(self.customer_a)
        self.assertEqual(mail_a.model, "service.ticket")
        self.assertEqual(mail_a.res_id, incident_a.id, "through the owner's own incident")
        self.assertIn(incident_a.number, mail_a.subject)
        self.assertIn("Unplug your heater", mail_a.body_html)
        self.assertIn("HT-1", mail_a.body_html)
        self.assertIn("Ticket de servicio", mail_a.body_html, "laid out in Spanish for A")
        notice = incident_a.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(notice.author_id, self.user_agent_a.partner_id, "in the responsible agent's name")
        self.assertEqual(
            notice.reply_to,
            incident_a._notify_get_reply_to(default=notice.email_from, author_id=notice.author_id.id)[incident_a.id],
            "answers go to A's own incident",
        )
        mail_c = self._mails_to(self.customer_c)
        self.assertNotIn("Ticket de servicio", mail_c.body_html, "in English for C")
        self.assertFalse(
            incident_a.message_ids.filtered(lambda m: m.message_type == "auto_comment"),
            "no acknowledgement besides the recall's email",
        )
        self.assertFalse(incident_a.sudo().stage_email_pending_id)

    def test_progress_counts_informed_replied_resolved(self):
        recall = self._recall(product_ids=[Command.set(self.product.ids)])
        self._launch(recall)
        self.assertEqual((recall.informed_count, recall.replied_count, recall.resolved_count), (3, 0, 0))
        incident_a = self._incident_of(recall, self.customer_a)
        incident_c = self._incident_of(recall, self.customer_c)
        incident_a.message_post(
            body="Please send the adapter to our warehouse.",
            author_id=self.customer_a.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        incident_c.stage_id = self.stage_resolved
        self.env.invalidate_all()
        self.assertTrue(incident_a.last_customer_message_date)
        self.assertEqual((recall.informed_count, recall.replied_count, recall.resolved_count), (3, 1, 1))
        problem = recall.problem_ticket_id
        self.assertEqual(
            (problem.incident_count, problem.incident_replied_count, problem.incident_resolved_count), (3, 1, 1)
        )

    def test_recall_meets_each_incidents_first_response_target(self):
        """The recall's email is the agent's first answer on each incident,
        whichever batch it was posted in: the reply dates are set and each
        first-response target is met, once, at the email's date."""
        self.env["service.sla.policy"].search([]).active = False
        self.env["service.sla.policy"].create(
            {"name": "Recall answers", "first_response_hours": 4, "resolution_hours": 40, "sequence": 1}
        )
        recall = self._recall(product_ids=[Command.set(self.product.ids)])
        with patch.object(service_recall, "BATCH_SIZE", 2):
            self._launch(recall)
        incidents = recall.incident_ticket_ids
        self.assertEqual(len(incidents), 3)
        for incident in incidents:
            notice = incident.message_ids.filtered(lambda m: m.message_type == "comment")
            self.assertEqual(incident.first_response_date, notice.date)
            self.assertEqual(incident.last_agent_reply_date, notice.date)
            line = incident.sla_line_ids.filtered(lambda line: line.target_type == "first_response")
            self.assertEqual(line.reached_date, notice.date)
            self.assertEqual(line.status, "met")
            self.assertEqual(incident.first_response_hours, line.elapsed_hours)
            met = self.env["service.ticket.sla.event"].search([("sla_line_id", "=", line.id), ("kind", "=", "met")])
            self.assertEqual(len(met), 1, "met once")
            resolution = incident.sla_line_ids.filtered(lambda line: line.target_type == "resolution")
            self.assertFalse(resolution.reached_date, "an answer does not resolve")

    def test_recall_opened_from_a_serial_or_a_product(self):
        action = self.lot_3.with_user(self.user_agent_a).action_service_recall()
        form = Form(self.env["service.recall"].with_user(self.user_agent_a).with_context(**action["context"]))
        form.body = "<p>Replaced for free.</p>"
        recall = form.save()
        self.assertEqual(recall.lot_ids, self.lot_3)
        self.assertIn("HT-3", recall.name)
        self.assertEqual(recall.user_id, self.user_agent_a)
        action = self.product.product_tmpl_id.action_service_recall()
        form = Form(self.env["service.recall"].with_context(**action["context"]))
        form.body = "<p>Replaced for free.</p>"
        self.assertEqual(form.save().product_ids, self.product)

    # ------------------------------------------------------------------
    # Refusals: nothing changed
    # ------------------------------------------------------------------

    def _assert_refused(self, recall, message):
        tickets = self.env["service.ticket"].search_count([])
        with self.mock_mail_gateway(), self.assertRaisesRegex(UserError, message):
            recall.action_launch()
        self.assertEqual(self.env["service.ticket"].search_count([]), tickets, "no ticket opened")
        self.assertFalse(self._new_mails, "nobody emailed")

    def test_no_owner_found_refused(self):
        recall = self._recall(lot_ids=[Command.set((self.lot_5 | self.lot_6 | self.lot_7).ids)])
        self._assert_refused(recall, "found no owner")
        self.assertEqual(recall.state, "draft")
        self.assertFalse(recall.problem_ticket_id)

    def test_nothing_recalled_refused(self):
        recall = self._recall()
        self._assert_refused(recall, "recalls nothing")
        self.assertEqual(recall.state, "draft")

    def test_second_launch_refused(self):
        recall = self._recall(lot_ids=[Command.set(self.lot_3.ids)])
        self._launch(recall)
        incidents = recall.incident_ticket_ids
        self._assert_refused(recall, "already launched")
        self.assertEqual(recall.incident_ticket_ids, incidents)

    def test_unknown_serial_refused(self):
        recall = self._recall(serial_list="HT-3\nNOPE-1, NOPE-2")
        self._assert_refused(recall, "unknown .*NOPE-1, NOPE-2")
        self.assertEqual(recall.state, "draft")
        self.assertFalse(recall.lot_ids)
        self.assertEqual(recall.serial_list, "HT-3\nNOPE-1, NOPE-2", "kept to be corrected")

    def test_pasted_serials_become_the_recalls_serials(self):
        recall = self._recall(serial_list="HT-1, HT-3;\n HT-4  HT-1")
        recall.action_add_serials()
        self.assertEqual(recall.lot_ids, self.lot_1 | self.lot_3 | self.lot_4)
        self.assertFalse(recall.serial_list)
        recall.serial_list = "HT-2"
        self._launch(recall)
        self.assertEqual(recall.lot_ids, self.lot_1 | self.lot_2 | self.lot_3 | self.lot_4)
        self.assertEqual(recall.incident_ticket_ids.partner_id, self.customer_a | self.customer_c | self.customer_d)

    # ------------------------------------------------------------------
    # Access, batches, queries
    # ------------------------------------------------------------------

    def test_other_company_agents_cannot_see_the_recall(self):
        recall = self._recall(product_ids=[Command.set(self.product.ids)])
        Recall = self.env["service.recall"].with_user(self.user_agent_other)
        self.assertFalse(Recall.search([("id", "=", recall.id)]))
        with self.assertRaises(AccessError):
            Recall.browse(recall.id).name  # noqa: B018
        self.assertEqual(self.Recall.with_user(self.user_agent_b).search([("id", "=", recall.id)]), recall)

    def test_incidents_created_one_batch_at_a_time(self):
        recall = self._recall(product_ids=[Command.set(self.product.ids)])
        Ticket = type(self.env["service.ticket"])
        create = Ticket.create
        batches = []

        def counting_create(records, vals_list):
            batches.append(len(vals_list) if isinstance(vals_list, list) else 1)
            return create(records, vals_list)

        with patch.object(service_recall, "BATCH_SIZE", 2), patch.object(Ticket, "create", counting_create):
            self._launch(recall)
        self.assertEqual(batches, [1, 2, 1], "the problem, then the three owners two at a time")
        self.assertEqual(len(recall.incident_ticket_ids), 3)

    def _owners_fill(self, count, prefix):
        partners = self.env["res.partner"].create(
            [{"name": f"{prefix} owner {index}", "is_company": True} for index in range(count)]
        )
        lots = self.env["stock.lot"].create(
            [{"name": f"{prefix}-{index}", "product_id": self.product_other.id} for index in range(count)]
        )
        self.env["service.lot.ownership"].create(
            [self._event(lot, "delivery", partner, day=1) for lot, partner in zip(lots, partners, strict=True)]
        )
        return self._recall(lot_ids=[Command.set(lots.ids)])

    def test_owners_found_in_one_query_whatever_their_number(self):
        for count in (5, 50):
            recall = self._owners_fill(count, f"Q{count}")
            self.env.flush_all()
            with self.assertQueryCount(1):
                owners = recall._current_owners()
            self.assertEqual(len(owners), count)

    def _launch_queries(self, count, prefix):
        recall = self._owners_fill(count, prefix)
        self.env.flush_all()
        self.env.invalidate_all()
        with self.mock_mail_gateway():
            before = self.env.cr.sql_log_count
            recall.action_launch()
            self.env.flush_all()
            queries = self.env.cr.sql_log_count - before
        self.assertEqual(recall.informed_count, count)
        return queries

    def test_launch_queries_grow_linearly_with_the_owners(self):
        """The queries of a launch are a constant, plus OWNER_QUERIES per
        owner (the incident's save path and its email: mail's
        message_post), plus BATCH_QUERIES per batch (a create and the
        batch's answer: inserts, SLA targets, flush, the cache read again),
        no more: nothing re-reads the incidents told so far for each owner
        or each batch."""
        OWNER_QUERIES = 21
        BATCH_QUERIES = 40
        self._launch_queries(2, "WARM")  # warm the caches of the first launch
        with patch.object(service_recall, "BATCH_SIZE", 12):
            four = self._launch_queries(4, "FOUR")
            twelve = self._launch_queries(12, "TWELVE")
        with patch.object(service_recall, "BATCH_SIZE", 4):
            twelve_in_three = self._launch_queries(12, "THREE")
        per_owner = (twelve - four) / 8
        per_batch = (twelve_in_three - twelve) / 2
        counts = f"4 owners: {four} queries, 12: {twelve}, 12 in 3 batches: {twelve_in_three}"
        self.assertLessEqual(per_owner, OWNER_QUERIES, counts)
        self.assertLessEqual(per_batch, BATCH_QUERIES, counts)


@tagged("post_install", "-at_install")
class TestRecallPortal(ServiceDeskPortalCommon, HttpCase):
    def test_owner_sees_the_recall_on_their_portal(self):
        recall = self.env["service.recall"].create(
            {
                "name": "Printer fuser recall",
                "team_id": self.team_a.id,
                "lot_ids": [Command.set(self.lot_a.ids)],
                "body": "<p>Your printer's fuser is replaced for free.</p>",
            }
        )
        recall.action_launch()
        incident = recall.incident_ticket_ids
        self.assertEqual(incident.partner_id, self.customer_a, "the serial delivered to A's contact: A is told")
        self._login_a()
        listing = self.url_open("/my/service/tickets")
        self.assertEqual(listing.status_code, 200)
        self.assertIn(incident.number, listing.text, "the incident is on the owner's portal list")
        page = self.url_open(f"/my/service/tickets/{incident.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Known problem", page.text)
        self.assertIn(recall.problem_ticket_id.number, page.text)
        self.assertIn("Your printer", page.text)
        self.assertNotIn(f"/my/service/tickets/{recall.problem_ticket_id.id}", page.text, "not the desk's problem")
