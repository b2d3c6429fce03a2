import threading
from contextlib import closing
from datetime import datetime, timedelta

from odoo import api
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import WEDNESDAY_10, WEDNESDAY_20, RoutingCommon, WorkerCase, freeze_time

# the day shift of RoutingCommon's calendar starts the morning after WEDNESDAY_20
THURSDAY_8 = datetime(2030, 1, 10, 8, 0)


@tagged("post_install", "-at_install")
class TestQueuedRouting(RoutingCommon):
    """A team that queues what nobody can take now: tickets wait unassigned
    and are assigned at a shift start or when capacity frees, by priority
    then arrival; capacity counts tickets weighted by channel."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.queue_team = cls.env["service.team"].create(
            {
                "name": "Queue desk",
                "assignment_method": "balanced",
                "off_shift_routing": "queue",
                "resource_calendar_id": cls.day_calendar.id,
            }
        )
        cls.cron = cls.env.ref("service_desk.ir_cron_route_queue")

    def _queued(self, when=WEDNESDAY_20, **values):
        with freeze_time(when):
            return self.env["service.ticket"].create(
                dict({"name": "Waiting", "team_id": self.queue_team.id, "partner_id": self.customer.id}, **values)
            )

    def _run_cron(self, when):
        with freeze_time(when):
            self.env["service.ticket"]._cron_route_queue()

    def _triggers(self):
        return self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])

    def test_off_shift_ticket_waits_with_its_reason_and_nobody_asked(self):
        self._agent("Queue day", team=self.queue_team, seniority="senior")
        ticket = self._queued()
        self.assertFalse(ticket.user_id)
        self.assertEqual(ticket.routing_queued_date, WEDNESDAY_20)
        decision = ticket.routing_decision_ids
        self.assertEqual(decision.facts["why"], {"queue": "off_shift"})
        self.assertIn("Waiting in the queue of Queue desk: nobody qualified works now", decision.summary)
        self.assertFalse(ticket.activity_ids, "waiting in the queue is expected: the seniors are not asked")

    def test_soonest_stays_the_default(self):
        self.assertEqual(self.env["service.team"].create({"name": "Plain"}).off_shift_routing, "soonest")
        self.queue_team.off_shift_routing = "soonest"
        member = self._agent("Soonest day", team=self.queue_team)
        ticket = self._queued()
        self.assertEqual(ticket.user_id, member.user_id, "the agent whose shift starts soonest")
        self.assertFalse(ticket.routing_queued_date)

    def test_everyone_at_capacity_waits(self):
        member = self._agent("Full", team=self.queue_team, capacity=1)
        self._load(member, 1)
        ticket = self._queued(WEDNESDAY_10)
        self.assertFalse(ticket.user_id)
        self.assertEqual(ticket.routing_decision_ids.facts["why"], {"queue": "capacity"})
        self.assertIn("every qualified member is at capacity", ticket.routing_decision_ids.summary)

    def test_shift_start_assigns_by_priority_then_arrival_and_a_closing_frees_the_next(self):
        member = self._agent("Morning", team=self.queue_team, capacity=1)
        low = self._queued(priority="0")
        urgent_first = self._queued(WEDNESDAY_20 + timedelta(minutes=5), priority="2")
        urgent_second = self._queued(WEDNESDAY_20 + timedelta(minutes=10), priority="2")
        self._run_cron(WEDNESDAY_20 + timedelta(hours=1))
        self.assertFalse((low | urgent_first | urgent_second).user_id, "nothing to someone off shift")

        self._run_cron(THURSDAY_8)
        self.assertEqual(urgent_first.user_id, member.user_id, "the most urgent, first arrived, at the shift start")
        self.assertFalse(urgent_first.routing_queued_date)
        self.assertFalse((low | urgent_second).user_id, "the agent's capacity is used: the others wait")
        self.assertTrue(urgent_second.routing_queued_date)
        decision = urgent_first.routing_decision_ids.sorted("id")[-1]
        self.assertEqual(decision.kind, "queue")
        self.assertIn("Assigned to Morning: works now", decision.summary, "the explanation of routing")

        triggers = self._triggers()
        with freeze_time(THURSDAY_8 + timedelta(hours=1)):
            urgent_first.stage_id = self.env["service.stage"].search([("is_closed", "=", True)], limit=1)
        self.assertEqual(self._triggers(), triggers + 1, "closing a ticket of a queuing team wakes the cron up")
        self._run_cron(THURSDAY_8 + timedelta(hours=1))
        self.assertEqual(urgent_second.user_id, member.user_id, "the freed capacity goes to the next by priority")
        self.assertFalse(low.user_id)

    def test_nobody_on_time_off_or_off_shift_gets_a_ticket(self):
        away = self._agent("Away", team=self.queue_team)
        self._agent("Night", team=self.queue_team, calendar=self.night_calendar)
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Holiday",
                "resource_id": away.employee_id.resource_id.id,
                "calendar_id": self.day_calendar.id,
                "date_from": THURSDAY_8 - timedelta(hours=1),
                "date_to": THURSDAY_8 + timedelta(days=1),
            }
        )
        ticket = self._queued(WEDNESDAY_10 - timedelta(hours=3))  # nobody at work yet
        self.assertTrue(ticket.routing_queued_date)
        self._run_cron(THURSDAY_8)
        self.assertFalse(ticket.user_id, "one agent on time off, the other off shift")
        self.assertFalse(ticket.routing_decision_ids.filtered(lambda d: d.kind == "queue"), "no new decision")

    def test_a_ticket_given_by_hand_leaves_the_queue(self):
        member = self._agent("By hand", team=self.queue_team)
        ticket = self._queued()
        ticket.user_id = member.user_id
        self.assertFalse(ticket.routing_queued_date)

    def test_a_chat_heavy_agent_is_not_given_a_full_email_load(self):
        chats = self._agent("Chats", team=self.queue_team, capacity=3)
        emails = self._agent("Emails", team=self.queue_team, capacity=3)
        Ticket = self.env["service.ticket"]
        for member, channel, count in ((chats, "chat", 3), (emails, "email", 4)):
            Ticket.create(
                [
                    {"name": "busy", "team_id": self.queue_team.id, "user_id": member.user_id.id, "channel": channel}
                    for __ in range(count)
                ]
            )
        self.assertEqual((chats.open_units, emails.open_units), (3, 2))
        self.assertEqual((chats.load_percent, emails.load_percent), (100, 67))
        ticket = self._queued(WEDNESDAY_10, channel="email")
        self.assertEqual(ticket.user_id, emails.user_id, "four emails weigh two: room for more")
        row = next(r for r in ticket.routing_decision_ids.facts["rows"] if r["user"] == chats.user_id.id)
        self.assertEqual(row["excluded"], ["capacity", 3, 3])

        # a team weighing emails as a whole ticket: both are full
        self.queue_team.channel_weight_ids = [(0, 0, {"channel": "email", "weight": 1})]
        self.assertEqual((chats.open_units, emails.open_units), (3, 5), "counted again with the new weight")
        self.assertFalse(self._queued(WEDNESDAY_10, channel="email").user_id)

    def test_a_ticket_is_given_only_where_its_weight_fits(self):
        member = self._agent("Half full", team=self.queue_team, capacity=3)
        self.env["service.ticket"].create(
            [
                {"name": "busy", "team_id": self.queue_team.id, "user_id": member.user_id.id, "channel": "email"}
                for __ in range(5)
            ]
        )
        chat = self._queued(WEDNESDAY_10, channel="chat")
        self.assertFalse(chat.user_id, "2.5 units of 3: no room for a chat")
        self.assertEqual(chat.routing_decision_ids.facts["why"], {"queue": "capacity"})
        email = self._queued(WEDNESDAY_10, channel="email")
        self.assertEqual(email.user_id, member.user_id, "room for half a unit")
        self.assertEqual(member.open_units, 3)

    def test_zero_or_negative_weights_are_refused_and_nothing_changes(self):
        weight = self.env["service.team.channel.weight"].create(
            {"team_id": self.queue_team.id, "channel": "chat", "weight": 2}
        )
        for bad in (0, -1):
            with self.assertRaises(ValidationError) as caught:
                weight.weight = bad
            self.assertIn(
                "The weight of channel Chat in team Queue desk must be greater than zero", str(caught.exception)
            )
            self.assertEqual(weight.weight, 2)
            with self.assertRaises(ValidationError) as caught:
                self.queue_team.channel_weight_ids = [(0, 0, {"channel": "phone", "weight": bad})]
            self.assertIn("must be greater than zero", str(caught.exception))
            self.assertEqual(self.queue_team.channel_weight_ids, weight)

    def test_queries_per_ticket_stay_constant(self):
        for i in range(5):
            self._agent(f"Many {i}", team=self.queue_team)

        def cost(count):
            tickets = self.env["service.ticket"]
            for __ in range(count):
                tickets |= self._queued()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self._run_cron(THURSDAY_8)
            self.assertEqual(len(tickets.filtered("user_id")), count)
            return self.env.cr.sql_log_count - before

        ten, fifty = cost(10), cost(50)
        per_ticket = (fifty - ten) / 40
        self.assertLessEqual(per_ticket, ten / 10, f"queries per ticket grow: {ten} for 10, {fifty} for 50")
        self.assertLess(per_ticket, 40)

    def test_agents_are_read_once_per_batch_not_once_per_winner(self):
        """A batch routed with nothing in the cache reads the team's agents
        (members, users, partners) once, not each winner's one by one: a
        long queue handed to many agents costs the same per ticket as a
        short one."""
        for i in range(12):
            self._agent(f"Spread {i}", team=self.queue_team)

        def cost(cold):
            tickets = self.env["service.ticket"]
            for __ in range(12):
                tickets |= self._queued()
            self.env.invalidate_all()
            if not cold:
                self.queue_team.member_ids.user_id.partner_id.mapped("lang")
            before = self.env.cr.sql_log_count
            self._run_cron(THURSDAY_8)
            queries = self.env.cr.sql_log_count - before
            self.assertEqual(len(tickets.user_id), 12, "one ticket for each agent")
            tickets.write({"stage_id": self.env.ref("service_desk.stage_closed").id})  # their capacity back
            return queries

        cost(cold=False)  # the first run reads what every later one finds cached
        warm, cold = cost(cold=False), cost(cold=True)
        # mail's notification of each winner still reads their user in the recipient's context: one query each
        self.assertLessEqual(cold - warm, 12 + 3, f"{cold} queries with the agents not read yet, {warm} with them read")


@tagged("post_install", "-at_install")
class TestQueueConcurrency(WorkerCase):
    """Two workers running the queue's cron at once, as two real database
    transactions: they route different tickets and the agent's capacity is
    never exceeded."""

    desk_name = "Queue workers desk"
    agent_login = "queue_workers_agent"

    def _prepare_desk(self, env):
        env["service.sla.policy"].search([]).active = False
        # always at work (no calendar): the test runs at the real time
        env["hr.employee"].browse(self.created["employee"]).resource_calendar_id = False
        team = env["service.team"].browse(self.created["team"])
        team.member_ids.max_open_tickets = 2
        team.assignment_method = "manual"
        tickets = env["service.ticket"].create([{"name": f"waiting {i}", "team_id": team.id} for i in range(4)])
        tickets.routing_queued_date = "2030-01-01 00:00:00"
        team.write({"assignment_method": "balanced", "off_shift_routing": "queue"})

    def _cleanup_desk(self, env):
        env["service.sla.policy"].search([("active", "=", False)]).active = True

    def _route_queue(self, cr):
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        env["service.ticket"]._cron_route_queue(batch_size=1)

    def test_two_workers_never_exceed_capacity(self):
        outcome = {}
        second_started = threading.Event()

        def second_worker():
            with closing(self._cursor()) as cr:
                second_started.set()
                with mute_logger("odoo.sql_db"):  # the serialization failure the cron handles
                    self._route_queue(cr)
                cr.commit()  # pylint: disable=invalid-commit
                outcome["second"] = "done"

        with closing(self._cursor()) as cr1:
            self._route_queue(cr1)  # takes the first tickets up to the capacity, holds them
            worker = threading.Thread(target=second_worker)
            worker.start()
            second_started.wait(10)
            worker.join(1.0)
            self.assertTrue(worker.is_alive(), "the second worker waits for the agent the first one claimed")
            cr1.commit()  # pylint: disable=invalid-commit
        worker.join(30)
        self.assertFalse(worker.is_alive())
        self.assertEqual(outcome["second"], "done")
        with closing(self._cursor()) as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            tickets = env["service.ticket"].search([("team_id", "=", self.created["team"])], order="id")
            self.assertEqual(len(tickets), 4)
            self.assertEqual(len(tickets.filtered("user_id")), 2, "capacity 2 respected")
            self.assertEqual(tickets[:2].user_id.id, self.created["user"], "the first arrived first")
            self.assertEqual(len(tickets.filtered("routing_queued_date")), 2, "the others still wait")
            # a later run, with fresh counts, leaves them waiting too
            self._route_queue(cr)
            self.assertEqual(len(tickets.filtered("user_id")), 2)
            cr.rollback()
