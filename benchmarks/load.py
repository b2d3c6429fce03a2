"""Load test of service_desk: a multi-worker Odoo on the loopback, concurrent
clients, faults injected while they run, then the checks that no request
left the data inconsistent.

Run through `make load` (a throwaway database with the addon and its demo
data, in a PostgreSQL cluster of its own, all removed afterwards), or:

    python3 -m benchmarks.load --database DB [--clients 4] [--requests 25] [odoo options...]

1. Prepares the database: an API key for the demo agent, one for the
   administrator (the mail gateway's user), a mail domain for the team
   addresses, the capacity and open tickets of every agent before the run.
2. Starts `odoo server --workers=2 --max-cron-threads=0` on 127.0.0.1 and a
   free port (its own process group, stopped at the end whatever happens).
   With --nodes N, N such servers, each on its own ports, on the same
   database and the same data directory (filestore and sessions), the
   first one with a cron thread when the run has its own cluster; every
   client sends each request to the next node, so a session opened on one
   node is used on the others.
3. Runs --clients threads of --requests requests each, in rotation: API ticket
   submissions with an Idempotency-Key (every other one asynchronous,
   `Prefer: respond-async`, answered 202 and made by a cron; every third
   one sent twice, as a client whose answer was lost), portal page loads
   and ticket submissions with an attachment as the demo portal customer,
   emails handed to the mail gateway like odoo-mailgate.py does (XML-RPC
   `message_process`): new requests and replies to their acknowledgement
   (which a cron posts after the ticket: the customer answers one of their
   emails already acknowledged, else waits for it up to ACK_WAIT seconds
   when the run has a cron, else writes again in their own email's
   thread), agents replying on their tickets through
   JSON-RPC. Everything stops after --time-limit seconds.
4. With --faults (the default), meanwhile: --kills times, a worker is
   SIGKILLed in the middle of a ticket creation, and PostgreSQL is restarted
   once (--db-restart, when --pg-data names the run's own cluster). A request
   a fault cut is sent again when that is safe: the same Idempotency-Key, the
   same email (same Message-Id, as a mail server delivers it again), a portal
   form only after the customer's ticket list shows it did not arrive.
5. Prints throughput, p50/p95/p99 latency, errors and requests cut by faults
   per kind, what each fault hit, then makes the tickets still queued and
   posts the acknowledgements still pending (what the cron would do), and
   checks: every submission is exactly one ticket with the number it was
   answered (retries and asynchronous ones included), no asynchronous one
   failed, every email reply is on its ticket, every
   ticket of the run is whole (number, SLA targets, messages, acknowledgement,
   idempotency record, attachment), no agent is above capacity (in
   capacity units) because of the run, each member's kept load is what its
   open tickets weigh, every ticket's sla_deadline is the earliest deadline of its
   running lines, nothing answered before the database restart is missing
   after it. Exit status 1 when a check fails.
"""

# a command-line tool: what it prints is its report
# pylint: disable=print-used

import argparse
import contextlib
import logging
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
import xmlrpc.client
from collections import defaultdict
from email.message import EmailMessage
from email.utils import formatdate

import requests

from .load_faults import FaultInjector, FaultWindows, Monitor, describe

HOST = "127.0.0.1"
API_URL = "/service_desk/api/v1/tickets"
MAIL_DOMAIN = "desk.load-test.example.com"
ATTACHMENT_NAME = "load-attachment.bin"
ATTACHMENT_SIZE = 256 * 1024
NO_DATABASE = "No database is selected"
RETRY_PAUSE = 0.5  # seconds between two attempts of a request a fault cut
RETRY_GRACE = 60  # seconds after the time limit during which such requests are still sent again
ACK_WAIT = 20  # seconds a customer waits for the acknowledgement of their email before writing again
ACK_POLL = 1  # seconds between two looks for it

_logger = logging.getLogger("service_desk.load")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (default 4)")
    parser.add_argument("--requests", type=int, default=25, help="requests per client (default 25)")
    parser.add_argument("--workers", type=int, default=2, help="Odoo HTTP workers per node (default 2)")
    parser.add_argument(
        "--nodes",
        type=int,
        default=1,
        help="Odoo servers on the same database and data directory, each request to the next one (default 1)",
    )
    parser.add_argument("--time-limit", type=int, default=180, help="stop the clients after this (default 180 s)")
    parser.add_argument(
        "--faults", action=argparse.BooleanOptionalAction, default=True, help="inject faults (default: yes)"
    )
    parser.add_argument("--kills", type=int, default=2, help="workers killed mid ticket creation (default 2)")
    parser.add_argument(
        "--db-restart",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="restart PostgreSQL once during the run, when --pg-data is given (default: yes)",
    )
    parser.add_argument(
        "--db-restart-mode", choices=("smart", "fast", "immediate"), default="fast", help="pg_ctl -m (default fast)"
    )
    parser.add_argument("--pg-data", help="data directory of the run's own PostgreSQL cluster (tools/load.sh)")
    parser.add_argument("--pg-ctl", help="pg_ctl of that cluster (default: the one of its PostgreSQL version)")
    args, odoo_args = parser.parse_known_args(argv)
    return args, [arg for arg in odoo_args if arg != "--"]


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# ----------------------------------------------------------------------
# Database side: preparation and checks, straight through the ORM
# ----------------------------------------------------------------------


def open_env(database, work):
    import odoo
    from odoo import api
    from odoo.modules.registry import Registry

    registry = Registry(database)
    with registry.cursor() as cr:
        return work(api.Environment(cr, odoo.SUPERUSER_ID, {}))


def prepare(env):
    from datetime import timedelta

    from odoo import fields

    agent = env["res.users"].search([("login", "=", "agent")], limit=1)
    portal = env["res.users"].search([("login", "=", "portal")], limit=1)
    admin = env.ref("base.user_admin")
    team = env.ref("service_desk.team_technical_support", raise_if_not_found=False)
    if not agent or not portal or not team:
        raise SystemExit("the database has no demo users 'agent' and 'portal': install with demo data")
    expiration = fields.Datetime.now() + timedelta(hours=12)
    key = env["res.users.apikeys"].with_user(agent).sudo()._generate(None, "load test", expiration)
    # the mail gateway's user, as odoo-mailgate.py is configured with
    gateway_key = env["res.users.apikeys"].with_user(admin).sudo()._generate(None, "load test mailgate", expiration)
    if not env["mail.alias.domain"].search_count([]):
        env["mail.alias.domain"].create({"name": MAIL_DOMAIN})  # the first domain goes to every alias
    if not team.alias_email:
        raise SystemExit(f"the team {team.name} has no email address")
    hold_scheduled_jobs(env)
    members = env["service.team.member"].search([])
    loads = agent_loads(env)
    capacity = {member.id: (member.max_open_tickets, loads[member.id][1]) for member in members}
    sequences = env["ir.sequence"].search([("code", "=", "service.ticket"), ("implementation", "=", "standard")])
    probe = env["service.ticket"].with_user(agent).search([], limit=1)
    return {
        "key": key,
        "gateway_uid": admin.id,
        "gateway_key": gateway_key,
        "alias": team.alias_email,
        "capacity": capacity,
        "max_ticket_id": env["service.ticket"].search([], order="id desc", limit=1).id,
        "sequences": [f"ir_sequence_{sequence.id:03d}" for sequence in sequences],
        "probe_number": probe.number,
    }


# the jobs that requests wake up (their commit triggers them): what a run with cron must see done within seconds
QUEUE_JOBS = (
    "service_desk.ir_cron_api_intake",
    "service_desk.ir_cron_post_stage_emails",
    "mail.ir_cron_mail_scheduler_action",
    "mail.ir_cron_send_scheduled_message",
)


def hold_scheduled_jobs(env):
    """A fresh database has every scheduled job due at once (the procurement scheduler, recommendations,
    tiers...), which holds a run's one cron thread for minutes; a production server runs them on their
    schedule. They are put after the run; the queues that requests wake up are not."""
    from datetime import timedelta

    from odoo import fields

    queues = [env.ref(xmlid, raise_if_not_found=False) for xmlid in QUEUE_JOBS]
    later = env["ir.cron"].search([("id", "not in", [job.id for job in queues if job])])
    later.nextcall = fields.Datetime.now() + timedelta(days=1)


def cron_lag(env, prepared):
    """What the run's cron did in time: sentences on the asynchronous submissions still queued and the
    acknowledgements still pending when the clients stopped, and how long after its ticket an
    acknowledgement came (from the ticket's and the message's dates)."""
    Ticket = env["service.ticket"].with_context(active_test=False)
    new = Ticket.search([("id", ">", prepared["max_ticket_id"])])
    queued = env["service.api.request"].search_count([("state", "=", "queued")])
    pending = len(new.filtered("stage_email_pending_id"))
    env.cr.execute(
        """
        SELECT EXTRACT(EPOCH FROM MIN(m.date) - t.create_date)
          FROM service_ticket t JOIN mail_message m
            ON m.model = 'service.ticket' AND m.res_id = t.id AND m.message_type = 'auto_comment'
         WHERE t.id = ANY(%s)
         GROUP BY t.id
        """,
        [new.ids],
    )
    lags = [row[0] for row in env.cr.fetchall()]
    notes = [
        f"at the end of the run: {queued} asynchronous submissions still queued, {pending} of {len(new)} new "
        f"tickets still waiting for their acknowledgement"
    ]
    if lags:
        notes.append(
            f"acknowledgements posted during the run: {len(lags)}, p50 {statistics.median(lags):.1f} s, "
            f"max {max(lags):.1f} s after their ticket"
        )
    return notes


def check(env, prepared, results):
    """Every failed check as a sentence, and the number of tickets the run created."""
    failures = []
    results.notes += cron_lag(env, prepared)
    # tickets of asynchronous submissions are made by a cron after the request; run what is still queued
    Requests = env["service.api.request"]
    while Requests.search_count([("state", "=", "queued")]):
        Requests._cron_create_queued_tickets()
    for failed in Requests.search([("state", "=", "failed"), ("idempotency_key", "=like", "load-%")]):
        failures.append(f"asynchronous submission {failed.idempotency_key} failed: {failed.error}")
    # acknowledgements are posted by a cron after the request; run what a cron-less run left queued
    Ticket = env["service.ticket"].with_context(active_test=False)
    while Ticket.search_count([("stage_email_pending_id", "!=", False)]):
        Ticket._cron_post_stage_emails()
    env.flush_all()
    Message = env["mail.message"]
    new = Ticket.search([("id", ">", prepared["max_ticket_id"])])
    # every portal submission answered by the redirect is one ticket, with its attachment
    for subject in results.portal_submissions:
        tickets = Ticket.search([("name", "=", subject), ("channel", "=", "portal")])
        if len(tickets) != 1:
            failures.append(f"portal submission {subject!r} is {len(tickets)} tickets")
    # every submission answered 201/200 is exactly one ticket, retries included
    for key, numbers in results.submissions.items():
        tickets = Ticket.search([("external_ref", "=", key)])
        if len(tickets) != 1:
            failures.append(f"submission {key} is {len(tickets)} tickets")
        elif set(numbers) != {tickets.number}:
            failures.append(f"submission {key} was answered {sorted(numbers)}, its ticket is {tickets.number}")
    unknown = new.filtered(
        lambda t: (t.external_ref or "").startswith("load-") and t.external_ref not in results.submissions
    )
    if unknown:
        failures.append(f"{len(unknown)} API tickets that no client was answered for: {unknown.mapped('number')}")
    # every email handed to the gateway is one ticket; every reply is on the ticket of the email it answers
    for message_id, subject in results.emails.items():
        messages = Message.search([("message_id", "=", message_id)])
        tickets = Ticket.search([("name", "=", subject)])
        if len(messages) != 1 or messages.model != "service.ticket":
            failures.append(f"email {message_id} is {len(messages)} messages ({set(messages.mapped('model'))})")
        elif len(tickets) != 1 or tickets.id != messages.res_id:
            failures.append(f"email {message_id} ({subject!r}) is {len(tickets)} tickets, message on {messages.res_id}")
    for message_id, (parent, ticket_id) in results.replies.items():
        messages = Message.search([("message_id", "=", message_id)])
        if len(messages) != 1 or (messages.model, messages.res_id) != ("service.ticket", ticket_id):
            failures.append(
                f"reply {message_id} to {parent} is {len(messages)} messages on "
                f"{[(m.model, m.res_id) for m in messages]}, expected on ticket {ticket_id}"
            )
    email_subjects = set(results.emails.values())
    strays = new.filtered(lambda t: t.channel == "email" and t.name not in email_subjects)
    if strays:
        failures.append(f"{len(strays)} email tickets that no delivered email explains: {strays.mapped('name')[:5]}")
    failures += check_whole(env, new)
    # no agent above capacity because of the run, counted in capacity units
    # (tickets weighted by channel); the load kept on each member is its tickets'
    loads = agent_loads(env)
    for member in env["service.team.member"].search([]):
        capacity, before = prepared["capacity"].get(member.id, (member.max_open_tickets, 0))
        kept, counted = loads[member.id]
        if capacity and counted > max(capacity, before):
            failures.append(
                f"{member.user_id.login} holds {counted} capacity units ({member.open_ticket_count} open "
                f"tickets) in {member.team_id.name}, capacity {capacity} ({before} before the run)"
            )
        if kept != counted:
            failures.append(
                f"{member.user_id.login}'s load kept in {member.team_id.name} is {kept}, its open tickets "
                f"weigh {counted}"
            )
    # sla_deadline is the earliest deadline of the running lines, on every ticket
    env.cr.execute("""
        SELECT t.number, t.sla_deadline, MIN(l.deadline)
          FROM service_ticket t
          LEFT JOIN service_ticket_sla l
            ON l.ticket_id = t.id AND l.reached_date IS NULL AND l.status != 'paused'
         GROUP BY t.id
        HAVING t.sla_deadline IS DISTINCT FROM MIN(l.deadline)
    """)
    for number, deadline, earliest in env.cr.fetchall():
        failures.append(f"{number}: sla_deadline {deadline} but earliest running deadline {earliest}")
    return failures, len(new)


def agent_loads(env):
    """{member id: (open units kept on the member, open units its open
    tickets weigh)}, the second counted from the tickets by the desk's
    weighting rule."""
    from odoo.tools import SQL

    from odoo.addons.service_desk.models.service_team_member_routing import (
        OPEN_TICKET_OF_MEMBER,
        TICKET_CHANNEL_WEIGHT_JOIN,
        TICKET_UNITS,
    )

    env.flush_all()
    rows = env.execute_query(
        SQL(
            """
        SELECT member.id, COALESCE(member.open_units, 0)::float8,
               (SELECT COALESCE(SUM(%s), 0) FROM service_ticket ticket %s WHERE %s)::float8
          FROM service_team_member member
            """,
            TICKET_UNITS,
            TICKET_CHANNEL_WEIGHT_JOIN,
            OPEN_TICKET_OF_MEMBER,
        )
    )
    return {member_id: (kept, counted) for member_id, kept, counted in rows}


def check_whole(env, tickets):
    """Every ticket of the run has everything its creation writes in the same
    transaction: a worker killed or a database stopped in the middle of it
    must leave the ticket whole or absent, never half made."""
    failures = []
    numbers = defaultdict(int)
    requests_by_ticket = defaultdict(int)
    for request in env["service.api.request"].search([("ticket_id", "in", tickets.ids)]):
        requests_by_ticket[request.ticket_id.id] += 1
    messages = defaultdict(list)
    for message in env["mail.message"].search([("model", "=", "service.ticket"), ("res_id", "in", tickets.ids)]):
        messages[message.res_id].append(message)
    attachments = defaultdict(list)
    for attachment in env["ir.attachment"].search(
        [("res_model", "=", "service.ticket"), ("res_id", "in", tickets.ids), ("name", "=", ATTACHMENT_NAME)]
    ):
        attachments[attachment.res_id].append(attachment)
    expected_policies = tickets._sla_find_policies()
    for ticket in tickets:
        numbers[ticket.number] += 1
        missing = []
        if not ticket.number or not ticket.number.startswith("SD"):
            missing.append(f"its number ({ticket.number!r})")
        policy = expected_policies[ticket][0]
        if policy != ticket.sla_policy_id:
            missing.append(f"its SLA policy ({policy.name} expected, {ticket.sla_policy_id.name or 'none'} set)")
        elif policy and ticket._sla_calendar(policy) and not ticket.sla_line_ids:
            missing.append(f"the SLA targets of {policy.name}")
        if not messages[ticket.id]:
            missing.append("any message in its chatter")
        elif (
            ticket.stage_id.template_id
            and ticket.partner_id.email
            and not any(message.message_type == "auto_comment" for message in messages[ticket.id])
        ):
            missing.append("its acknowledgement")
        if ticket.external_ref and ticket.external_ref.startswith("load-") and requests_by_ticket[ticket.id] != 1:
            missing.append(f"one idempotency record ({requests_by_ticket[ticket.id]} found)")
        if ticket.channel == "portal" and ticket.name.startswith("Portal load ticket"):
            files = attachments[ticket.id]
            if len(files) != 1 or files[0].file_size != ATTACHMENT_SIZE:
                missing.append(f"its attachment ({[f.file_size for f in files]})")
        if missing:
            failures.append(f"{ticket.number} ({ticket.channel}) is missing {', '.join(missing)}")
    failures += [f"ticket number {number} is used {count} times" for number, count in numbers.items() if count > 1]
    return failures


# ----------------------------------------------------------------------
# The server
# ----------------------------------------------------------------------


class Server:
    """One Odoo node: a prefork server of its own (own ports, own log) on the
    shared database and data directory (filestore and sessions)."""

    def __init__(self, database, workers, odoo_args, node=0, cron_threads=0):
        self.database = database
        self.node = node
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        command = [
            sys.executable,
            os.path.join(os.path.dirname(os.path.abspath(__file__)), "odoo_launcher.py"),
            "server",
            *odoo_args,
            # the database through the filter, not -d: with -d the prefork master loads its registry, and then
            # opens it each time it starts a process (a worker, the long-polling one) and stops the whole server
            # when PostgreSQL does not answer at that moment (docs/reliability.md)
            f"--db-filter=^{database}$",
            f"--workers={workers}",
            f"--max-cron-threads={cron_threads}",
            f"--http-interface={HOST}",
            f"--http-port={self.port}",
            f"--gevent-port={free_port()}",
            "--log-level=warn",
            # Odoo's retries of serialization failures and deadlocks are logged at INFO by this logger
            "--log-handler=odoo.service.model:INFO",
            # the mail gateway speaks XML-RPC, deprecated in 19.0 and warned about on every call
            "--log-handler=odoo.addons.rpc.controllers.xmlrpc:ERROR",
            "--limit-time-real=120",
            "--no-database-list",
        ]
        suffix = f"-node{node}" if node else ""
        self.log_path = os.path.join(os.environ.get("SD_LOCAL", "."), "log", f"load-{database}{suffix}.log")
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        self.log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 -- closed in stop()
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the Odoo server stopped at start: see {self.log_path}")
            try:
                if requests.get(self.url + "/web/login", timeout=5).status_code == 200:
                    return
            except requests.RequestException as error:
                _logger.debug("the Odoo server does not answer yet: %s", error)
            time.sleep(1)
        raise SystemExit(f"the Odoo server did not answer within {timeout} s: see {self.log_path}")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the prefork master stops its workers
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        with contextlib.suppress(ProcessLookupError):  # workers left behind by a killed master
            os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()

    def concurrency_log(self):
        """(retried, given up, errors) counted in the server's log; the failed
        queries Odoo retries are logged as "bad query" errors and counted as retried."""
        with open(self.log_path, encoding="utf-8") as log:
            text = log.read()
        errors = sum(1 for line in text.splitlines() if " ERROR " in line and "bad query" not in line)
        return text.count("tries left, try again"), text.count("maximum number of tries reached"), errors


# ----------------------------------------------------------------------
# The clients
# ----------------------------------------------------------------------


class Transient(Exception):
    """A failure that a fault explains: the connection broke, the server
    answered 5xx, an RPC call failed inside the server."""


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.errors = defaultdict(list)
        self.cut = defaultdict(int)  # requests a fault made fail, per kind
        self.done = 0
        self.submissions = defaultdict(list)  # idempotency key -> ticket numbers answered
        self.asynchronous = set()  # idempotency keys of the submissions sent with Prefer: respond-async
        self.portal_submissions = []  # subjects of the tickets submitted on the portal
        self.emails = {}  # Message-Id of a new email delivered -> its subject
        self.replies = {}  # Message-Id of a reply delivered -> (Message-Id it answers, ticket id)
        self.answered = []  # (kind of reference, reference) of every submission answered
        self.unacknowledged_replies = 0  # email replies sent before the acknowledgement came
        self.notes = []  # what the checks found worth saying, not failures

    def add(self, kind, seconds, error=None):
        with self.lock:
            self.latencies[kind].append(seconds)
            self.done += 1
            if error:
                self.errors[kind].append(error)

    def answer(self, kind, ref):
        with self.lock:
            self.answered.append((kind, ref))

    def answered_snapshot(self):
        with self.lock:
            return list(self.answered)


class Client(threading.Thread):
    """A client of the desk. With several nodes it sends each request to the
    next node in turn: a session opened on one node is used on the others,
    as behind a proxy that does not pin sessions."""

    def __init__(self, index, clients, servers, prepared, count, stop_at, results, windows):
        super().__init__(name=f"client-{index}", daemon=True)
        self.clients = clients
        self.servers = servers
        self.sent = index  # clients start on different nodes
        self.index, self.server, self.prepared, self.count = index, servers[0], prepared, count
        self.key = prepared["key"]
        self.stop_at, self.results, self.windows = stop_at, results, windows
        self.portal = requests.Session()
        self.agent = requests.Session()
        self.api = requests.Session()  # no cookies: a connection kept open, as API clients do
        self.agent_tickets = []
        self.my_emails = []  # (Message-Id, sender, subject) of the emails this client delivered

    def timed(self, kind, call, repeatable=True):
        """Send one request; when a fault explains its failure, count it and,
        if it is safe to repeat, send it again until it is answered."""
        while True:
            began = time.monotonic()
            try:
                error, transient = call(), False
            except (requests.RequestException, Transient, xmlrpc.client.Fault, ValueError) as exc:
                error, transient = f"{type(exc).__name__}: {str(exc)[:300]}", True
            except Exception as exc:  # an answer the client did not expect: an error
                error, transient = f"{type(exc).__name__}: {str(exc)[:300]}", False
            ended = time.monotonic()
            fault = self.windows.explaining(began, ended) if error and transient else None
            if fault is None:
                self.results.add(kind, ended - began, error)
                return error
            self.windows.count(fault, kind, repeatable)
            with self.results.lock:
                self.results.cut[kind] += 1
            if not repeatable or ended > self.stop_at + RETRY_GRACE:
                self.results.add(kind, ended - began, None if not repeatable else error)
                return error
            time.sleep(RETRY_PAUSE)

    def http(self, session, method, path, **kwargs):
        server = self.servers[self.sent % len(self.servers)]
        self.sent += 1
        response = session.request(method, server.url + path, timeout=30, **kwargs)
        if response.status_code >= 500:
            raise Transient(f"{method} {path} answered {response.status_code}")
        if response.status_code == 404 and NO_DATABASE in response.text:
            # Odoo's answer when it cannot reach the database: it serves the request without one
            raise Transient(f"{method} {path} answered 404, no database")
        return response

    @staticmethod
    def csrf_token(page):
        return page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]

    def login_portal(self):
        page = self.http(self.portal, "GET", "/web/login")
        response = self.http(
            self.portal,
            "POST",
            "/web/login",
            allow_redirects=False,
            data={"login": "portal", "password": "portal", "csrf_token": self.csrf_token(page), "redirect": "/my"},
        )
        return None if response.status_code in (302, 303) else f"portal login answered {response.status_code}"

    def rpc(self, path, params):
        response = self.http(
            self.agent, "POST", path, json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}
        )
        body = response.json()
        if "error" in body:
            raise Transient(body["error"].get("data", {}).get("message") or body["error"])
        return body["result"]

    def login_agent(self):
        self.rpc("/web/session/authenticate", {"db": self.server.database, "login": "agent", "password": "agent"})
        self.agent_tickets = self.rpc(
            "/web/dataset/call_kw",
            {
                "model": "service.ticket",
                "method": "search",
                "args": [[("is_closed", "=", False)]],
                "kwargs": {"limit": 20, "order": "id"},
            },
        )
        # each client replies on its own tickets: the same person posting twice at the same instant on one
        # ticket they do not follow yet is refused by mail's unique follower index (docs/reliability.md)
        self.agent_tickets = self.agent_tickets[self.index :: self.clients] or self.agent_tickets
        return None if self.agent_tickets else "the agent sees no open ticket"

    def submit(self, number, key, asynchronous=False):
        """POST one submission; sent again with the same key, it must get the same ticket. Asynchronous
        (`Prefer: respond-async`), it is answered 202 with the number its ticket gets once the cron made it."""
        payload = {
            "email": self.customer_email(number),
            "name": f"Load ticket {key}",
            "description": (
                "Call transcript: the customer's router drops the connection every hour since the last "
                "firmware update. Restarting it helps for a while. Customer asks for a callback in the "
                f"afternoon.\nCaller reference {key}."
            ),
            "channel": ("phone", "chat")[number % 2],
            "external_ref": key,
        }
        headers = {"Authorization": f"Bearer {self.key}", "Idempotency-Key": key}
        if asynchronous:
            headers["Prefer"] = "respond-async"
        response = self.http(self.api, "POST", API_URL, json=payload, headers=headers)
        if response.status_code not in ((202,) if asynchronous else (200, 201)):
            return f"API answered {response.status_code}: {response.text[:200]}"
        ticket_number = response.json()["number"]
        with self.results.lock:
            self.results.submissions[key].append(ticket_number)
            if asynchronous:
                self.results.asynchronous.add(key)
        self.results.answer("queued" if asynchronous else "number", ticket_number)
        return None

    def customer_email(self, number):
        """A few customers who write again and again, some at the same instant from several clients."""
        return f"load.customer{number % 7}@load-test.example.com"

    def status(self, number):
        """The API's status read of a ticket, as the system that submitted it asks."""
        headers = {"Authorization": f"Bearer {self.key}"}
        response = self.http(self.api, "GET", f"{API_URL}/{number}", headers=headers)
        if response.status_code != 200 or response.json().get("number") != number:
            return f"status of {number} answered {response.status_code}: {response.text[:200]}"
        return None

    def version_info(self):
        """Odoo's own lightest JSON-RPC route, posted as the web client does."""
        response = self.http(
            self.api,
            "POST",
            "/web/webclient/version_info",
            json={"jsonrpc": "2.0", "method": "call", "id": self.sent, "params": {}},
        )
        if response.status_code != 200 or "server_version" not in response.json().get("result", {}):
            return f"version_info answered {response.status_code}: {response.text[:200]}"
        return None

    def portal_submit(self, subject, attempts):
        """The new-ticket form as a customer fills it, with a file; answered by a
        redirect to the ticket. After a failed attempt, the customer first looks
        in their ticket list whether it arrived."""
        attempts.append(time.monotonic())
        if len(attempts) > 1:
            search = {"search": subject, "search_in": "name"}
            listing = self.http(self.portal, "GET", "/my/service/tickets", params=search)
            if listing.status_code == 200 and re.search(r'href="/my/service/tickets/\d+', listing.text):
                with self.results.lock:
                    self.results.portal_submissions.append(subject)
                return None
        form = self.http(self.portal, "GET", "/my/service/tickets/new")
        if form.status_code != 200:
            return f"portal form answered {form.status_code}"
        response = self.http(
            self.portal,
            "POST",
            "/my/service/tickets/new",
            allow_redirects=False,
            data={
                "name": subject,
                "description": "Submitted by the load test.",
                "ticket_type": "question",
                "csrf_token": self.csrf_token(form),
            },
            files={"attachments": (ATTACHMENT_NAME, os.urandom(ATTACHMENT_SIZE), "application/octet-stream")},
        )
        if response.status_code != 303:
            return f"portal submission answered {response.status_code}"
        with self.results.lock:
            self.results.portal_submissions.append(subject)
        ticket_id = response.headers.get("Location", "").split("/my/service/tickets/", 1)[-1].split("?", 1)[0]
        if ticket_id.isdigit():
            self.results.answer("id", int(ticket_id))
        return None

    def portal_pages(self):
        listing = self.http(self.portal, "GET", "/my/service/tickets")
        if listing.status_code != 200:
            return f"portal list answered {listing.status_code}"
        marker = 'href="/my/service/tickets/'
        if marker in listing.text:
            ticket_id = listing.text.split(marker, 1)[1].split('"', 1)[0].split("?", 1)[0]
            page = self.http(self.portal, "GET", f"/my/service/tickets/{ticket_id}")
            if page.status_code != 200:
                return f"portal ticket page {ticket_id} answered {page.status_code}"
        return None

    def reply(self, number):
        ticket_id = self.agent_tickets[number % len(self.agent_tickets)]
        self.rpc(
            "/web/dataset/call_kw",
            {
                "model": "service.ticket",
                "method": "message_post",
                "args": [[ticket_id]],
                "kwargs": {
                    "body": f"Load test reply {self.index}-{number}",
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                },
            },
        )

    # -- the mail gateway --------------------------------------------------

    def xmlrpc(self, model, method, args, kwargs=None):
        """execute_kw over XML-RPC as the gateway user, like odoo-mailgate.py."""
        body = xmlrpc.client.dumps(
            (
                self.server.database,
                self.prepared["gateway_uid"],
                self.prepared["gateway_key"],
                model,
                method,
                args,
                kwargs or {},
            ),
            "execute_kw",
            allow_none=True,
        )
        response = self.http(
            requests, "POST", "/xmlrpc/2/object", data=body.encode(), headers={"Content-Type": "text/xml"}
        )
        (result,), _method = xmlrpc.client.loads(response.content, use_builtin_types=True)
        return result

    def raw_email(self, sender, subject, message_id, body, answers=()):
        message = EmailMessage()
        message["From"] = sender
        message["To"] = self.prepared["alias"]
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=True)
        message["Message-ID"] = message_id
        if answers:
            message["In-Reply-To"] = answers[-1]
            message["References"] = " ".join(answers)
        message.set_content(body)
        return message.as_bytes()

    def deliver(self, raw):
        """Hand a raw email to Odoo: False when it was delivered before (same Message-Id)."""
        return self.xmlrpc("mail.thread", "message_process", [False, xmlrpc.client.Binary(raw)])

    def email_new(self, number, message_id):
        sender = f"load.mail{self.index}.{number % 3}@customers.load-test.example.com"
        subject = f"Load email {self.index}-{number}-{message_id[6:14]}"
        raw = self.raw_email(sender, subject, message_id, "My router drops the connection every hour.")
        ticket_id = self.deliver(raw)
        with self.results.lock:
            self.results.emails[message_id] = subject
        self.my_emails.append((message_id, sender, subject))
        self.results.answer("message_id", message_id)
        if ticket_id is False:
            return None  # a delivery that a fault cut had arrived: the gateway recognised it
        return None if isinstance(ticket_id, int) else f"message_process answered {ticket_id!r}"

    def email_reply(self, number, message_id, original):
        """The customer answers the acknowledgement of an email of theirs: `original` if it was
        acknowledged, else another of their emails already acknowledged. The acknowledgement is posted by
        a cron after the ticket was made: when none has come yet, the customer waits for the one of
        `original` (`acknowledgement`) and, if it does not come (a run without cron), writes again in the
        thread of their own email."""
        tickets = self.tickets_of([email[0] for email in self.my_emails])
        if original[0] not in tickets:
            return f"email {original[0]} is on no ticket"
        acks = self.acknowledgements(set(tickets.values()))
        acknowledged = [email for email in self.my_emails if tickets.get(email[0]) in acks]
        if acknowledged and original not in acknowledged:
            original = acknowledged[number % len(acknowledged)]
        parent, sender, subject = original
        ticket_id = tickets[parent]
        acknowledgement = acks.get(ticket_id) or self.acknowledgement(ticket_id)
        thread = (parent, acknowledgement) if acknowledgement else (parent,)
        raw = self.raw_email(sender, f"Re: {subject}", message_id, "It dropped again this morning.", thread)
        self.deliver(raw)
        with self.results.lock:
            self.results.replies[message_id] = (parent, ticket_id)
            if not acknowledgement:
                self.results.unacknowledged_replies += 1
        return None

    def tickets_of(self, message_ids):
        """{Message-Id: id of the ticket it is on} of these emails."""
        found = self.xmlrpc(
            "mail.message",
            "search_read",
            [[("message_id", "in", message_ids), ("model", "=", "service.ticket")]],
            {"fields": ["message_id", "res_id"]},
        )
        return {message["message_id"]: message["res_id"] for message in found}

    def acknowledgements(self, ticket_ids):
        """{ticket id: Message-Id of its acknowledgement} of those of these tickets that have one."""
        found = self.xmlrpc(
            "mail.message",
            "search_read",
            [
                [
                    ("model", "=", "service.ticket"),
                    ("res_id", "in", list(ticket_ids)),
                    ("message_type", "=", "auto_comment"),
                ]
            ],
            {"fields": ["res_id", "message_id"], "order": "id desc"},
        )
        return {message["res_id"]: message["message_id"] for message in found}  # the first one wins

    def acknowledgement(self, ticket_id):
        """The Message-Id of the ticket's acknowledgement, asked again while it is not posted yet, for up to
        ACK_WAIT seconds (or until the run's time is up); None when it did not come."""
        give_up = min(time.monotonic() + self.prepared.get("ack_wait", ACK_WAIT), self.stop_at)
        while True:
            acks = self.acknowledgements([ticket_id])
            if acks:
                return acks[ticket_id]
            if time.monotonic() >= give_up:
                return None
            time.sleep(ACK_POLL)

    # -- the rotation -----------------------------------------------------

    def run(self):
        self.timed("login", self.login_portal)
        self.timed("login", self.login_agent)
        for number in range(self.count):
            if time.monotonic() > self.stop_at:
                self.results.add("timeout", 0, "time limit reached before all requests were sent")
                return
            kind = ("api_submit", "portal_pages", "email_new", "api_submit", "agent_reply", "email_reply")[number % 6]
            if kind == "api_submit":
                key = f"load-{self.index}-{number}-{uuid.uuid4().hex[:8]}"
                # every other submission asks for the asynchronous answer (Prefer: respond-async)
                queued = number % 6 == 3
                kind = "api_async" if queued else kind
                self.timed(kind, lambda n=number, k=key, q=queued: self.submit(n, k, q))
                if number % 9 == 0:  # the client lost the answer and sends it again
                    self.timed("api_retry", lambda n=number, k=key, q=queued: self.submit(n, k, q))
            elif kind == "portal_pages" and number % 12 == 1:
                subject = f"Portal load ticket {self.index}-{number}-{uuid.uuid4().hex[:8]}"
                self.timed("portal_submit", lambda s=subject, a=[]: self.portal_submit(s, a))
            elif kind == "portal_pages":
                self.timed(kind, self.portal_pages)
            elif kind == "email_reply" and self.my_emails:
                message_id = f"<load-{uuid.uuid4().hex}@customers.load-test.example.com>"
                original = self.my_emails[number % len(self.my_emails)]
                self.timed(kind, lambda n=number, m=message_id, o=original: self.email_reply(n, m, o))
            elif kind in ("email_new", "email_reply"):
                message_id = f"<load-{uuid.uuid4().hex}@customers.load-test.example.com>"
                self.timed("email_new", lambda n=number, m=message_id: self.email_new(n, m))
            elif self.agent_tickets:
                # a reply cut by a fault is not sent again blindly: it may have been posted
                self.timed(kind, lambda n=number: self.reply(n), repeatable=False)


def production_commits(args):
    """On the run's own cluster: tools/postgres.sh makes clusters with synchronous_commit off, which trades the
    last commits of a crash for speed; a production server keeps it on, and so does the run."""
    if args.pg_data:
        monitor = Monitor(args.database)
        monitor.query("ALTER SYSTEM SET synchronous_commit = on")
        monitor.query("SELECT pg_reload_conf()")
        monitor.close()


def cron_threads(args):
    """Cron threads of the first node: one when several nodes run on the run's own cluster, else none. Odoo's
    cron processes every database of the PostgreSQL user, so it is never started on a shared server."""
    return 1 if args.nodes > 1 and args.pg_data else 0


def cron_note(args):
    if cron_threads(args):
        return "cron on node 0 only"
    if args.nodes > 1 and not args.pg_data:
        return "cron off (a shared PostgreSQL server: Odoo's cron would process every database there)"
    return "cron off"


def start_nodes(args, odoo_args):
    servers = []
    try:
        for node in range(args.nodes):
            cron = cron_threads(args) if node == 0 else 0
            servers.append(Server(args.database, args.workers, odoo_args, node=node, cron_threads=cron))
    except BaseException:
        stop_nodes(servers)
        raise
    return servers


def stop_nodes(servers):
    for server in servers:
        server.stop()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(results, elapsed):
    print(f"\n{'kind':<14}{'requests':>9}{'errors':>8}{'faulted':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    total = 0
    for kind in sorted(results.latencies):
        values = results.latencies[kind]
        if kind == "timeout":
            continue
        total += len(values)
        print(
            f"{kind:<14}{len(values):>9}{len(results.errors[kind]):>8}{results.cut[kind]:>9}"
            f"{statistics.median(values) * 1000:>9.0f}{percentile(values, 0.95) * 1000:>9.0f}"
            f"{percentile(values, 0.99) * 1000:>9.0f}"
        )
    print(f"\n{total} requests in {elapsed:.1f} s: {total / elapsed:.1f} requests/s")
    print("(faulted: attempts that a fault made fail, then sent again when safe; not counted as requests or errors)")
    for kind, errors in results.errors.items():
        for error in errors[:5]:
            print(f"error ({kind}): {error}")
    return sum(len(errors) for errors in results.errors.values())


def fault_plan(args):
    """[(fraction of the planned requests done, fault)] of the run, and why a fault is left out."""
    if not args.faults:
        return [], ["faults: none (--no-faults)"]
    plan = [(0.15 + 0.35 * i / max(1, args.kills - 1), "kill_worker") for i in range(args.kills)]
    notes = []
    if not args.db_restart:
        notes.append("fault PostgreSQL restart: skipped (--no-db-restart)")
    elif not args.pg_data:
        notes.append(
            "fault PostgreSQL restart: SKIPPED, the database server is not the load test's own cluster "
            "(PGHOST/SD_ODOO_RC given, or no --pg-data): it is not restarted under other users"
        )
    else:
        plan.append((0.65, "restart_db"))
    return sorted(plan), notes


def main(argv=None):
    args, odoo_args = parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    from odoo import sql_db
    from odoo.tools import config

    config.parse_config(["--database", args.database, "--log-level", "warn", f"--http-interface={HOST}", *odoo_args])
    prepared = open_env(args.database, prepare)
    # without a cron, no acknowledgement comes during the run: customers do not wait for one
    prepared["ack_wait"] = ACK_WAIT if cron_threads(args) else 0
    plan, notes = fault_plan(args)
    production_commits(args)

    servers = start_nodes(args, odoo_args)
    results, windows = Results(), FaultWindows()
    injector = None
    try:
        for server in servers:
            server.wait_ready()
        print(
            f"Odoo with {args.workers} workers on {', '.join(server.url for server in servers)}; "
            f"{args.clients} clients x {args.requests} requests"
        )
        if len(servers) > 1:
            print(
                f"{len(servers)} nodes sharing the database and the data directory (filestore, sessions); "
                f"{cron_note(args)}"
            )
        if args.pg_data:
            print(f"PostgreSQL: the run's own cluster in {args.pg_data}, synchronous_commit on")
        for note in notes:
            print(note)
        start = time.monotonic()
        stop_at = start + args.time_limit
        clients = [
            Client(i, args.clients, servers, prepared, args.requests, stop_at, results, windows)
            for i in range(args.clients)
        ]
        if plan:
            injector = FaultInjector(servers, args, prepared, results, windows, plan, args.clients * args.requests)
            injector.start()
        for client in clients:
            client.start()
        for client in clients:
            client.join(max(1, stop_at + RETRY_GRACE + 35 - time.monotonic()))
        elapsed = time.monotonic() - start
        stuck = [client.name for client in clients if client.is_alive()]
        if injector:
            injector.finished.set()
            injector.join(120)
    finally:
        stop_nodes(servers)
    errors = report(results, elapsed)
    given_up = 0
    for server in servers:
        retried, gave_up, server_errors = server.concurrency_log()
        given_up += gave_up
        print(
            f"server{f' node {server.node}' if len(servers) > 1 else ''}: {retried} concurrency failures retried "
            f"by Odoo, {gave_up} given up, {server_errors} errors logged ({server.log_path})"
        )
    if stuck:
        print(f"clients still waiting at the time limit: {', '.join(stuck)}")
    fault_failures = []
    if injector:
        print("\nfaults:")
        for event in windows.events:
            print(f"- {describe(event)}")
        for note in injector.notes:
            print(f"- {note}")
        fault_failures = injector.failures + (["the fault injection did not finish"] if injector.is_alive() else [])

    # this process's own pooled connections did not live through a PostgreSQL restart: new ones for the checks
    sql_db.close_all()
    failures, new = open_env(args.database, lambda env: check(env, prepared, results))
    failures = fault_failures + failures
    for note in results.notes:
        print(note)
    retried = sum(1 for numbers in results.submissions.values() if len(numbers) > 1)
    print(
        f"\n{results.unacknowledged_replies} of {len(results.replies)} email replies were sent before the "
        f"acknowledgement came (waited up to {ACK_WAIT} s; {cron_note(args)})"
    )
    print(
        f"\nchecks: {len(results.submissions)} API submissions ({len(results.asynchronous)} asynchronous, "
        f"{retried} retried), "
        f"{len(results.portal_submissions)} portal submissions, {len(results.emails)} emails, "
        f"{len(results.replies)} email replies -> {new} tickets, each whole; "
        f"{'all consistent' if not failures else f'{len(failures)} problem(s)'}"
    )
    for failure in failures[:20]:
        print(f"FAILED: {failure}")
    return 1 if failures or errors or stuck or given_up else 0


if __name__ == "__main__":
    sys.exit(main())
