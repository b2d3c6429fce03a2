"""API intake against an authenticated read and Odoo's own floor: `make bench-api`.

Run through `make bench-api` (tools/bench_api.sh: a throwaway database with
the addon and its demo data in a PostgreSQL cluster of its own, as `make
load`), or:

    python3 -m benchmarks.bench_api --database DB [--clients 8] [--seconds 30] [odoo options...]

Starts Odoo with --workers (default 4) and no cron, like `make load` (one
implementation of the server and of the clients: benchmarks/load.py), then
runs the same clients for the same time, one phase after the other:

  (a) asynchronous ticket submissions, POST /service_desk/api/v1/tickets
      with `Prefer: respond-async`, the demo agent's API key, a realistic
      payload and an Idempotency-Key each: checked, numbered, queued,
      answered 202;
  (a-sync) the same submissions without the preference, each ticket made in
      its request and answered 201 (printed with its ratios, no target);
  (b) the status read of one of the (a-sync) tickets through the same
      controller, GET /service_desk/api/v1/tickets/<number> with the same key;
  (c) Odoo's /web/webclient/version_info, a JSON-RPC POST as the web client
      sends it: the cheapest request that goes through Odoo's dispatching.

Prints each rate per minute with p50/p95 and the ratios (a)/(b) and (a)/(c)
against their targets (DESIGN §9). Then the servers are stopped and the
queued requests made into tickets as the cron does (one transaction per
batch, models/service_api_request.py), which prints the drain rate: tickets
per minute one cron thread makes, to compare with the intake rate (a). Then
checks with `make load`'s checks that every answered submission is exactly
one whole ticket with the number it was answered, no agent is above capacity
and every ticket's SLA deadline is consistent. Exit status 1 when a target is
missed, a request failed or a check fails.
"""

# a command-line tool: what it prints is its report
# pylint: disable=print-used

import argparse
import itertools
import random
import signal
import statistics
import sys
import time
import uuid

from .load import (
    HOST,
    Client,
    Results,
    check,
    open_env,
    percentile,
    prepare,
    production_commits,
    start_nodes,
    stop_nodes,
)
from .load_faults import FaultWindows

TARGETS = {("submit_async", "status"): 0.5, ("submit_async", "version_info"): 0.2}
# printed for comparison, without a target: a ticket made in the request
SYNC_RATIOS = (("submit", "status"), ("submit", "version_info"), ("submit_async", "submit"))
PHASES = (
    ("submit_async", "(a) API submission, async"),
    ("submit", "(a-sync) API submission, sync"),
    ("status", "(b) API status read"),
    ("version_info", "(c) Odoo version_info"),
)
DRAIN_BATCH = 50  # requests per transaction, as the cron's batches


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--seconds", type=int, default=30, help="length of each phase (default 30 s)")
    parser.add_argument("--workers", type=int, default=4, help="Odoo HTTP workers (default 4)")
    parser.add_argument(
        "--warm-up", type=int, default=5, help="untimed seconds of each kind of request first (default 5)"
    )
    parser.add_argument("--pg-data", help="data directory of the run's own PostgreSQL cluster (tools/load.sh)")
    parser.add_argument("--pg-ctl", help="unused: accepted as tools/load.sh passes it")
    args, odoo_args = parser.parse_known_args(argv)
    args.nodes = 1
    return args, [arg for arg in odoo_args if arg != "--"]


CALLERS = 500  # known customers calling in, as a telephony system sees them


def prepare_callers(env):
    """The callers of the run as known contacts: a ticket submission looks its customer up, as for most calls
    of a real desk (a new contact per call, or the same few contacts for every client at the same instant,
    would measure contact creation or contention on one contact instead)."""
    emails = [f"caller{i}@load-test.example.com" for i in range(CALLERS)]
    known = set(env["res.partner"].search([("email", "in", emails)]).mapped("email"))
    env["res.partner"].create([{"name": f"Caller {email}", "email": email} for email in emails if email not in known])


def key_check_cost(env, key, rounds=20):
    """(ms, ms): one API key check verifying the key's stored hash, and one of a key verified before,
    side by side in this process (models/res_users_apikeys.py)."""
    from odoo.addons.service_desk.models.res_users_apikeys import _VERIFIED_KEYS, CACHED_CHECK

    Keys = env["res.users.apikeys"].with_context(**{CACHED_CHECK: True})  # as on the desk's API routes

    def timed(forget):
        started = time.perf_counter()
        for _round in range(rounds):
            if forget:
                _VERIFIED_KEYS.clear()
            Keys._check_credentials(scope="rpc", key=key)
        return (time.perf_counter() - started) / rounds * 1000

    Keys._check_credentials(scope="rpc", key=key)
    return timed(forget=True), timed(forget=False)


class PhaseClient(Client):
    """A load test client that sends one kind of request for the length of a phase."""

    def __init__(self, index, clients, servers, prepared, stop_at, results, phase, numbers, label):
        super().__init__(index, clients, servers, prepared, 0, stop_at, results, FaultWindows())
        self.phase = phase
        self.numbers = numbers
        self.label = label

    def customer_email(self, number):
        return f"caller{(self.index * 101 + number * 13) % CALLERS}@load-test.example.com"

    def run(self):
        for number in itertools.count():
            if time.monotonic() >= self.stop_at:
                return
            if self.phase in ("submit", "submit_async"):
                key = f"load-api-{self.index}-{number}-{uuid.uuid4().hex[:8]}"
                queued = self.phase == "submit_async"
                self.timed(self.label, lambda n=number, k=key, q=queued: self.submit(n, k, q))
            elif self.phase == "status":
                ticket = random.choice(self.numbers)
                self.timed(self.label, lambda t=ticket: self.status(t))
            else:
                self.timed(self.label, self.version_info)


def run_phase(args, servers, prepared, results, phase, numbers, seconds=None, label=None):
    """Rate per minute of the phase's answered requests."""
    label = label or phase
    seconds = seconds or args.seconds
    started = time.monotonic()
    clients = [
        PhaseClient(i, args.clients, servers, prepared, started + seconds, results, phase, numbers, label)
        for i in range(args.clients)
    ]
    for client in clients:
        client.start()
    for client in clients:
        client.join(seconds + 60)
    elapsed = time.monotonic() - started
    answered = len(results.latencies[label]) - len(results.errors[label])
    return answered / elapsed * 60


def warm_up(args, servers, prepared, results):
    """Every worker loads the registry and fills its caches at its first requests: done before the phases
    are timed, with each kind of request (the tickets it submits are checked with the others)."""
    for phase, _label in PHASES:
        numbers = submitted(results, prepared)
        run_phase(args, servers, prepared, results, phase, numbers, args.warm_up, f"warm-up {phase}")


def submitted(results, prepared):
    """The numbers of the tickets made in their request so far (the demo's probe ticket before any)."""
    numbers = sorted(
        {
            number
            for key, answered in results.submissions.items()
            if key not in results.asynchronous
            for number in answered
        }
    )
    return numbers or [prepared["probe_number"]]


def drain(database):
    """(tickets made, seconds): the queued requests made into tickets as the cron does, oldest first, a batch
    per transaction committed before the next (models/service_api_request.py), in this one process."""

    def batch(env):
        return len(env["service.api.request"]._lock_queued(DRAIN_BATCH)._create_tickets())

    made, started = 0, time.perf_counter()
    while count := open_env(database, batch):
        made += count
    return made, time.perf_counter() - started


def report(results, rates):
    print(f"\n{'':<30}{'requests':>9}{'errors':>8}{'per min':>9}{'p50 ms':>9}{'p95 ms':>9}")
    for phase, label in PHASES:
        values = results.latencies[phase] or [0.0]
        print(
            f"{label:<30}{len(results.latencies[phase]):>9}{len(results.errors[phase]):>8}{rates[phase]:>9.0f}"
            f"{statistics.median(values) * 1000:>9.0f}{percentile(values, 0.95) * 1000:>9.0f}"
        )
    missed = []
    print()
    for (a, b), target in TARGETS.items():
        ratio = rates[a] / rates[b] if rates[b] else 0.0
        verdict = "ok" if ratio >= target else "MISSED"
        print(f"ratio {a}/{b}: {ratio:.2f} (target >= {target}) {verdict}")
        if ratio < target:
            missed.append(f"{a}/{b}")
    for a, b in SYNC_RATIOS:
        print(f"ratio {a}/{b}: {rates[a] / rates[b] if rates[b] else 0.0:.2f} (no target)")
    for phase, errors in results.errors.items():
        for error in errors[:5]:
            print(f"error ({phase}): {error}")
    return missed


def main(argv=None):
    args, odoo_args = parse_args(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    from odoo.tools import config

    config.parse_config(["--database", args.database, "--log-level", "warn", f"--http-interface={HOST}", *odoo_args])
    prepared = open_env(args.database, prepare)
    open_env(args.database, prepare_callers)
    verifying, verified = open_env(args.database, lambda env: key_check_cost(env, prepared["key"]))
    production_commits(args)
    servers = start_nodes(args, odoo_args)
    results, rates = Results(), {}
    try:
        for server in servers:
            server.wait_ready()
        print(
            f"Odoo with {args.workers} workers on {servers[0].url}; {args.clients} clients, {args.seconds} s per phase"
        )
        warm_up(args, servers, prepared, results)
        rates["submit_async"] = run_phase(args, servers, prepared, results, "submit_async", [])
        rates["submit"] = run_phase(args, servers, prepared, results, "submit", [])
        rates["status"] = run_phase(args, servers, prepared, results, "status", submitted(results, prepared))
        rates["version_info"] = run_phase(args, servers, prepared, results, "version_info", [])
    finally:
        stop_nodes(servers)
    missed = report(results, rates)
    made, seconds = drain(args.database)
    print(
        f"drain: {made} queued requests made into tickets in {seconds:.1f} s by one cron thread, "
        f"{made / seconds * 60 if seconds else 0:.0f} tickets/min (intake (a): {rates['submit_async']:.0f}/min)"
    )
    print(
        f"API key check in one process: {verifying:.1f} ms verifying the stored hash, "
        f"{verified:.1f} ms for a key verified before ({verifying / max(verified, 0.001):.0f}x)"
    )
    for server in servers:
        retried, given_up, server_errors = server.concurrency_log()
        print(
            f"server: {retried} concurrency failures retried by Odoo, {given_up} given up, "
            f"{server_errors} errors logged ({server.log_path})"
        )
    failures, new = open_env(args.database, lambda env: check(env, prepared, results))
    print(
        f"\nchecks: {len(results.submissions)} API submissions ({len(results.asynchronous)} asynchronous) -> "
        f"{new} tickets, each whole; "
        f"{'all consistent' if not failures else f'{len(failures)} problem(s)'}"
    )
    for failure in failures[:20]:
        print(f"FAILED: {failure}")
    errors = sum(len(errors) for errors in results.errors.values())
    return 1 if missed or failures or errors else 0


if __name__ == "__main__":
    sys.exit(main())
