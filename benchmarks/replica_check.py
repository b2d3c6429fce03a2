"""Replica check of service_desk: reads on a PostgreSQL hot standby, writes on
the primary, and what happens when the standby lags or stops.

Run through `make replica-check` (tools/replica_check.sh: a throwaway
primary cluster with the addon and its demo data, a second cluster made its
streaming hot standby with pg_basebackup -R, both logging every statement,
all removed afterwards), or:

    python3 -m benchmarks.replica_check --database DB --primary DIR --primary-port P
        --standby DIR --standby-port S --pg-ctl PG_CTL [odoo options...]

1. Prepares the database on the primary (an API key for the demo agent, the
   ids the routes need) and waits for the standby to replay it.
2. Starts `odoo server --workers=2` on 127.0.0.1 with --db_replica_host and
   --db_replica_port pointing to the standby.
3. Drives the desk's read-only routes as the visitors who use them: the help
   center and its suggestions as an anonymous visitor, the portal as the demo
   customer, the reports, the 360° view and its buttons and the service
   review as a manager over JSON-RPC, the API status read with a bearer key;
   then what writes: the page scripts' view and suggestion logs, a portal
   submission right after a read.
4. For each step, counts from the servers' own statement logs
   (log_statement = all, a marker statement before and after each step)
   what Odoo ran on the primary and on the standby: reads, writes and the
   tables written. Read-only steps must read nothing on the primary (Odoo's
   own device log, written by Odoo in a transaction of its own, is shown
   apart); every write must be on the primary. The standby's and the
   primary's pg_stat_user_tables scans on the desk's tables around the
   read-only steps say the same from the statistics collector.
5. Faults: the standby's replay paused (a replica that lags) while a
   customer submits a ticket and reads on; then the standby stopped, and
   started again.

Exit status 1 when a check fails.
"""

# a command-line tool: what it prints is its report
# pylint: disable=print-used

import argparse
import contextlib
import logging
import re
import subprocess
import sys
import time
from datetime import timedelta

import psycopg2
import requests

from .load import HOST, Server

_logger = logging.getLogger("service_desk.replica_check")

APP_NAME = "replica-check"
MARK = "replica-check step"
# a log entry of PostgreSQL with log_line_prefix = '%m [%p] %a@%d '
ENTRY = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ \[\d+\] (?P<app>.*?)@(?P<db>\S*) (?P<level>[A-Z]+):  (?P<text>.*)$"
)
WRITE = re.compile(
    r"^\s*(INSERT\s+INTO|UPDATE|DELETE\s+FROM|MERGE\s+INTO|CREATE|ALTER|DROP|TRUNCATE)\s+(?:ONLY\s+)?\"?(\w+)", re.I
)
READ = re.compile(r"^\s*(SELECT|WITH)\b", re.I)
# written by Odoo itself in a transaction of its own, during any authenticated request (base/models/res_device.py)
ODOO_OWN_TABLES = {"res_device_log"}
STATS_FLUSH_SECONDS = 11  # PostgreSQL's backends report their statistics after 10 s idle at most
CATCH_UP_TIMEOUT = 60
DESK_TABLES = ("service_ticket", "service_article", "service_warranty", "service_contract", "res_partner")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--primary", required=True, help="data directory (and socket directory) of the primary")
    parser.add_argument("--primary-port", type=int, required=True)
    parser.add_argument("--standby", required=True, help="data directory (and socket directory) of the standby")
    parser.add_argument("--standby-port", type=int, required=True)
    parser.add_argument("--pg-ctl", required=True, help="pg_ctl of the clusters")
    parser.add_argument("--pg-user", default="postgres", help="system user owning the clusters (when run as root)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("odoo_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.odoo_args and args.odoo_args[0] == "--":
        args.odoo_args = args.odoo_args[1:]
    return args


# ----------------------------------------------------------------------
# The two PostgreSQL servers
# ----------------------------------------------------------------------


class Cluster:
    def __init__(self, name, directory, port, database):
        self.name = name
        self.directory = directory
        self.port = port
        self.database = database
        self.log_path = f"{directory}/server.log"

    def connect(self, database="postgres"):
        cnx = psycopg2.connect(
            host=self.directory, port=self.port, user="odoo", dbname=database, application_name=APP_NAME
        )
        cnx.autocommit = True
        return cnx

    def query(self, sql, params=(), database="postgres"):
        with contextlib.closing(self.connect(database)) as cnx, cnx.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall() if cr.description else None

    def mark(self, label):
        """A statement the log shows between two steps."""
        self.query("SELECT %s", [f"{MARK} {label}"])

    def log_size(self):
        with open(self.log_path, "rb") as log:
            log.seek(0, 2)
            return log.tell()

    def statements(self, start, end_label):
        """[(application, statement)] of the desk's database logged after
        byte ``start`` and before the mark ``end_label``."""
        with open(self.log_path, "rb") as log:
            log.seek(start)
            text = log.read().decode("utf-8", "replace")
        entries, current = [], None
        for line in text.splitlines():
            match = ENTRY.match(line)
            if match:
                current = [match["app"], match["db"], match["level"], match["text"]]
                entries.append(current)
            elif current is not None:
                current[3] += "\n" + line
        found = []
        for app, db, level, text in entries:
            if level != "LOG" or not text.startswith("statement: "):
                continue
            statement = text[len("statement: ") :]
            if app == APP_NAME:
                if f"{MARK} {end_label}" in statement:
                    return found
                continue
            if db == self.database:
                found.append((app, statement))
        raise SystemExit(f"the {self.name}'s log has no mark {end_label}: is log_statement = all?")

    def table_scans(self):
        rows = self.query(
            "SELECT relname, COALESCE(seq_scan, 0) + COALESCE(idx_scan, 0) FROM pg_stat_user_tables"
            " WHERE relname = ANY(%s)",
            [list(DESK_TABLES)],
            database=self.database,
        )
        return dict(rows)

    def database_stats(self):
        [(commits, returned)] = self.query(
            "SELECT xact_commit, tup_returned FROM pg_stat_database WHERE datname = %s", [self.database]
        )
        return commits, returned


class Counts:
    """What one step ran on one server."""

    def __init__(self, statements):
        self.reads = 0
        self.writes = 0
        self.own_writes = 0  # Odoo's device log
        self.tables = set()
        self.total = len(statements)
        for __, statement in statements:
            write = WRITE.match(statement)
            if write:
                table = write.group(2).lower()
                if table in ODOO_OWN_TABLES:
                    self.own_writes += 1
                else:
                    self.writes += 1
                    self.tables.add(table)
            elif READ.match(statement) or "nextval(" in statement:
                self.reads += 1

    def describe(self):
        text = f"{self.total:4d} statements, {self.reads:4d} reads, {self.writes:3d} writes"
        if self.tables:
            text += f" ({', '.join(sorted(self.tables))})"
        if self.own_writes:
            text += f", {self.own_writes} device log"
        return text


# ----------------------------------------------------------------------
# Preparing the database
# ----------------------------------------------------------------------


def prepare(database):
    """Ids and keys the visitors need, made on the primary through the ORM."""
    import odoo
    from odoo import api, fields
    from odoo.fields import Domain
    from odoo.modules.registry import Registry

    registry = Registry(database)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        agent = env["res.users"].search([("login", "=", "agent")], limit=1)
        portal = env["res.users"].search([("login", "=", "portal")], limit=1)
        admin = env.ref("base.user_admin")
        if not agent or not portal or not admin.has_group("service_desk.group_service_manager"):
            raise SystemExit("the database has no demo users 'agent', 'portal' and 'admin': install with demo data")
        key = (
            env["res.users.apikeys"]
            .with_user(agent)
            .sudo()
            ._generate(None, "replica check", fields.Datetime.now() + timedelta(hours=2))
        )
        Article = env["service.article"]
        article = Article.search(Article._portal_domain() & Domain("category_id", "!=", False), limit=1)
        customer = portal.partner_id.commercial_partner_id
        ticket = env["service.ticket"].with_user(portal).search([], limit=1)
        warranty = env["service.warranty"].search([("partner_id", "child_of", customer.id)], limit=1)
        contract = env["service.contract"].search([("partner_id", "child_of", customer.id)], limit=1)
        agent_ticket = env["service.ticket"].with_user(agent).search([], limit=1)
        word = next((word for word in re.findall(r"[A-Za-z]{5,}", article.name)), "printer")
        values = {
            "key": key,
            "article": article.id,
            "category": article.category_id.id,
            "word": word.lower(),
            "ticket": ticket.id,
            "warranty": warranty.id,
            "contract": contract.id,
            "customer": customer.id,
            "number": agent_ticket.number,
        }
        # the demo customer has warranties; a contract page is read when it has one
        missing = [name for name, value in values.items() if not value and name != "contract"]
        if missing:
            raise SystemExit(f"the demo data lacks what the check reads: {', '.join(missing)}")
        return values


def wait_caught_up(primary, standby, timeout=CATCH_UP_TIMEOUT):
    """Seconds the standby took to replay everything the primary wrote so far."""
    [(target,)] = primary.query("SELECT pg_current_wal_lsn()")
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        [(caught_up,)] = standby.query("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
        if caught_up:
            return time.monotonic() - start
        time.sleep(0.1)
    raise SystemExit(f"the standby did not replay the primary's WAL within {timeout} s")


# ----------------------------------------------------------------------
# The visitors
# ----------------------------------------------------------------------


class Visitor:
    def __init__(self, server, database):
        self.server = server
        self.database = database
        self.http = requests.Session()
        self.answers = []  # (method path, status)

    def get(self, path, **kwargs):
        response = self.http.get(self.server.url + path, timeout=60, allow_redirects=False, **kwargs)
        self.answers.append((f"GET {path}", response.status_code))
        return response

    def post(self, path, **kwargs):
        response = self.http.post(self.server.url + path, timeout=60, allow_redirects=False, **kwargs)
        self.answers.append((f"POST {path}", response.status_code))
        return response

    def rpc(self, path, params):
        response = self.post(path, json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params})
        body = response.json()
        if "error" in body:
            self.answers[-1] = (self.answers[-1][0], "error")
            return None
        return body["result"]

    def call(self, model, method, args, kwargs=None, button=False):
        route = "call_button" if button else "call_kw"
        return self.rpc(
            f"/web/dataset/{route}/{model}/{method}",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    @staticmethod
    def csrf_token(page):
        return page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]

    def login(self, login, password):
        page = self.get("/web/login")
        response = self.post(
            "/web/login",
            data={"login": login, "password": password, "csrf_token": self.csrf_token(page), "redirect": "/my"},
        )
        if response.status_code not in (302, 303):
            raise SystemExit(f"{login} could not log in: {response.status_code}")

    def failed(self, allowed=(200,)):
        return [(what, status) for what, status in self.answers if status not in allowed]


# ----------------------------------------------------------------------
# Steps
# ----------------------------------------------------------------------


class Check:
    def __init__(self, primary, standby, server):
        self.primary = primary
        self.standby = standby
        self.server = server
        self.failures = []
        self.rows = []
        self.step_no = 0

    def fail_unless(self, condition, sentence):
        if not condition:
            self.failures.append(sentence)
            print(f"   FAIL {sentence}")
        return condition

    @contextlib.contextmanager
    def step(self, name, kind):
        """Run a step between two marks and count what each server ran."""
        self.step_no += 1
        label = f"{self.step_no}-end"
        starts = {cluster: cluster.log_size() for cluster in self.live()}
        outcome = {}
        print(f"\n-- {self.step_no}. {name}")
        yield outcome
        counts = {}
        for cluster, start in starts.items():
            cluster.mark(label)
            counts[cluster.name] = Counts(cluster.statements(start, label))
        for cluster_name, count in counts.items():
            print(f"   {cluster_name:8s} {count.describe()}")
        primary, standby = counts.get("primary"), counts.get("standby")
        if kind == "read":
            self.fail_unless(primary.reads == 0, f"{name}: {primary.reads} reads on the primary")
            self.fail_unless(primary.writes == 0, f"{name}: writes on the primary: {sorted(primary.tables)}")
            self.fail_unless(standby and standby.reads > 0, f"{name}: nothing read on the standby")
        elif kind == "write":
            self.fail_unless(primary.writes > 0, f"{name}: nothing written on the primary")
        elif kind == "fallback":
            self.fail_unless(primary.reads > 0, f"{name}: nothing read on the primary")
        if standby is not None:
            self.fail_unless(standby.writes == 0, f"{name}: writes on the standby")
        self.rows.append((name, counts))

    def server_log(self):
        with open(self.server.log_path, encoding="utf-8") as log:
            return log.read()

    def live(self):
        return [self.primary] + ([self.standby] if self.standby_running() else [])

    def standby_running(self):
        try:
            self.standby.query("SELECT 1")
        except psycopg2.OperationalError:
            return False
        return True


def help_center_reads(check, visitor, ids):
    with check.step("help center, anonymous visitor", "read"):
        visitor.get("/help")
        page = visitor.get(f"/help?search={ids['word']}")
        visitor.get(f"/help/category/{ids['category']}")
        visitor.get(f"/help/article/{ids['article']}")
        answer = visitor.rpc("/help/suggest", {"query": ids["word"]})
        check.fail_unless(visitor.failed() == [], f"help center answers: {visitor.failed()}")
        check.fail_unless(f"/help/article/{ids['article']}" in page.text, "the help center found the article")
        check.fail_unless(answer and answer["articles"], "/help/suggest suggested the article")
    return answer


def help_center_writes(check, visitor, ids, answer):
    with check.step("help center, the pages' scripts log the visit and the suggestions", "write"):
        opened = visitor.rpc(f"/help/article/{ids['article']}/opened", {})
        shown = visitor.rpc("/help/suggest/shown", {"receipt": answer["receipt"]})
        check.fail_unless(opened and shown, f"the visit and the suggestions are logged ({opened}, {shown})")


PORTAL_PAGES = (
    "/my/service/tickets",
    "/my/service/tickets?filterby=open&groupby=stage",
    "/my/service/tickets/{ticket}",
    "/my/service/tickets/new",
    "/my/service/preferences",
    "/my/service/remedy",
    "/my/service/warranties",
    "/my/service/warranties/{warranty}",
    "/my/service/contracts",
    "/my/service/contracts/{contract}",
    "/my/service/export",
)


def portal_reads(check, customer, ids):
    with check.step("customer portal, logged-in customer", "read"):
        customer.answers.clear()
        for path in PORTAL_PAGES:
            if "{contract}" not in path or ids["contract"]:
                customer.get(path.format(**ids))
        counters = customer.rpc("/my/counters", {"counters": ["service_ticket_count", "service_warranty_count"]})
        check.fail_unless(customer.failed() == [], f"portal answers: {customer.failed()}")
        check.fail_unless(counters and counters.get("service_ticket_count"), "/my/counters counts the tickets")


def portal_submission(check, customer, subject):
    """A customer reads the form, submits it, reads the page it leads to.
    Returns the new ticket's id and number (from the primary)."""
    customer.answers.clear()
    form = customer.get("/my/service/tickets/new")
    response = customer.post(
        "/my/service/tickets/new",
        data={
            "name": subject,
            "description": "Submitted right after reading the form, to check it lands on the primary.",
            "ticket_type": "question",
            "csrf_token": customer.csrf_token(form),
        },
    )
    check.fail_unless(response.status_code == 303, f"the submission answered {response.status_code}")
    location = response.headers.get("Location", "")
    page = customer.get(location.replace(check.server.url, ""))
    check.fail_unless(subject in page.text, "the page after the submission shows the new ticket")
    rows = check.primary.query(
        "SELECT id, number FROM service_ticket WHERE name = %s", [subject], database=check.primary.database
    )
    check.fail_unless(len(rows) == 1, f"the primary has the ticket once ({len(rows)})")
    return rows[0] if rows else (None, None)


def back_office_reads(check, manager, ids):
    with check.step("back office, manager over JSON-RPC: reports, 360° view, review", "read"):
        manager.answers.clear()
        for model in ("service.ticket.report", "service.customer.report", "service.rating.report"):
            manager.call(model, "web_search_read", [[]], {"specification": {"id": {}}, "limit": 80})
            manager.call(model, "formatted_read_group", [[]], {"groupby": [], "aggregates": ["__count"]})
        spec = {
            name: {}
            for name in (
                "service_active_contract_count",
                "service_warranty_active_count",
                "service_csat_avg",
                "service_sales_12m",
                "service_risk_score",
                "service_return_count",
                "service_repair_count",
            )
        }
        values = manager.call("res.partner", "web_read", [[ids["customer"]]], {"specification": spec})
        for method in ("action_open_service_tickets", "action_open_service_contracts", "action_open_service_trend"):
            manager.call("res.partner", method, [[ids["customer"]]], button=True)
        review = manager.get(f"/report/html/service_desk.report_service_review/{ids['customer']}")
        check.fail_unless(manager.failed() == [], f"back office answers: {manager.failed()}")
        check.fail_unless(values and "service_risk_score" in values[0], "the 360° view was read")
        check.fail_unless("Service review" in review.text, "the service review was rendered")


def api_reads(check, api, ids):
    with check.step("API status read, bearer key", "read"):
        api.answers.clear()
        for __ in range(3):
            response = api.get(
                f"/service_desk/api/v1/tickets/{ids['number']}", headers={"Authorization": f"Bearer {ids['key']}"}
            )
        check.fail_unless(api.failed() == [], f"API answers: {api.failed()}")
        check.fail_unless(response.json().get("number") == ids["number"], "the API read the ticket")


def stats_around(check, run):
    """Scans of the desk's tables on each server while ``run`` runs, from
    pg_stat_user_tables, after the servers reported their statistics."""
    time.sleep(STATS_FLUSH_SECONDS)
    before = {cluster.name: cluster.table_scans() for cluster in (check.primary, check.standby)}
    commits = {cluster.name: cluster.database_stats() for cluster in (check.primary, check.standby)}
    run()
    time.sleep(STATS_FLUSH_SECONDS)
    print("\n-- statistics of the read-only steps (pg_stat_user_tables scans, pg_stat_database)")
    deltas = {}
    for cluster in (check.primary, check.standby):
        after = cluster.table_scans()
        deltas[cluster.name] = {table: after.get(table, 0) - before[cluster.name].get(table, 0) for table in after}
        xacts, returned = cluster.database_stats()
        scans = ", ".join(f"{table} +{delta}" for table, delta in sorted(deltas[cluster.name].items()))
        xacts -= commits[cluster.name][0]
        returned -= commits[cluster.name][1]
        print(f"   {cluster.name:8s} scans {scans}; transactions +{xacts}, rows returned +{returned}")
    check.fail_unless(
        not any(deltas["primary"].values()), f"the primary scanned desk tables during the reads: {deltas['primary']}"
    )
    check.fail_unless(
        deltas["standby"].get("service_ticket") and deltas["standby"].get("service_article"),
        "the standby scanned service_ticket and service_article",
    )


def replica_lagging(check, customer, visitor, api, ids):
    """Replay paused on the standby: the reads answer, from what the standby
    has; the customer's own write lands and the page after it shows it."""
    check.standby.query("SELECT pg_wal_replay_pause()")
    print("\n== the standby's replay paused (a replica that lags)")
    try:
        with check.step("portal submission while the standby lags", "write") as __:
            ticket_id, number = portal_submission(check, customer, "Replica check: submitted while the replica lags")
        with check.step("reads while the standby lags", "read"):
            customer.answers.clear()
            listing = customer.get("/my/service/tickets")
            visitor.answers.clear()
            visitor.get("/help")
            status = api.get(
                f"/service_desk/api/v1/tickets/{number}", headers={"Authorization": f"Bearer {ids['key']}"}
            )
            check.fail_unless(customer.failed() == [] and visitor.failed() == [], "read-only pages answer")
            stale = f"/my/service/tickets/{ticket_id}" not in listing.text
            print(f"   the customer's list {'does not show the new ticket yet' if stale else 'shows the new ticket'}")
            print(f"   the API status read of the new ticket answers {status.status_code}")
    finally:
        check.standby.query("SELECT pg_wal_replay_resume()")
    seconds = wait_caught_up(check.primary, check.standby)
    print(f"   replay resumed: caught up in {seconds:.1f} s")
    with check.step("reads once the standby caught up", "read"):
        customer.answers.clear()
        listing = customer.get("/my/service/tickets")
        check.fail_unless(f"/my/service/tickets/{ticket_id}" in listing.text, "the list shows the new ticket")
    rows = check.standby.query(
        "SELECT count(*) FROM service_ticket WHERE id = %s", [ticket_id], database=check.standby.database
    )
    check.fail_unless(rows == [(1,)], "the standby has the new ticket")


def replica_stopped(check, args, customer, visitor):
    """The standby stopped: Odoo falls back to the primary for the reads."""
    run_as_owner(args, [args.pg_ctl, "-D", args.standby, "-m", "fast", "-w", "stop"])
    print("\n== the standby stopped")
    with check.step("reads and a submission with the standby stopped", "fallback"):
        customer.answers.clear()
        visitor.answers.clear()
        for __ in range(2 * args.workers):
            customer.get("/my/service/tickets")
            visitor.get("/help")
        check.fail_unless(
            customer.failed() == [] and visitor.failed() == [],
            f"read-only pages answer: {customer.failed() + visitor.failed()}",
        )
        portal_submission(check, customer, "Replica check: submitted while the replica is down")
    fallbacks = check.server_log().count("Failed to open a readonly cursor")
    print(f"   Odoo's log: {fallbacks} 'Failed to open a readonly cursor, falling back to read-write cursor'")
    check.fail_unless(fallbacks >= 1, "Odoo says it falls back to the primary")
    run_as_owner(args, [args.pg_ctl, "-D", args.standby, "-l", f"{args.standby}/server.log", "-w", "start"])
    wait_caught_up(check.primary, check.standby)
    print("\n== the standby started again and caught up")
    with check.step("reads after the standby came back (Odoo retries it 20 minutes after a failure)", "any"):
        customer.answers.clear()
        customer.get("/my/service/tickets")
        check.fail_unless(customer.failed() == [], "read-only pages answer")


def run_as_owner(args, command):
    import os

    if os.geteuid() == 0:
        command = ["runuser", "-u", args.pg_user, "--", *command]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from odoo.tools import config

    config.parse_config([*args.odoo_args, f"--http-interface={HOST}", "--log-level=warn"])
    primary = Cluster("primary", args.primary, args.primary_port, args.database)
    standby = Cluster("standby", args.standby, args.standby_port, args.database)
    ids = prepare(args.database)
    wait_caught_up(primary, standby)
    [(in_recovery,)] = standby.query("SELECT pg_is_in_recovery()")
    if not in_recovery:
        raise SystemExit("the standby is not in recovery: it is no replica")
    print(
        f"replica check: database {args.database}, primary {args.primary}:{args.primary_port}, "
        f"standby {args.standby}:{args.standby_port} (streaming hot standby), Odoo with {args.workers} workers"
    )

    server = Server(
        args.database,
        args.workers,
        [*args.odoo_args, f"--db_replica_host={args.standby}", f"--db_replica_port={args.standby_port}"],
    )
    check = Check(primary, standby, server)
    try:
        server.wait_ready()
        visitor = Visitor(server, args.database)
        customer = Visitor(server, args.database)
        manager = Visitor(server, args.database)
        api = Visitor(server, args.database)
        with check.step("logins (read/write routes)", "write"):
            customer.login("portal", "portal")
            manager.rpc("/web/session/authenticate", {"db": args.database, "login": "admin", "password": "admin"})
            visitor.get("/help")  # the visitor's session

        answers = {}

        def read_steps():
            answers["suggest"] = help_center_reads(check, visitor, ids)
            portal_reads(check, customer, ids)
            back_office_reads(check, manager, ids)
            api_reads(check, api, ids)

        stats_around(check, read_steps)
        help_center_writes(check, visitor, ids, answers["suggest"])
        with check.step("portal submission right after a read", "write"):
            ticket_id, __ = portal_submission(check, customer, "Replica check: submitted right after a read")
        seconds = wait_caught_up(primary, standby)
        with check.step("the customer's list, from the standby", "read"):
            customer.answers.clear()
            listing = customer.get("/my/service/tickets")
            check.fail_unless(f"/my/service/tickets/{ticket_id}" in listing.text, "the list shows the new ticket")
        print(f"   the standby replayed the submission within {seconds:.1f} s")

        replica_lagging(check, customer, visitor, api, ids)
        replica_stopped(check, args, customer, visitor)
        retried = check.server_log().count("retrying with a read/write cursor")
        print(f"\nOdoo's log: {retried} read-only request(s) that wrote and were retried on the primary")
        check.fail_unless(retried == 0, "no read-only request wrote")
    finally:
        server.stop()

    if check.failures:
        print(f"\nreplica check FAILED: {len(check.failures)} check(s)")
        for failure in check.failures:
            print(f" - {failure}")
        return 1
    print("\nreplica check passed: reads on the standby, every write on the primary, faults answered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
