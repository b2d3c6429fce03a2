"""The SLA deadline watch: its cost must follow the due targets, not the
open ones."""

from odoo.fields import Command
from odoo.tools import SQL

TARGET = 1.5


def always_open_calendar(env, name):
    """A calendar working every hour of every day (UTC): the benchmarks'
    clocks run without nights nor weekends in the way."""
    return env["resource.calendar"].create(
        {
            "name": name,
            "tz": "UTC",
            "attendance_ids": [
                Command.create({"name": str(day), "dayofweek": str(day), "hour_from": 0, "hour_to": 24})
                for day in range(7)
            ],
        }
    )


def _insert_targets(env, team, policy, calendar, stage, count, due, prefix):
    """Insert `count` open tickets with one first-response target each,
    past their deadline when `due`, in two statements."""
    env.flush_all()
    env.cr.execute(
        SQL(
            """
        INSERT INTO service_ticket (name, number, company_id, team_id, stage_id, priority, ticket_type, channel,
                                    active, is_closed, is_resolved, escalation_level, reopen_count, sla_status,
                                    create_date, write_date, create_uid, write_uid)
        SELECT %(prefix)s || g, %(prefix)s || g, %(company)s, %(team)s, %(stage)s, '0', 'question', 'web',
               TRUE, FALSE, FALSE, 0, 0, 'ongoing', now() at time zone 'UTC', now() at time zone 'UTC', 1, 1
          FROM generate_series(1, %(count)s) g
        RETURNING id
        """,
            prefix=prefix,
            company=team.company_id.id,
            team=team.id,
            stage=stage.id,
            count=count,
        )
    )
    ticket_ids = [row[0] for row in env.cr.fetchall()]
    offset = "-1 hour" if due else "+30 days"
    env.cr.execute(
        SQL(
            """
        INSERT INTO service_ticket_sla (ticket_id, policy_id, target_type, company_id, team_id, calendar_id,
                                        target_hours, warning_percent, start_date, deadline, warning_date, status,
                                        paused_hours, warned, escalated, met_count, breached_count,
                                        create_date, write_date, create_uid, write_uid)
        SELECT t, %(policy)s, 'first_response', %(company)s, %(team)s, %(calendar)s, 4, 80,
               now() at time zone 'UTC' - interval '1 day',
               now() at time zone 'UTC' + %(offset)s::interval,
               now() at time zone 'UTC' + %(offset)s::interval,
               'ongoing', 0, FALSE, FALSE, 0, 0,
               now() at time zone 'UTC', now() at time zone 'UTC', 1, 1
          FROM unnest(%(ids)s) t
        """,
            policy=policy.id,
            company=team.company_id.id,
            team=team.id,
            calendar=calendar.id,
            offset=offset,
            ids=ticket_ids,
        )
    )
    env.cr.execute("ANALYZE service_ticket_sla")
    env.invalidate_all()
    return ticket_ids


def bench_deadline_cron(bench):
    env, args = bench.env, bench.args
    with bench.rolled_back():
        calendar = always_open_calendar(env, "Bench 24/7")
        team = env["service.team"].create({"name": "Bench SLA desk", "resource_calendar_id": calendar.id})
        policy = env["service.sla.policy"].create(
            {
                "name": "Bench SLA",
                "first_response_hours": 4,
                "resolution_hours": 24,
            }
        )
        stage = env.ref("service_desk.stage_in_progress")
        Line = env["service.ticket.sla"]

        def run_with(open_count):
            with bench.rolled_back():
                if open_count:
                    _insert_targets(env, team, policy, calendar, stage, open_count, False, "BENCH-OPEN-")
                due_ids = _insert_targets(env, team, policy, calendar, stage, args.due_lines, True, "BENCH-DUE-")
                elapsed = bench.timed(lambda: (Line._cron_check_deadlines(), env.flush_all()))
                escalated = Line.search_count([("ticket_id", "in", due_ids), ("escalated", "=", True)])
                if escalated != args.due_lines:
                    raise AssertionError(f"{escalated} of {args.due_lines} due targets escalated")
                return elapsed

        run_with(0)  # warm-up
        only_due = run_with(0)
        with_open = run_with(args.open_lines)
    bench.record(
        "sla_deadline_cron",
        f"escalate {args.due_lines} due SLA targets",
        f"among {args.open_lines} open",
        with_open,
        "alone",
        only_due,
        TARGET,
    )


BENCHMARKS = [("sla_deadline_cron", bench_deadline_cron)]
