import logging

from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, email_normalize

from .batch_lock import lock_next_batch

_logger = logging.getLogger(__name__)


class ServiceApiRequest(models.Model):
    """A ticket request received through the API.

    - Under an idempotency key: a retried request with the same key gets the
      first answer instead of a duplicate (synchronous and asynchronous
      requests alike).
    - Asynchronous (`Prefer: respond-async`, controllers/api.py): the request
      was checked completely and given its ticket number when it was
      received (``_queue``), answered 202, and waits `queued` here, its
      payload kept, until the cron ``_cron_create_queued_tickets`` makes its
      ticket through the one create path (`done`) or records why it could
      not (`failed`). The payload, the customer's personal data, is cleared
      as soon as the ticket exists or the request failed; the rows
      themselves go after a week (``_gc_old_requests``)."""

    _name = "service.api.request"
    _description = "Service Desk API Request"
    _order = "id desc"
    _rec_name = "number"

    idempotency_key = fields.Char(readonly=True)
    user_id = fields.Many2one("res.users", required=True, readonly=True, ondelete="cascade")
    ticket_id = fields.Many2one("service.ticket", readonly=True, ondelete="set null")
    response_status = fields.Integer(readonly=True)
    response_body = fields.Json(readonly=True)
    state = fields.Selection(
        [("queued", "Queued"), ("done", "Done"), ("failed", "Failed")],
        default="done",
        readonly=True,
        help="Queued: accepted, its ticket not made yet; done: the ticket exists; failed: see the error.",
    )
    payload = fields.Json(readonly=True, help="The request's body while it waits; cleared once handled.")
    number = fields.Char(string="Ticket Number", readonly=True, index="btree_not_null")
    error = fields.Text(readonly=True)

    _key_user_uniq = models.UniqueIndex(
        "(user_id, idempotency_key)",
        "This idempotency key was already used by this user.",
    )
    # the queue as the cron reads it, oldest first: only the waiting rows
    _queued_idx = models.Index("(id) WHERE state = 'queued'")

    # ------------------------------------------------------------------
    # Receiving an asynchronous request
    # ------------------------------------------------------------------

    @api.model
    def _queue(self, payload, idempotency_key=None):
        """Accept the ticket `payload` of the current user for later: check
        it completely with their rights (``_api_check_payload``, a UserError
        refuses it at once and nothing is kept), reserve its ticket number,
        keep it queued and wake the cron up on commit. Returns the request."""
        Ticket = self.env["service.ticket"]
        checked = Ticket._api_check_payload(payload)
        number = Ticket._api_reserve_number(checked)
        # sudo: the queue is the API's own; the row is the current user's, checked above
        queued = self.sudo().create(
            {
                "idempotency_key": idempotency_key or False,
                "user_id": self.env.uid,
                "state": "queued",
                "payload": payload,
                "number": number,
                "response_status": 202,
                "response_body": {"number": number, "status": "queued"},
            }
        )
        # sudo: waking the desk's own cron up, for any API user
        self.env.ref("service_desk.ir_cron_api_intake").sudo()._trigger()
        return queued

    @api.model
    def _queued_of_user(self, number):
        """The current user's request of ticket `number` not done yet (queued or failed), if any."""
        # sudo: the API's own queue, searched for the current user's requests only
        return self.sudo().search(
            [("number", "=", number), ("user_id", "=", self.env.uid), ("state", "in", ("queued", "failed"))],
            limit=1,
        )

    def _api_status(self):
        """What the API answers about a request whose ticket does not exist: (HTTP status, body)."""
        self.ensure_one()
        if self.state == "failed":
            return 422, {"number": self.number, "status": "failed", "error": self.error}
        return 202, {"number": self.number, "status": "queued"}

    # ------------------------------------------------------------------
    # Making the queued tickets
    # ------------------------------------------------------------------

    @api.model
    def _queued_for_contact(self, partner):
        """The queued requests whose customer is `partner` (by its email or
        phone): their payload holds the contact's data until the cron makes
        the ticket. Queued requests are few (the cron drains them within
        minutes) and read through the index of the queue."""
        email = partner.email_normalized
        phone = (partner.phone or "").strip()
        if not email and not phone:
            return self.browse()

        def names_partner(request):
            payload = request.payload or {}
            return (email and email_normalize(str(payload.get("email") or "")) == email) or (
                phone and str(payload.get("phone") or "").strip() == phone
            )

        return self.search([("state", "=", "queued")]).filtered(names_partner)

    @api.model
    def _cron_create_queued_tickets(self, batch_size=50):
        """Make the tickets of the queued requests, oldest first, a batch at a
        time; in a cron run each batch is committed before the next, and the
        run stops when the cron's time is used (the next run goes on)."""
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        while batch := self._lock_queued(batch_size):
            handled = batch._create_tickets()
            if not in_cron:
                self.env.flush_all()
                if len(handled) < len(batch):
                    return  # requests left to a later run (another transaction had their rows)
                continue
            remaining = self.search_count([("state", "=", "queued")])
            if (
                len(handled) < len(batch)
                or self.env["ir.cron"]._commit_progress(len(handled), remaining=remaining) <= 0
            ):
                # the rest in the next run
                self.env.ref("service_desk.ir_cron_api_intake")._trigger()
                return

    @api.model
    def _lock_queued(self, limit):
        """Up to `limit` queued requests, oldest first, locked for this
        transaction; rows another transaction (another node's cron) holds are
        skipped, so that each request is handled once."""
        return lock_next_batch(self, SQL("state = 'queued'"), ["state"], limit)

    def _create_tickets(self):
        """Make the ticket of each of these queued requests, each in a
        savepoint of its own: one that fails is recorded as failed, with its
        error, and the others go on. Returns the requests handled; a request
        that met another transaction on the same rows stops the batch and
        stays queued for the next run."""
        handled = self.browse()
        for queued in self:
            try:
                with self.env.cr.savepoint():
                    queued._create_ticket()
            # two transactions met on the same rows (an agent's capacity): the request stays queued for the next run
            except (errors.SerializationFailure, errors.DeadlockDetected, errors.LockNotAvailable):
                _logger.info("API request %s meets a concurrent transaction; left for the next run", queued.number)
                break
            except UserError as error:
                queued._fail(str(error))
            except Exception as error:  # recorded on the request, answered to its sender
                _logger.exception("API request %s could not be made into a ticket", queued.number)
                queued._fail(self.env._("The ticket could not be created: %s", type(error).__name__))
            handled |= queued
        return handled

    def _create_ticket(self):
        """The ticket of this queued request, made as its sender through the
        one create path, with the number reserved on receipt; the payload
        (the customer's data) is cleared from the request."""
        self.ensure_one()
        Ticket = self.env["service.ticket"].with_user(self.user_id).with_context(lang=self.user_id.lang)
        ticket = Ticket.create({**Ticket._api_ticket_values(self.payload), "number": self.number})
        self.write({"state": "done", "ticket_id": ticket.id, "payload": False})
        return ticket

    def _fail(self, message):
        self.write({"state": "failed", "error": message, "payload": False})

    # ------------------------------------------------------------------
    # Retention
    # ------------------------------------------------------------------

    @api.autovacuum
    def _gc_old_requests(self):
        """Keys and answers are kept a week: long enough for any retry; a
        request still queued is kept until its ticket is made."""
        self.search(
            [
                ("create_date", "<", fields.Datetime.subtract(fields.Datetime.now(), days=7)),
                ("state", "!=", "queued"),
            ]
        ).unlink()
