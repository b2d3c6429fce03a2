from psycopg2 import errors

from odoo import api, models
from odoo.tools import SQL

from .batch_lock import lock_next_batch
from .service_ticket_routing import _queued

# tickets of a team's queue routed, then committed, at a time by the queue's cron
QUEUE_BATCH = 50
# the order a team's queue is served in: priority first, then arrival
QUEUE_ORDER = SQL("priority DESC, id")


class ServiceTicket(models.Model):
    """Queued routing: in a team whose `off_shift_routing` is ``queue``, a
    ticket nobody qualified can take now (nobody on shift, everyone at
    capacity) waits unassigned (`routing_queued_date`), and is routed, by
    priority then arrival, when an agent starts work (the cron, every five
    minutes) or frees capacity (closing a ticket wakes the cron up)."""

    _inherit = "service.ticket"

    @api.model
    def _prepare_queue_exit(self, vals):
        """A step of write: a ticket given an agent, by routing or by hand,
        leaves its team's queue."""
        if vals.get("user_id"):
            vals["routing_queued_date"] = False

    def _queue_on_capacity_freed(self):
        """A step of write, on tickets that just closed: an agent of a team
        that queues freed capacity; the queue's cron runs at once."""
        if any(ticket.user_id and ticket.team_id.off_shift_routing == "queue" for ticket in self):
            # sudo: waking the desk's own cron up, for any user closing a ticket
            self.env.ref("service_desk.ir_cron_route_queue").sudo()._trigger()

    @api.model
    def _cron_route_queue(self, batch_size=QUEUE_BATCH):
        """Route the tickets waiting in the queues of the teams that queue,
        each team's by priority then arrival, with routing's own decision
        and explanation (a decision of kind ``queue``). A team's queue
        stops at its first ticket nobody can take yet (nobody qualified on
        shift, everyone at capacity): that ticket keeps its place, without
        a new decision, and those behind it wait with it. A waiting ticket
        nobody could ever take (missing skills, nobody working in two
        weeks) leaves the queue with the decision saying why, and the
        seniors are asked.

        Batches are locked (SKIP LOCKED): two workers running the cron at
        once route different tickets, and the capacity claim of routing
        keeps agents within their capacity; a batch that meets an agent
        another worker just claimed is undone and left to the next run,
        which the cron is woken up for. In a cron run each batch is
        committed before the next."""
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        for team in self.env["service.team"].search([("off_shift_routing", "=", "queue")]):
            if not self._route_queue_of(team, batch_size, in_cron):
                return

    @api.model
    def _route_queue_of(self, team, batch_size, in_cron):
        """Route `team`'s queue (see _cron_route_queue); False when the run
        must stop (a conflict with another worker, the cron's time used)."""
        waiting = SQL(
            "team_id = %s AND routing_queued_date IS NOT NULL AND user_id IS NULL"
            " AND active IS TRUE AND is_closed IS NOT TRUE",
            team.id,
        )
        fnames = ["team_id", "routing_queued_date", "user_id", "active", "is_closed", "priority"]
        while batch := lock_next_batch(self, waiting, fnames, batch_size, order=QUEUE_ORDER):
            try:
                with self.env.cr.savepoint():
                    routed = batch._route_from_queue()
            except errors.SerializationFailure:
                # another worker assigned one of these agents since this run began: the batch, undone,
                # goes in the next run, with fresh counts
                self.env.ref("service_desk.ir_cron_route_queue")._trigger()
                return False
            # the next batch starts from an empty cache: a long queue costs the same per ticket as a short one
            self.env.invalidate_all()
            if in_cron and self.env["ir.cron"]._commit_progress(routed) <= 0:
                self.env.ref("service_desk.ir_cron_route_queue")._trigger()
                return False
            if routed < len(batch):
                break  # the head of the queue waits: so do the tickets behind it
        return True

    def _route_from_queue(self):
        """Route these waiting tickets in order; stop at the first one nobody
        can take yet, which keeps waiting without a new decision. Returns
        how many left the queue."""
        # the teams' agents as routing names its winners (member, user, partner), read once for the batch
        self.team_id.member_ids.user_id.partner_id.mapped("lang")
        for count, ticket in enumerate(self):
            winner, team, facts = ticket._routing_decide(escalation=bool(ticket.escalation_level))
            if not winner and _queued(facts):
                return count
            ticket._routing_apply(winner, facts)
            ticket._routing_record(winner, team, facts, "queue")
        return len(self)
