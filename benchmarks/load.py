"""Load test of service_desk: a multi-worker Odoo on the loopback, concurrent
clients, then the checks that no request left the data inconsistent.

Run through `make load` (a throwaway database with the addon and its demo
data, dropped afterwards), or:

    python3 -m benchmarks.load --database DB [--clients 4] [--requests 25] [odoo options...]

1. Prepares the database: an API key for the demo agent, the capacity and
   open tickets of every agent before the run.
2. Starts `odoo server --workers=2 --max-cron-threads=0` on 127.0.0.1 and a
   free port (its own process group, stopped at the end whatever happens).
3. Runs --clients threads of --requests requests each, in rotation: API ticket
   submissions with an Idempotency-Key (every third one sent twice, as a
   client whose answer was lost), portal page loads (list and a ticket) as
   the demo portal customer, agents replying on their tickets through
   JSON-RPC. Everything stops after --time-limit seconds.
4. Prints throughput, p50/p95/p99 latency and errors per kind, then checks:
   every submission is exactly one ticket (retries included), no agent is
   above capacity because of the run, every ticket's sla_deadline is the
   earliest deadline of its running lines. Exit status 1 when a check fails.
"""

import argparse
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict

import requests

HOST = "127.0.0.1"
API_URL = "/service_desk/api/v1/tickets"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients (default 4)")
    parser.add_argument("--requests", type=int, default=25, help="requests per client (default 25)")
    parser.add_argument("--workers", type=int, default=2, help="Odoo HTTP workers (default 2)")
    parser.add_argument("--time-limit", type=int, default=180, help="stop the clients after this (default 180 s)")
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
    if not agent or not portal:
        raise SystemExit("the database has no demo users 'agent' and 'portal': install with demo data")
    key = (
        env["res.users.apikeys"]
        .with_user(agent)
        .sudo()
        ._generate(None, "load test", fields.Datetime.now() + timedelta(hours=12))
    )
    members = env["service.team.member"].search([])
    capacity = {member.id: (member.max_open_tickets, member.open_ticket_count) for member in members}
    return {
        "key": key,
        "capacity": capacity,
        "max_ticket_id": env["service.ticket"].search([], order="id desc", limit=1).id,
    }


def check(env, prepared, submissions, portal_submissions):
    """Every failed check as a sentence."""
    failures = []
    Ticket = env["service.ticket"].with_context(active_test=False)
    for subject in portal_submissions:
        count = Ticket.search_count([("name", "=", subject), ("channel", "=", "portal")])
        if count != 1:
            failures.append(f"portal submission {subject!r} is {count} tickets")
    # every submission answered 201/200 is exactly one ticket, retries included
    for key, numbers in submissions.items():
        tickets = Ticket.search([("external_ref", "=", key)])
        if len(tickets) != 1:
            failures.append(f"submission {key} is {len(tickets)} tickets")
        elif set(numbers) != {tickets.number}:
            failures.append(f"submission {key} was answered {sorted(numbers)}, its ticket is {tickets.number}")
    new = Ticket.search([("id", ">", prepared["max_ticket_id"]), ("external_ref", "=like", "load-%")])
    unknown = new.filtered(lambda t: t.external_ref not in submissions)
    if unknown:
        failures.append(f"{len(unknown)} API tickets that no client was answered for: {unknown.mapped('number')}")
    # no agent above capacity because of the run
    for member in env["service.team.member"].search([]):
        capacity, before = prepared["capacity"].get(member.id, (member.max_open_tickets, 0))
        if capacity and member.open_ticket_count > max(capacity, before):
            failures.append(
                f"{member.user_id.login} has {member.open_ticket_count} open tickets in "
                f"{member.team_id.name}, capacity {capacity} ({before} before the run)"
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


# ----------------------------------------------------------------------
# The server
# ----------------------------------------------------------------------


class Server:
    def __init__(self, database, workers, odoo_args):
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        command = [
            sys.executable,
            os.path.join(os.path.dirname(os.path.abspath(__file__)), "odoo_launcher.py"),
            "server",
            *odoo_args,
            "-d",
            database,
            f"--db-filter=^{database}$",
            f"--workers={workers}",
            "--max-cron-threads=0",
            f"--http-interface={HOST}",
            f"--http-port={self.port}",
            f"--gevent-port={free_port()}",
            "--log-level=warn",
            # Odoo's retries of serialization failures and deadlocks are logged at INFO by this logger
            "--log-handler=odoo.service.model:INFO",
            "--limit-time-real=120",
            "--no-database-list",
        ]
        self.log_path = os.path.join(os.environ.get("SD_LOCAL", "."), "log", f"load-{database}.log")
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        self.log = open(self.log_path, "w")  # noqa: SIM115 -- closed in stop()
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the Odoo server stopped at start: see {self.log_path}")
            try:
                if requests.get(self.url + "/web/login", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
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
        with open(self.log_path) as log:
            text = log.read()
        errors = sum(1 for line in text.splitlines() if " ERROR " in line and "bad query" not in line)
        return text.count("tries left, try again"), text.count("maximum number of tries reached"), errors


# ----------------------------------------------------------------------
# The clients
# ----------------------------------------------------------------------


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = defaultdict(list)
        self.errors = defaultdict(list)
        self.submissions = defaultdict(list)  # idempotency key -> ticket numbers answered
        self.portal_submissions = []  # subjects of the tickets submitted on the portal

    def add(self, kind, seconds, error=None):
        with self.lock:
            self.latencies[kind].append(seconds)
            if error:
                self.errors[kind].append(error)


class Client(threading.Thread):
    def __init__(self, index, clients, server, key, count, stop_at, results):
        super().__init__(name=f"client-{index}", daemon=True)
        self.clients = clients
        self.index, self.server, self.key, self.count = index, server, key, count
        self.stop_at, self.results = stop_at, results
        self.portal = requests.Session()
        self.agent = requests.Session()
        self.agent_tickets = []

    def timed(self, kind, call):
        start = time.perf_counter()
        try:
            error = call()
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        self.results.add(kind, time.perf_counter() - start, error)

    def login_portal(self):
        page = self.portal.get(self.server.url + "/web/login", timeout=30)
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        response = self.portal.post(
            self.server.url + "/web/login",
            timeout=30,
            allow_redirects=False,
            data={
                "login": "portal",
                "password": "portal",
                "csrf_token": token,
                "redirect": "/my",
            },
        )
        return None if response.status_code in (302, 303) else f"portal login answered {response.status_code}"

    def rpc(self, path, params):
        response = self.agent.post(
            self.server.url + path,
            timeout=30,
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": params,
            },
        )
        body = response.json()
        if "error" in body:
            raise requests.RequestException(body["error"].get("data", {}).get("message") or body["error"])
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
        # ticket they do not follow yet is refused by mail's unique follower index (README, Reliability)
        self.agent_tickets = self.agent_tickets[self.index :: self.clients] or self.agent_tickets
        return None if self.agent_tickets else "the agent sees no open ticket"

    def submit(self, number, key):
        """POST one submission; sent again with the same key, it must get the same ticket."""
        payload = {
            "email": f"load.customer{number % 7}@load-test.example.com",
            "name": f"Load ticket {key}",
            "description": "Submitted by the load test.",
            "channel": "phone",
            "external_ref": key,
        }
        headers = {"Authorization": f"Bearer {self.key}", "Idempotency-Key": key}
        response = requests.post(self.server.url + API_URL, json=payload, headers=headers, timeout=30)
        if response.status_code not in (200, 201):
            return f"API answered {response.status_code}: {response.text[:200]}"
        with self.results.lock:
            self.results.submissions[key].append(response.json()["number"])
        return None

    def portal_submit(self, number):
        """The new-ticket form as a customer fills it; answered by a redirect to the ticket."""
        subject = f"Portal load ticket {self.index}-{number}-{uuid.uuid4().hex[:8]}"
        form = self.portal.get(self.server.url + "/my/service/tickets/new", timeout=30)
        if form.status_code != 200:
            return f"portal form answered {form.status_code}"
        token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        response = self.portal.post(
            self.server.url + "/my/service/tickets/new",
            timeout=30,
            allow_redirects=False,
            data={
                "name": subject,
                "description": "Submitted by the load test.",
                "ticket_type": "question",
                "csrf_token": token,
            },
        )
        if response.status_code != 303:
            return f"portal submission answered {response.status_code}"
        with self.results.lock:
            self.results.portal_submissions.append(subject)
        return None

    def portal_pages(self):
        listing = self.portal.get(self.server.url + "/my/service/tickets", timeout=30)
        if listing.status_code != 200:
            return f"portal list answered {listing.status_code}"
        marker = 'href="/my/service/tickets/'
        if marker in listing.text:
            ticket_id = listing.text.split(marker, 1)[1].split('"', 1)[0].split("?", 1)[0]
            page = self.portal.get(self.server.url + f"/my/service/tickets/{ticket_id}", timeout=30)
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
        return None

    def run(self):
        self.timed("login", self.login_portal)
        self.timed("login", self.login_agent)
        for number in range(self.count):
            if time.monotonic() > self.stop_at:
                self.results.add("timeout", 0, "time limit reached before all requests were sent")
                return
            kind = ("api_submit", "portal_pages", "api_submit", "agent_reply")[number % 4]
            if kind == "api_submit":
                key = f"load-{self.index}-{number}-{uuid.uuid4().hex[:8]}"
                self.timed(kind, lambda n=number, k=key: self.submit(n, k))
                if number % 3 == 0:  # the client lost the answer and sends it again
                    self.timed("api_retry", lambda n=number, k=key: self.submit(n, k))
            elif kind == "portal_pages" and number % 8 == 1:
                self.timed("portal_submit", lambda n=number: self.portal_submit(n))
            elif kind == "portal_pages":
                self.timed(kind, self.portal_pages)
            elif self.agent_tickets:
                self.timed(kind, lambda n=number: self.reply(n))


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(results, elapsed):
    print(f"\n{'kind':<14}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    total = 0
    for kind in sorted(results.latencies):
        values = results.latencies[kind]
        if kind == "timeout":
            continue
        total += len(values)
        print(
            f"{kind:<14}{len(values):>9}{len(results.errors[kind]):>8}"
            f"{statistics.median(values) * 1000:>9.0f}{percentile(values, 0.95) * 1000:>9.0f}"
            f"{percentile(values, 0.99) * 1000:>9.0f}"
        )
    print(f"\n{total} requests in {elapsed:.1f} s: {total / elapsed:.1f} requests/s")
    for kind, errors in results.errors.items():
        for error in errors[:5]:
            print(f"error ({kind}): {error}")
    return sum(len(errors) for errors in results.errors.values())


def main(argv=None):
    args, odoo_args = parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    from odoo.tools import config

    config.parse_config(["--database", args.database, "--log-level", "warn", f"--http-interface={HOST}", *odoo_args])
    prepared = open_env(args.database, prepare)

    server = Server(args.database, args.workers, odoo_args)
    server.database = args.database
    try:
        server.wait_ready()
        print(f"Odoo with {args.workers} workers on {server.url}; {args.clients} clients x {args.requests} requests")
        results = Results()
        start = time.monotonic()
        stop_at = start + args.time_limit
        clients = [
            Client(i, args.clients, server, prepared["key"], args.requests, stop_at, results)
            for i in range(args.clients)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join(max(1, stop_at + 35 - time.monotonic()))
        elapsed = time.monotonic() - start
        stuck = [client.name for client in clients if client.is_alive()]
    finally:
        server.stop()
    errors = report(results, elapsed)
    retried, given_up, server_errors = server.concurrency_log()
    print(
        f"server: {retried} concurrency failures retried by Odoo, {given_up} given up, "
        f"{server_errors} errors logged ({server.log_path})"
    )
    if stuck:
        print(f"clients still waiting at the time limit: {', '.join(stuck)}")

    failures, created = open_env(
        args.database, lambda env: check(env, prepared, dict(results.submissions), list(results.portal_submissions))
    )
    retried = sum(1 for numbers in results.submissions.values() if len(numbers) > 1)
    print(
        f"\nchecks: {len(results.submissions)} API submissions ({retried} retried) -> {created} API tickets, "
        f"{len(results.portal_submissions)} portal submissions; "
        f"{'all consistent' if not failures else f'{len(failures)} problem(s)'}"
    )
    for failure in failures[:20]:
        print(f"FAILED: {failure}")
    return 1 if failures or errors or stuck or given_up else 0


if __name__ == "__main__":
    sys.exit(main())
