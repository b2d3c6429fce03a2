"""Where a ticket's creation time goes: cProfile around tickets created as
the ticket_creation_vs_oca benchmark creates them (skills routing among
--agents agents, --policies SLA policies, one ticket written at a time up
to COMMIT), as an agent of the team (record rules on) or as superuser,
printing the time and queries per ticket and each step's share.

    python3 -m benchmarks.profile_creation --database DB [odoo options...] \
        [--agents 500] [--policies 50] [--tickets 20] [--superuser] [--stats FILE]

DB is a database with service_desk installed (`make bench KEEP_DB=1` keeps
one). Everything is rolled back."""

import argparse
import cProfile
import pstats
import sys
import time

# (label, functions whose cumulative time it is), the steps of service.ticket.create
STEPS = (
    ("record rules (access checks)", ("orm/models.py:_check_access",)),
    (
        "mail: creator, agent and customer follow (an agent given by hand: mail's assignment message)",
        ("mail/models/mail_thread.py:_message_auto_subscribe",),
    ),
    (
        "mail: the row saved with its creation message and followers (the line above included)",
        ("mail/models/mail_thread.py:create",),
    ),
    ("routing: decision (facts of every member, claim)", ("service_ticket_routing.py:_prepare_routing",)),
    (
        "routing: decision kept, its note (the first message) telling the agent (notification queued)",
        ("service_ticket_routing.py:_routing_record",),
    ),
    ("SLA: policy, contract, targets", ("service_ticket_sla_rules.py:_sla_apply_policies",)),
    ("first stage, number", ("service_ticket.py:_prepare_company_stage_number",)),
    ("acknowledgement queued", ("service_ticket.py:_prepare_create_values", "service_ticket.py:_queue_stage_email")),
)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--policies", type=int, default=50)
    parser.add_argument("--tickets", type=int, default=20)
    parser.add_argument("--superuser", action="store_true", help="create as superuser, not as an agent")
    parser.add_argument("--stats", help="also write cProfile's statistics to this file")
    args, odoo_args = parser.parse_known_args(argv)
    return args, [arg for arg in odoo_args if arg != "--"]


def step_shares(profile):
    """[(label, share of the profiled time)] of STEPS."""
    stats = pstats.Stats(profile)
    total = stats.total_tt  # pylint: disable=no-member  # set by pstats.Stats
    shares = []
    for label, functions in STEPS:
        spent = sum(
            cumulative
            for (filename, __, name), (__, __, __, cumulative, __) in stats.stats.items()  # pylint: disable=no-member
            if any(f"{filename}:{name}".endswith(function) for function in functions)
        )
        shares.append((label, spent / total if total else 0.0))
    return shares


def main(argv=None):
    args, odoo_args = parse_args(sys.argv[1:] if argv is None else argv)
    import odoo
    from odoo import api
    from odoo.fields import Command
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["--database", args.database, "--log-level", "warn", *odoo_args])
    from . import bench_routing

    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        env["service.sla.policy"].search([]).active = False
        team, category, __ = bench_routing._setup_team(env, args.agents, args.policies)
        agent = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Profiled desk agent",
                    "login": "profiled_desk_agent",
                    "group_ids": [Command.set([env.ref("service_desk.group_service_user").id])],
                }
            )
        )
        env["service.team.member"].create({"team_id": team.id, "user_id": agent.id, "max_open_tickets": 0})
        customer = env["res.partner"].create({"name": "Profiled customer", "email": "profiled@example.com"})
        env.flush_all()
        cr.execute("ANALYZE")
        as_env = env if args.superuser else env(user=agent)

        def create(count):
            bench_routing._create_one_by_one(
                as_env,
                "service.ticket",
                count,
                lambda i: {
                    "name": f"Profiled ticket {i}",
                    "description": "<p>It does not start.</p>",
                    "partner_id": customer.id,
                    "team_id": team.id,
                    "category_id": category.id,
                },
            )

        create(5)  # warm-up
        queries = cr.sql_log_count
        profile = cProfile.Profile()
        start = time.perf_counter()
        profile.runcall(create, args.tickets)
        seconds = time.perf_counter() - start
        queries = (cr.sql_log_count - queries) / args.tickets
        cr.rollback()
    who = "superuser" if args.superuser else "an agent"
    sys.stdout.write(
        f"{args.tickets} tickets as {who}, {args.agents} agents, {args.policies} policies: "
        f"{1000 * seconds / args.tickets:.1f} ms and {queries:.1f} queries per ticket (profiled)\n"
    )
    for label, share in step_shares(profile):
        sys.stdout.write(f"  {share:4.0%}  {label}\n")
    if args.stats:
        profile.dump_stats(args.stats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
