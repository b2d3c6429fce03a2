"""Faults injected by the load test (benchmarks/load.py) while its clients run:

- a worker of the prefork server is SIGKILLed while it is creating a ticket:
  its transaction has drawn a ticket number and written the ticket row,
  and has not committed (seen in pg_locks: it holds locks on the ticket
  number's sequence and on the ticket table). The master respawns it;
- PostgreSQL is restarted (`pg_ctl restart`), when the load test runs its
  own cluster (tools/load.sh makes one); every ticket a client was answered
  for before the restart must still be there after it.

Each fault is a window of time; a request that failed within it (broken
connection, 5xx, RPC error) is counted for that fault and sent again by the
client when the request is safe to repeat."""

import contextlib
import logging
import os
import pwd
import re
import shutil
import signal
import subprocess
import threading
import time

import psutil
import psycopg2
import requests

_logger = logging.getLogger("service_desk.load")

GRACE = 2.0  # seconds after a fault's end during which failures are still its own
POLL = 0.005  # seconds between two looks at the transactions in flight


class FaultWindows:
    """The faults of the run as time windows, and the requests each one cut."""

    def __init__(self):
        self.lock = threading.Lock()
        self.events = []

    def begin(self, label):
        with self.lock:
            self.events.append({"label": label, "start": time.monotonic(), "end": None, "hits": {}, "lost": {}})
            return self.events[-1]

    def end(self, event, **details):
        with self.lock:
            event["end"] = time.monotonic()
            event.update(details)

    def explaining(self, began, ended):
        """The fault during which a request sent at `began` that failed at `ended` was under way, if any."""
        with self.lock:
            for event in self.events:
                until = (event["end"] or float("inf")) + GRACE
                if began <= until and ended >= event["start"]:
                    return event
        return None

    def count(self, event, kind, retried):
        with self.lock:
            bucket = event["hits"] if retried else event["lost"]
            bucket[kind] = bucket.get(kind, 0) + 1


class Monitor:
    """A connection of its own to the database, to see the transactions in flight."""

    def __init__(self, database):
        from odoo.sql_db import connection_info_for

        _name, self.info = connection_info_for(database)
        self.info = dict(self.info, application_name="service_desk-load-faults")
        self.cnx = None

    def query(self, sql, params=()):
        for attempt in range(2):
            try:
                if self.cnx is None or self.cnx.closed:
                    self.cnx = psycopg2.connect(**self.info)
                    self.cnx.autocommit = True
                with self.cnx.cursor() as cr:
                    cr.execute(sql, params)
                    return cr.fetchall() if cr.description else []
            except psycopg2.OperationalError:
                self.close()  # PostgreSQL restarted: connect again once
                if attempt:
                    raise
        return []

    def close(self):
        if self.cnx is not None:
            with contextlib.suppress(psycopg2.Error):
                self.cnx.close()
            self.cnx = None

    def creating_tickets(self, sequences):
        """[(backend pid, client port, current statement)] of the transactions
        that have drawn a ticket number and written to the ticket table, not
        committed yet: tickets being created right now."""
        return self.query(
            """
            SELECT a.pid, a.client_port, left(regexp_replace(a.query, '\\s+', ' ', 'g'), 70)
              FROM pg_stat_activity a
             WHERE a.datname = current_database()
               AND a.pid != pg_backend_pid()
               AND a.xact_start IS NOT NULL
               AND EXISTS (SELECT 1 FROM pg_locks l
                            WHERE l.pid = a.pid AND l.locktype = 'relation' AND l.mode = 'RowExclusiveLock'
                              AND l.relation = 'service_ticket'::regclass)
               AND EXISTS (SELECT 1 FROM pg_locks l
                            WHERE l.pid = a.pid AND l.locktype = 'relation' AND l.mode = 'RowExclusiveLock'
                              AND l.relation = ANY(%s::regclass[]))
               AND a.query NOT ILIKE 'commit%%'
            """,
            (sequences,),
        )


def connection_owners(client_ports):
    """{PostgreSQL backend pid or client port: pid of the process at the client
    end}. Odoo's workers inherit the master's registry, whose connections are
    named after the master (application_name odoo-<pid>): the process is found
    from the connection itself, through the peer of its Unix socket (ss) or
    its TCP port."""
    owners = {}
    if any(port and port > 0 for port in client_ports):
        for conn in psutil.net_connections("tcp"):
            if conn.laddr and conn.laddr.port in client_ports and conn.pid:
                owners[conn.laddr.port] = conn.pid
    try:
        listing = subprocess.run(["ss", "-xpnH"], capture_output=True, text=True, check=False).stdout
    except FileNotFoundError:  # no iproute2: Unix socket connections stay unknown
        listing = ""
    by_inode, backends = {}, []
    for line in listing.splitlines():
        fields = line.split()
        if len(fields) < 9:
            continue
        pids = [int(pid) for pid in re.findall(r"pid=(\d+)", " ".join(fields[8:]))]
        by_inode[fields[5]] = pids
        if ".s.PGSQL." in fields[4]:
            backends.append((pids, fields[7]))
    for pids, peer in backends:
        for backend in pids:
            for client in by_inode.get(peer, []):
                owners[backend] = client
    return owners


class FaultInjector(threading.Thread):
    """Runs the planned faults as the clients progress: `plan` is a list of
    (fraction of the planned requests done, fault name)."""

    def __init__(self, servers, args, prepared, results, windows, plan, total):
        super().__init__(name="faults", daemon=True)
        self.servers, self.args, self.prepared = servers, args, prepared
        self.results, self.windows, self.plan, self.total = results, windows, plan, total
        self.monitor = Monitor(args.database)
        self.finished = threading.Event()  # the clients are done
        self.failures = []
        self.notes = []

    def run(self):
        try:
            for fraction, fault in self.plan:
                while self.results.done < fraction * self.total and not self.finished.is_set():
                    time.sleep(0.05)
                if self.finished.is_set():
                    self.notes.append(f"{fault}: not done, the clients finished first")
                    continue
                getattr(self, fault)()
        except Exception as exc:  # reported as a failed check, the run goes on
            self.failures.append(f"fault injection stopped: {type(exc).__name__}: {exc}")
        finally:
            self.monitor.close()

    # ------------------------------------------------------------------
    # Killing a worker in the middle of a ticket creation
    # ------------------------------------------------------------------

    def http_workers(self):
        """Pids of the HTTP workers of every node's prefork server: their
        children but the long-polling one and the cron one (that one only
        when setproctitle names the processes; the kill picks a worker by
        the connection that is creating a ticket anyway)."""
        workers = set()
        for server in self.servers:
            for child in psutil.Process(server.process.pid).children():
                with contextlib.suppress(psutil.Error):
                    # the long-polling process runs `<launcher> gevent ...`; a worker that names itself
                    # (setproctitle) shows "odoo: WorkerCron <pid> <db>"
                    cmdline = child.cmdline()
                    if "gevent" not in cmdline and not any("WorkerCron" in part for part in cmdline):
                        workers.add(child.pid)
        return workers

    def kill_worker(self):
        workers = self.http_workers()
        owners = {}
        deadline = time.monotonic() + 20
        target = None
        while target is None and time.monotonic() < deadline and not self.finished.is_set():
            for backend, port, statement in self.monitor.creating_tickets(self.prepared["sequences"]):
                key = port if port and port > 0 else backend
                if key not in owners:  # a connection not seen yet: the pool of a worker keeps its connections
                    owners = connection_owners([port])
                if owners.get(key) in workers:
                    target = (owners[key], backend, statement)
                    break
            else:
                time.sleep(POLL)
        if target is None:
            self.notes.append(
                "kill_worker: no ticket creation in flight within 20 s whose worker could be told (ss), none killed"
            )
            return
        pid, backend, statement = target
        event = self.windows.begin(f"worker {pid} SIGKILLed while creating a ticket")
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        # the transaction dies with its connection: PostgreSQL rolls it back
        gone = self.wait(lambda: not self.monitor.query("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (backend,)))
        # the kill races with the end of the transaction: PostgreSQL's log tells whether it cut it open
        cut = self.wait(lambda: self.open_transaction_cut(backend), timeout=5) if self.args.pg_data else None
        # as many workers as before the kill, the killed one replaced
        respawned = self.wait(lambda: pid not in (current := self.http_workers()) and len(current) >= len(workers))
        answering = self.wait(self.server_answers)
        self.windows.end(
            event,
            statement=statement,
            cut=cut,
            recovered_after=time.monotonic() - killed_at if respawned and answering else None,
        )
        if not (gone and respawned and answering):
            self.failures.append(
                f"after killing worker {pid}: transaction gone {gone}, worker respawned {respawned}, "
                f"server answering {answering}"
            )

    def open_transaction_cut(self, backend):
        """Whether PostgreSQL logged that this backend's client vanished in the middle of a transaction:
        while it waited for the next statement, or while it ran one (its answer then finds nobody)."""
        signs = ("unexpected EOF on client connection with an open transaction", "connection to client lost")
        with open(os.path.join(self.args.pg_data, "server.log"), encoding="utf-8", errors="replace") as log:
            return any(f"[{backend}]" in line and any(sign in line for sign in signs) for line in log)

    # ------------------------------------------------------------------
    # Restarting PostgreSQL
    # ------------------------------------------------------------------

    def restart_db(self):
        data = self.args.pg_data
        # stopped while tickets are being created, when some are within 20 s
        deadline = time.monotonic() + 20
        while not (in_flight := len(self.monitor.creating_tickets(self.prepared["sequences"]))):
            if time.monotonic() > deadline or self.finished.is_set():
                break
            time.sleep(POLL)
        answered = self.results.answered_snapshot()
        event = self.windows.begin(f"PostgreSQL restart (-m {self.args.db_restart_mode})")
        started = time.monotonic()
        command = [
            self.args.pg_ctl or pg_ctl_for(data),
            "restart",
            "-D",
            data,
            "-m",
            self.args.db_restart_mode,
            "-w",
            "-t",
            "60",
            "-l",
            os.path.join(data, "server.log"),
        ]
        owner = pwd.getpwuid(os.stat(data).st_uid).pw_name
        if os.geteuid() == 0 and owner != "root":
            command = ["runuser", "-u", owner, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=90, check=False)
        restarted = time.monotonic() - started
        if done.returncode:
            self.windows.end(event, restart_seconds=restarted, recovered_after=None)
            self.failures.append(f"pg_ctl restart failed ({done.returncode}): {done.stderr.strip()[:300]}")
            return
        answering = self.wait(self.server_answers, timeout=60)
        recovered = time.monotonic() - started
        self.monitor.close()
        missing = self.missing_after_restart(answered)
        self.windows.end(
            event,
            restart_seconds=restarted,
            recovered_after=recovered if answering else None,
            in_flight=in_flight,
            answered_before=len(answered),
            missing=missing,
        )
        if not answering:
            self.failures.append("the Odoo server does not answer 60 s after PostgreSQL restarted")
        for line in missing:
            self.failures.append(f"lost by the PostgreSQL restart: {line}")

    def missing_after_restart(self, answered):
        """The submissions answered before the restart that are not in the database after it."""
        numbers = [ref for kind, ref in answered if kind == "number"]
        queued = [ref for kind, ref in answered if kind == "queued"]
        ids = [ref for kind, ref in answered if kind == "id"]
        message_ids = [ref for kind, ref in answered if kind == "message_id"]
        found = {
            ("number", row[0])
            for row in self.monitor.query("SELECT number FROM service_ticket WHERE number = ANY(%s)", (numbers,))
        }
        found |= {
            ("id", row[0]) for row in self.monitor.query("SELECT id FROM service_ticket WHERE id = ANY(%s)", (ids,))
        }
        # an asynchronous submission answered 202: its request, queued or made into its ticket since
        found |= {
            ("queued", row[0])
            for row in self.monitor.query("SELECT number FROM service_api_request WHERE number = ANY(%s)", (queued,))
        }
        found |= {
            ("message_id", row[0])
            for row in self.monitor.query(
                "SELECT message_id FROM mail_message WHERE model = 'service.ticket' AND message_id = ANY(%s)",
                (message_ids,),
            )
        }
        return [f"{kind} {ref}" for kind, ref in answered if (kind, ref) not in found]

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def server_answers(self):
        """Whether every node answers a request that reads the database."""
        for server in self.servers:
            try:
                response = requests.get(
                    server.url + f"/service_desk/api/v1/tickets/{self.prepared['probe_number']}",
                    headers={"Authorization": f"Bearer {self.prepared['key']}"},
                    timeout=10,
                )
            except requests.RequestException:
                return False
            if response.status_code != 200:
                return False
        return True

    @staticmethod
    def wait(condition, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if condition():
                    return True
            except (psycopg2.Error, psutil.Error) as error:
                _logger.debug("not yet: %s", error)
            time.sleep(0.1)
        return False


def pg_ctl_for(data):
    """pg_ctl of the PostgreSQL version that made the cluster in `data`."""
    with open(os.path.join(data, "PG_VERSION"), encoding="ascii") as version:
        candidate = f"/usr/lib/postgresql/{version.read().strip()}/bin/pg_ctl"
    return candidate if os.path.exists(candidate) else (shutil.which("pg_ctl") or candidate)


def describe(event):
    """One line on a fault: what it was, what it cut, how long recovery took."""
    hits = sum(event["hits"].values())
    lost = sum(event["lost"].values())
    parts = [event["label"]]
    if event.get("statement"):
        parts.append(f"at `{event['statement']}`")
    if event.get("cut") is not None:
        parts.append(
            "its transaction cut open, rolled back by PostgreSQL"
            if event["cut"]
            else "its transaction had ended just before the kill"
        )
    if "restart_seconds" in event:
        parts.append(f"pg_ctl took {event['restart_seconds']:.1f} s")
    if event.get("in_flight") is not None:
        parts.append(f"{event['in_flight']} ticket creation(s) in flight")
    cut = ", ".join(f"{kind} {count}" for kind, count in sorted(event["hits"].items())) or "none"
    parts.append(f"requests failed and sent again: {hits} ({cut})")
    if lost:
        parts.append(
            f"failed, not repeatable: {lost} ({', '.join(f'{k} {c}' for k, c in sorted(event['lost'].items()))})"
        )
    if event.get("answered_before") is not None:
        parts.append(
            f"{event['answered_before']} submissions answered before it, "
            f"{event['answered_before'] - len(event.get('missing') or [])} found after it"
        )
    recovered = event.get("recovered_after")
    if recovered is None:
        parts.append("NOT RECOVERED")
    elif "restart_seconds" in event:
        parts.append(f"server answering again {recovered - event['restart_seconds']:.1f} s after PostgreSQL was back")
    else:
        parts.append(f"server answering again after {recovered:.1f} s")
    return "; ".join(parts)
