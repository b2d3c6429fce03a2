"""Benchmarks of service_desk, each printing two measurements taken side by
side in the same run, their ratio and the target.

Run through `make bench` (a throwaway database with the addon installed), or:

    python3 -m benchmarks.bench --database DB [odoo options...] [--agents 500] [--tickets 1000]

Every benchmark works inside a transaction that is rolled back: the
database is left as it was. Except the scale benchmark, which runs last: it
commits its million tickets, so that they are vacuumed as on a live database.
"""

import argparse
import logging
import sys
import time
from contextlib import contextmanager

_logger = logging.getLogger("service_desk.bench")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--agents", type=int, default=500, help="agents in the routed team (default 500)")
    parser.add_argument("--tickets", type=int, default=1000, help="tickets created per side (default 1000)")
    parser.add_argument("--policies", type=int, default=50, help="SLA policies to match against (default 50)")
    parser.add_argument(
        "--open-lines", type=int, default=100_000, help="open SLA targets in the deadline benchmark (default 100000)"
    )
    parser.add_argument("--due-lines", type=int, default=1000, help="due SLA targets (default 1000)")
    parser.add_argument(
        "--report-tickets", type=int, default=200_000, help="tickets in the analysis report benchmark (default 200000)"
    )
    parser.add_argument(
        "--remedies", type=int, default=20_000, help="remedies in the cost of service benchmark (default 20000)"
    )
    parser.add_argument(
        "--scale-small",
        type=int,
        default=10_000,
        help="tickets of the small fill of the scale benchmark (default 10000)",
    )
    parser.add_argument(
        "--scale-large",
        type=int,
        default=1_000_000,
        help="tickets of the large fill of the scale benchmark (default 1000000)",
    )
    parser.add_argument("--only", action="append", help="run only these benchmarks (by name)")
    args, odoo_args = parser.parse_known_args(argv)
    return args, [arg for arg in odoo_args if arg != "--"]


class Bench:
    """A comparison of two timed runs."""

    def __init__(self, env, args):
        self.env = env
        self.args = args
        self.rows = []

    @contextmanager
    def rolled_back(self):
        """Undo everything done inside, nested ones included: each level is
        Odoo's savepoint (its own name, released once rolled back, so that an
        outer level never rolls back to an inner one only), whose rollback
        also drops the hooks the undone work left for the commit, such as
        mail's tracking of tickets that no longer exist (the scale benchmark
        commits)."""
        self.env.flush_all()
        savepoint = self.env.cr.savepoint()
        try:
            yield
        finally:
            self.env.invalidate_all(flush=False)
            savepoint.close(rollback=True)
            # Odoo keeps the after-commit calls: those of the undone work go too
            self.env.cr.postcommit.clear()
            self.env.invalidate_all(flush=False)
            self.env.registry.clear_cache()

    def settle(self):
        """Write the fixtures and refresh the planner's statistics, as
        autovacuum does on a live database: what is timed then runs with the
        query plans it would have in production, not with the plans of the
        empty tables the benchmark database was installed with."""
        self.env.flush_all()
        self.env.cr.execute("ANALYZE")

    @staticmethod
    def timed(function):
        start = time.perf_counter()
        function()
        return time.perf_counter() - start

    def timed_queries(self, function, count):
        """(seconds, queries per unit): `function` timed, and the SQL
        queries it sent divided by the `count` units it made."""
        before = self.env.cr.sql_log_count
        seconds = self.timed(function)
        return seconds, (self.env.cr.sql_log_count - before) / count

    def interleaved(self, first, second, count, chunk=10):
        """((seconds, queries per unit) of `first`, same of `second`), each
        called with a number of units to make, `chunk` units at a time in
        turn until both made `count`: a machine busy with other work slows
        both sides alike instead of the one that ran at that moment."""
        totals = {first: [0.0, 0], second: [0.0, 0]}
        for start in range(0, count, chunk):
            size = min(chunk, count - start)
            for function in (first, second):
                before = self.env.cr.sql_log_count
                totals[function][0] += self.timed(lambda function=function, size=size: function(size))
                totals[function][1] += self.env.cr.sql_log_count - before
        return tuple((seconds, queries / count) for seconds, queries in (totals[first], totals[second]))

    def record(self, name, subject, first_label, first, second_label, second, target, queries=None):
        """A row of the table; `queries`, when given, is (A's, B's) queries
        per unit, printed in a column of their own."""
        ratio = first / second if second else float("inf")
        self.rows.append((name, subject, first_label, first, second_label, second, ratio, target, queries))
        _logger.info("%s: %.3fs vs %.3fs, ratio %.2f (target %s)", name, first, second, ratio, target)

    def print_table(self, out=sys.stdout):
        header = ("benchmark", "what is measured", "A", "A (s)", "B", "B (s)", "A/B", "target", "ok")
        with_queries = any(row[-1] for row in self.rows)
        if with_queries:
            header += ("queries/unit A vs B",)
        lines = [header]
        for name, subject, a_label, a, b_label, b, ratio, target, queries in self.rows:
            ok = "yes" if ratio <= target else "NO"
            line = (name, subject, a_label, f"{a:.3f}", b_label, f"{b:.3f}", f"{ratio:.2f}", f"<= {target}", ok)
            if with_queries:
                line += (f"{queries[0]:.1f} vs {queries[1]:.1f}" if queries else "",)
            lines.append(line)
        widths = [max(len(str(line[i])) for line in lines) for i in range(len(header))]
        for index, line in enumerate(lines):
            out.write(" | ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)) + "\n")
            if index == 0:
                out.write("-+-".join("-" * width for width in widths) + "\n")
        out.flush()
        return all(ratio <= target for *__, ratio, target, __ in self.rows)


def main(argv=None):
    args, odoo_args = parse_args(sys.argv[1:] if argv is None else argv)
    import odoo
    from odoo import api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["--database", args.database, "--log-level", "warn", *odoo_args])
    from . import (
        bench_knowledge,
        bench_ladder,
        bench_merge,
        bench_queue,
        bench_recall,
        bench_remedies,
        bench_report,
        bench_routing,
        bench_scale,
        bench_sla,
        bench_warranty,
    )

    registry = Registry(args.database)
    with registry.cursor() as cr:
        # the context of a real request: tracking, creation messages and acknowledgements included
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        bench = Bench(env, args)
        # bench_scale last: it commits its tickets
        modules = (
            bench_routing,
            bench_queue,
            bench_sla,
            bench_ladder,
            bench_warranty,
            bench_knowledge,
            bench_report,
            bench_remedies,
            bench_recall,
            bench_merge,
            bench_scale,
        )
        for module in modules:
            for name, function in module.BENCHMARKS:
                if not args.only or name in args.only:
                    function(bench)
        cr.rollback()
    all_ok = bench.print_table()
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
