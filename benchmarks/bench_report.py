"""The ticket analysis over many tickets (DESIGN.md section 9: under 1 s per
pivot): the main pivots of service.ticket.report against a plain count
grouped the same way on the tickets' own table."""

import statistics

from odoo.tools import SQL

BUDGET = 1.0  # seconds per pivot
RATIO_TARGET = 5.0  # a pivot of the analysis at most 5x a plain count grouped the same way
TEAMS, AGENTS, MONTHS = 8, 40, 24


def _insert_tickets(env, teams, users, stages, count):
    """Insert `count` tickets spread over two years, teams, agents and stages,
    with a first-response and a resolution target each, in plain SQL."""
    env.flush_all()
    company = env.company.id
    env.cr.execute(
        SQL(
            """
        INSERT INTO service_ticket (name, number, company_id, team_id, user_id, stage_id, priority, ticket_type,
                                    channel, active, is_closed, is_resolved, escalation_level, reopen_count,
                                    sla_status, first_response_date, first_response_hours, resolved_date,
                                    resolution_hours, create_date, write_date, create_uid, write_uid)
        SELECT 'Bench ticket ' || g, 'BENCH-REPORT-' || g, %(company)s,
               (%(teams)s::int[])[1 + g %% %(team_count)s], (%(users)s::int[])[1 + g %% %(user_count)s],
               (%(stages)s::int[])[1 + g %% %(stage_count)s], '0', 'question', 'web', TRUE, FALSE, g %% 3 = 0,
               0, CASE WHEN g %% 17 = 0 THEN 1 ELSE 0 END, 'met',
               created + interval '1 hour' * (g %% 9), (g %% 9)::float,
               CASE WHEN g %% 3 = 0 THEN created + interval '1 hour' * (g %% 40) END,
               CASE WHEN g %% 3 = 0 THEN (g %% 40)::float END,
               created, created, 1, 1
          FROM generate_series(1, %(count)s) g,
               LATERAL (SELECT now() at time zone 'UTC' - interval '1 minute' * ((g * 7919) %% %(minutes)s)) t(created)
        """,
            company=company,
            teams=teams.ids,
            team_count=len(teams),
            users=users.ids,
            user_count=len(users),
            stages=stages.ids,
            stage_count=len(stages),
            count=count,
            minutes=MONTHS * 30 * 24 * 60,
        )
    )
    return company


def _insert_targets(env, policy, calendar):
    env.cr.execute(
        SQL(
            """
        INSERT INTO service_ticket_sla (ticket_id, policy_id, target_type, company_id, team_id, calendar_id,
                                        target_hours, warning_percent, start_date, deadline, reached_date, status,
                                        paused_hours, warned, escalated, met_count, breached_count,
                                        create_date, write_date, create_uid, write_uid)
        SELECT ticket.id, %(policy)s, target.kind, ticket.company_id, ticket.team_id, %(calendar)s, 4, 80,
               ticket.create_date, ticket.create_date + interval '4 hours', ticket.first_response_date,
               CASE WHEN ticket.first_response_hours > 4 THEN 'breached' ELSE 'met' END,
               0, FALSE, FALSE, 0, 0, ticket.create_date, ticket.create_date, 1, 1
          FROM service_ticket ticket, (VALUES ('first_response'), ('resolution')) AS target(kind)
         WHERE ticket.number LIKE 'BENCH-REPORT-%%'
        """,
            policy=policy.id,
            calendar=calendar.id,
        )
    )
    env.cr.execute("ANALYZE service_ticket")
    env.cr.execute("ANALYZE service_ticket_sla")
    env.invalidate_all()


def _timed(bench, function, runs=3):
    function()  # warm-up: plans and caches
    return statistics.median(bench.timed(function) for __ in range(runs))


def bench_report_pivots(bench):
    env, args = bench.env, bench.args
    count = args.report_tickets
    with bench.rolled_back():
        users = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create([{"name": f"Bench Analyst {index}", "login": f"bench_analyst_{index}"} for index in range(AGENTS)])
        )
        teams = env["service.team"].create([{"name": f"Bench team {index}"} for index in range(TEAMS)])
        stages = env["service.stage"].search([])
        calendar = env.company.resource_calendar_id
        policy = env["service.sla.policy"].create({"name": "Bench report", "first_response_hours": 4})
        _insert_tickets(env, teams, users, stages, count)
        _insert_targets(env, policy, calendar)
        Report = env["service.ticket.report"]
        Ticket = env["service.ticket"].with_context(active_test=False)
        by_team_month = ["team_id", "create_date:month"]

        compliance = _timed(bench, lambda: Report._read_group([], by_team_month, ["sla_compliance:avg"]))
        count_team_month = _timed(bench, lambda: Ticket._read_group([], by_team_month, ["__count"]))
        median = _timed(bench, lambda: Report._read_group([], ["user_id"], ["first_response_hours_median:median"]))
        count_agent = _timed(bench, lambda: Ticket._read_group([], ["user_id"], ["__count"]))
    for name, subject, pivot, plain in (
        ("report_sla_team_month", "SLA compliance by team x month", compliance, count_team_month),
        ("report_median_agent", "median first response by agent", median, count_agent),
    ):
        bench.record(
            name,
            f"{subject}, {count} tickets (vs count on service_ticket)",
            "report pivot",
            pivot,
            "plain count",
            plain,
            RATIO_TARGET,
        )
        bench.record(
            f"{name}_budget",
            f"{subject}, {count} tickets",
            "report pivot",
            pivot,
            "budget",
            BUDGET,
            1.0,
        )


BENCHMARKS = [("report_pivots", bench_report_pivots)]
