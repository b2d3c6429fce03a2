"""The escalation ladder's cron: its cost must follow the levels due, not
the targets open."""

from odoo.fields import Command
from odoo.tools import SQL

from .bench_sla import _insert_targets, always_open_calendar

TARGET = 1.5


def _set_ladder(env, ticket_ids, level, due):
    """Give the targets of `ticket_ids` one pending level of `level`, due a
    minute ago when `due` (their deadline passed: breached), else in 29 days,
    in one statement."""
    env.cr.execute(
        SQL(
            """
        UPDATE service_ticket_sla
           SET ladder_due_date = now() at time zone 'UTC' + %(offset)s::interval,
               ladder_schedule = jsonb_build_array(jsonb_build_array(
                   %(level)s, to_char(now() at time zone 'UTC' + %(offset)s::interval, 'YYYY-MM-DD HH24:MI:SS'),
                   FALSE, 0)),
               status = %(status)s, escalated = %(due)s
         WHERE ticket_id = ANY(%(ids)s)
        """,
            offset="-1 minute" if due else "+29 days",
            level=level.id,
            status="breached" if due else "ongoing",
            due=due,
            ids=ticket_ids,
        )
    )
    env.cr.execute("ANALYZE service_ticket_sla")
    env.invalidate_all()


def bench_ladder_cron(bench):
    env, args = bench.env, bench.args
    with bench.rolled_back():
        calendar = always_open_calendar(env, "Bench ladder 24/7")
        team = env["service.team"].create({"name": "Bench ladder desk", "resource_calendar_id": calendar.id})
        policy = env["service.sla.policy"].create(
            {
                "name": "Bench ladder",
                "first_response_hours": 4,
                "escalation_ids": [
                    Command.create({"trigger": "after_breach", "value": 0, "user_id": env.ref("base.user_admin").id})
                ],
            }
        )
        level = policy.escalation_ids
        stage = env.ref("service_desk.stage_in_progress")
        Line = env["service.ticket.sla"]

        def run_with(open_count):
            with bench.rolled_back():
                if open_count:
                    open_ids = _insert_targets(env, team, policy, calendar, stage, open_count, False, "BENCH-LOPEN-")
                    _set_ladder(env, open_ids, level, False)
                due_ids = _insert_targets(env, team, policy, calendar, stage, args.due_lines, True, "BENCH-LDUE-")
                _set_ladder(env, due_ids, level, True)
                elapsed = bench.timed(lambda: (Line._cron_check_deadlines(), env.flush_all()))
                acted = Line.search_count([("ticket_id", "in", due_ids), ("ladder_due_date", "=", False)])
                if acted != args.due_lines:
                    raise AssertionError(f"{acted} of {args.due_lines} due levels acted")
                return elapsed

        run_with(0)  # warm-up
        only_due = run_with(0)
        with_open = run_with(args.open_lines)
    bench.record(
        "sla_ladder_cron",
        f"act on {args.due_lines} due escalation levels",
        f"among {args.open_lines} open",
        with_open,
        "alone",
        only_due,
        TARGET,
    )


BENCHMARKS = [("sla_ladder_cron", bench_ladder_cron)]
