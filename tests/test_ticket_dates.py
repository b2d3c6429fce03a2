"""The dates rules and queues are built on: when the ticket entered its
stage (`waiting_since`), when the customer last wrote, when an agent last
answered; kept by the one save path and by what the customer writes."""

import ast
from datetime import datetime

from freezegun import freeze_time
from lxml import etree

from odoo.modules.module import load_script
from odoo.tests import tagged

from .common import ServiceDeskCommon

CREATED = datetime(2030, 1, 9, 10, 0)
MOVED = datetime(2030, 1, 10, 9, 30)
WROTE = datetime(2030, 1, 11, 14, 0)


@tagged("post_install", "-at_install")
class TestTicketDates(ServiceDeskCommon):
    def _ticket(self):
        with freeze_time(CREATED):
            return self._create_ticket(partner_id=self.customer_a_contact.id)

    def test_in_stage_since_creation_then_each_move(self):
        ticket = self._ticket()
        self.assertEqual(ticket.waiting_since, CREATED, "in its first stage since it was created")
        with freeze_time(MOVED):
            ticket.stage_id = self.stage_in_progress
        self.assertEqual(ticket.waiting_since, MOVED)
        with freeze_time(WROTE):
            ticket.write({"stage_id": self.stage_in_progress.id, "priority": "2"})
        self.assertEqual(ticket.waiting_since, MOVED, "saving the same stage is no move")

    def test_customer_and_agent_dates(self):
        ticket = self._ticket()
        with freeze_time(MOVED):
            ticket.stage_id = self.stage_waiting
        with freeze_time(WROTE):
            ticket._service_customer_wrote(self.customer_a_contact, WROTE)
        self.assertEqual(ticket.last_customer_message_date, WROTE)
        self.assertEqual(ticket.stage_id, self.stage_in_progress, "back to work when the customer answers")
        self.assertEqual(ticket.waiting_since, WROTE, "in the working stage since the customer answered")
        ticket._service_agent_replied(datetime(2030, 1, 12, 8, 0))
        self.assertEqual(ticket.last_agent_reply_date, datetime(2030, 1, 12, 8, 0))

    def test_waiting_on_customer_filter(self):
        waiting, resolved, working, closed = (self._ticket() for __ in range(4))
        waiting.stage_id = self.stage_waiting
        resolved.stage_id = self.stage_resolved
        working.stage_id = self.stage_in_progress
        closed.stage_id = self.stage_closed
        arch = etree.fromstring(self.env.ref("service_desk.service_ticket_view_search").arch_db.encode())
        domain = ast.literal_eval(arch.xpath("//filter[@name='filter_waiting']")[0].get("domain"))
        tickets = waiting | resolved | working | closed
        found = self.env["service.ticket"].search([("id", "in", tickets.ids), *domain])
        self.assertEqual(found, waiting | resolved)

    def test_upgrade_fills_the_date_of_the_last_move(self):
        moved, untouched = self._ticket(), self._ticket()
        self.env.flush_all()
        self.env.cr.precommit.run()  # a change in the creating flush is not tracked
        with freeze_time(MOVED):
            moved.with_context(tracking_disable=False, mail_notrack=False).stage_id = self.stage_in_progress
            self.env.flush_all()
            self.env.cr.precommit.run()  # mail writes the tracking of the move
        tracked = self.env["mail.message"].search(
            [("model", "=", "service.ticket"), ("res_id", "=", moved.id), ("tracking_value_ids", "!=", False)]
        )
        self.assertTrue(tracked, "the move is tracked in the chatter")
        tracked.date = MOVED  # the transaction's time, which freeze_time does not move
        self.env.cr.execute(
            "UPDATE service_ticket SET waiting_since = NULL WHERE id IN %s", [tuple((moved | untouched).ids)]
        )
        migration = load_script("service_desk/migrations/19.0.1.5.0/post-waiting-since.py", "service_desk_in_stage")
        migration.migrate(self.env.cr, "19.0.1.4.0")
        (moved | untouched).invalidate_recordset(["waiting_since"])
        self.assertEqual(moved.waiting_since, MOVED, "the stage change tracked in the chatter")
        self.assertEqual(untouched.waiting_since, untouched.create_date, "else its creation")
