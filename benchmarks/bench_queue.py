"""Queued routing: the tickets waiting in a team's queue overnight assigned
by the queue's cron when the shift starts, among many agents; 1 000 waiting
tickets against 100 (the cost must grow linearly or better, with constant
queries per ticket)."""

from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.fields import Command

TARGET = 12
# a Monday: the agents' shift starts at 8:00 (UTC)
SHIFT_START = datetime(2030, 1, 7, 8, 0)


def _setup_queue_team(env, agents):
    users = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create([{"name": f"Bench queue agent {i}", "login": f"bench_queue_agent_{i}"} for i in range(agents)])
    )
    calendar = env["resource.calendar"].create(
        {
            "name": "Bench day shift",
            "tz": "UTC",
            "attendance_ids": [
                Command.create({"name": str(day), "dayofweek": str(day), "hour_from": 8, "hour_to": 17})
                for day in range(5)
            ],
        }
    )
    calendar.leave_ids.unlink()
    env["hr.employee"].create(
        [{"name": user.name, "user_id": user.id, "resource_calendar_id": calendar.id} for user in users]
    )
    return env["service.team"].create(
        {
            "name": "Bench queue desk",
            "assignment_method": "balanced",
            "off_shift_routing": "queue",
            "resource_calendar_id": calendar.id,
            "member_ids": [Command.create({"user_id": user.id, "max_open_tickets": 10}) for user in users],
        }
    )


def _fill_queue(env, team, count):
    """`count` tickets waiting in `team`'s queue since the night before,
    of every priority and of chat and email."""
    night = SHIFT_START - timedelta(hours=9)
    with freeze_time(night):
        tickets = (
            env["service.ticket"]
            .with_context(mail_create_nolog=True, mail_notrack=True, tracking_disable=True)
            .create(
                [
                    {
                        "name": f"Bench waiting {i}",
                        "team_id": team.id,
                        "priority": str(i % 4),
                        "channel": "email" if i % 2 else "chat",
                        "routing_queued_date": night,
                    }
                    for i in range(count)
                ]
            )
        )
    return tickets


def bench_queue(bench):
    env, args = bench.env, bench.args
    small = max(1, args.tickets // 10)
    results = {}
    with bench.rolled_back():
        env["service.sla.policy"].search([]).active = False
        team = _setup_queue_team(env, args.agents)
        # the waiting tickets arrive while nobody works: routing leaves them in the queue
        team.assignment_method = "manual"
        for count in (small, args.tickets):
            with bench.rolled_back():
                tickets = _fill_queue(env, team, count)
                team.assignment_method = "balanced"
                bench.settle()

                def route():
                    with freeze_time(SHIFT_START):
                        env["service.ticket"]._cron_route_queue()
                        env.flush_all()

                results[count] = bench.timed_queries(route, count)
                if not all(tickets.mapped("user_id")) or any(tickets.mapped("routing_queued_date")):
                    raise AssertionError("every waiting ticket is assigned at the shift start")
    (large, large_queries), (base, base_queries) = results[args.tickets], results[small]
    bench.record(
        "queue_shift_start",
        f"assign the waiting tickets at a shift start, {args.agents} agents",
        f"{args.tickets} waiting",
        large,
        f"{small} waiting",
        base,
        TARGET,
        queries=(large_queries, base_queries),
    )


BENCHMARKS = [("queue_shift_start", bench_queue)]
