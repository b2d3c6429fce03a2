import json
import logging
from contextlib import contextmanager

from psycopg2 import errors

from odoo import http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request

_logger = logging.getLogger(__name__)

API_PREFIX = "/service_desk/api/v1/tickets"
MAX_PAYLOAD_BYTES = 256 * 1024
MAX_IDEMPOTENCY_KEY = 200


class ApiError(Exception):
    def __init__(self, status, message, **details):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details


class ServiceDeskApi(http.Controller):
    """Ticket intake for telephony, chat widgets and other systems.

    Authentication: `Authorization: Bearer <Odoo API key>` of a user in the
    service desk agent group, checked by Odoo's own `auth="bearer"`; its
    refusals are answered as JSON too (`json_errors`, models/ir_http.py).
    Answers are JSON, errors `{"error": ...}` with the HTTP status saying
    what went wrong.

    A submission is answered 201 with the ticket made in the request, or,
    when the client sends `Prefer: respond-async` (RFC 7240), 202 with the
    ticket's number and a Location to read its status: the request was
    checked completely and queued (service.api.request), and a cron makes
    the ticket moments later."""

    # ------------------------------------------------------------------
    # Routes
    # ------------------------------------------------------------------

    @http.route(
        API_PREFIX,
        type="http",
        auth="bearer",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
        json_errors=True,
        api_key_cache=True,
    )
    def create_ticket(self, **_kwargs):
        return self._answer(self._create_ticket)

    @http.route(
        f"{API_PREFIX}/<string:number>",
        type="http",
        auth="bearer",
        methods=["GET"],
        csrf=False,
        save_session=False,
        readonly=True,
        json_errors=True,
        api_key_cache=True,
    )
    def ticket_status(self, number, **_kwargs):
        return self._answer(lambda: self._ticket_status(number))

    @http.route(
        f"{API_PREFIX}/<string:number>/messages",
        type="http",
        auth="bearer",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
        json_errors=True,
        api_key_cache=True,
    )
    def post_customer_message(self, number, **_kwargs):
        return self._answer(lambda: self._post_customer_message(number))

    # ------------------------------------------------------------------
    # Handling
    # ------------------------------------------------------------------

    def _answer(self, handler):
        try:
            self._check_agent()
            # an error answer leaves nothing behind: what the handler wrote before it failed (a new contact,
            # a ticket whose Idempotency-Key another request took meanwhile) is undone, not committed with
            # the error response
            with request.env.cr.savepoint():
                status, body = handler()
        except ApiError as error:
            status, body = error.status, dict(error=error.message, **error.details)
        except AccessError:
            # before UserError, of which AccessError is a subclass
            status, body = 403, {"error": "This API key's user may not do that."}
        except (UserError, ValidationError) as error:
            status, body = 422, {"error": str(error)}
        response = request.make_json_response(body, status=status)
        if status == 202:
            # accepted, not made yet: where to ask for the ticket (RFC 7231 §6.3.3)
            response.headers["Location"] = f"{API_PREFIX}/{body['number']}"
            if request.httprequest.method == "POST":
                response.headers["Preference-Applied"] = "respond-async"
        return response

    def _check_agent(self):
        if not request.env.user.has_group("service_desk.group_service_user"):
            raise ApiError(403, "The API key's user is not a service desk agent.")

    def _json_payload(self):
        length = request.httprequest.content_length
        if length and length > MAX_PAYLOAD_BYTES:
            raise ApiError(413, f"The request body is larger than {MAX_PAYLOAD_BYTES} bytes.")
        raw = request.httprequest.get_data(as_text=False)
        if len(raw) > MAX_PAYLOAD_BYTES:
            raise ApiError(413, f"The request body is larger than {MAX_PAYLOAD_BYTES} bytes.")
        try:
            payload = json.loads(raw or b"null")
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "The request body is not valid JSON.") from None
        if not isinstance(payload, dict):
            raise ApiError(400, "The request body must be a JSON object.")
        return payload

    def _create_ticket(self):
        payload = self._json_payload()
        key = request.httprequest.headers.get("Idempotency-Key", "").strip()
        if len(key) > MAX_IDEMPOTENCY_KEY:
            raise ApiError(400, f"The Idempotency-Key header is longer than {MAX_IDEMPOTENCY_KEY} characters.")
        # sudo: idempotency keys, searched and created with the authenticated user's id only
        Requests = request.env["service.api.request"].sudo()
        if key:
            previous = Requests.search([("user_id", "=", request.env.uid), ("idempotency_key", "=", key)])
            if previous:
                return previous.response_status, previous.response_body
        if self._prefers_async():
            with self._idempotency_key_taken():
                queued = request.env["service.api.request"]._queue(payload, key)
            return queued.response_status, queued.response_body
        values = request.env["service.ticket"]._api_ticket_values(payload)
        ticket = request.env["service.ticket"].create(values)
        status, body = 201, ticket._api_status()
        if key:
            with self._idempotency_key_taken():
                Requests.create(
                    {
                        "idempotency_key": key,
                        "user_id": request.env.uid,
                        "ticket_id": ticket.id,
                        "number": ticket.number,
                        "response_status": status,
                        "response_body": body,
                    }
                )
        return status, body

    @contextmanager
    def _idempotency_key_taken(self):
        """Recording the request under its Idempotency-Key: the key taken
        meanwhile by the same request on another worker answers 409."""
        try:
            with request.env.cr.savepoint():
                yield
        except errors.UniqueViolation:
            raise ApiError(409, "A request with this Idempotency-Key is in progress: retry it later.") from None

    def _prefers_async(self):
        """Whether the client asked for an answer before the ticket is made:
        `Prefer: respond-async` (RFC 7240), among other preferences."""
        header = request.httprequest.headers.get("Prefer", "")
        return any(
            preference.split(";", 1)[0].split("=", 1)[0].strip().lower() == "respond-async"
            for preference in header.split(",")
        )

    def _post_customer_message(self, number):
        payload = self._json_payload()
        ticket = self._find_ticket(number)
        carrier = ticket._api_customer_message(payload)
        return 201, carrier._api_status()

    def _find_ticket(self, number):
        ticket = request.env["service.ticket"].search([("number", "=", number)], limit=1)
        if not ticket and request.env["service.api.request"]._queued_of_user(number).state == "queued":
            raise ApiError(409, f"Ticket {number} is still being created: retry in a moment.")
        if not ticket:
            raise ApiError(404, f"No ticket {number} for this API key's user.")
        return ticket

    def _ticket_status(self, number):
        ticket = request.env["service.ticket"].search([("number", "=", number)], limit=1)
        if ticket:
            return 200, ticket._api_status()
        # a ticket accepted with `Prefer: respond-async` and not made yet, or that could not be made
        queued = request.env["service.api.request"]._queued_of_user(number)
        if queued:
            return queued._api_status()
        raise ApiError(404, f"No ticket {number} for this API key's user.")
