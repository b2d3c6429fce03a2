"""Creating tickets with SLA policies and skill routing, against manual
assignment without policy, and against the OCA helpdesk with its SLA (our
yardstick: helpdesk_mgmt + helpdesk_mgmt_sla, whose wheels `make bench`
downloads)."""

import itertools

from odoo.fields import Command

from .bench_sla import always_open_calendar

TARGET = 1.3


def _setup_team(env, agents, policies):
    skill_type = env["hr.skill.type"].create(
        {
            "name": "Bench skills",
            "skill_ids": [Command.create({"name": f"Bench skill {i}"}) for i in range(3)],
            "skill_level_ids": [
                Command.create({"name": "Junior", "level_progress": 30}),
                Command.create({"name": "Senior", "level_progress": 90}),
            ],
        }
    )
    junior, senior = skill_type.skill_level_ids.sorted("level_progress")
    users = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create([{"name": f"Bench agent {i}", "login": f"bench_agent_{i}"} for i in range(agents)])
    )
    employees = env["hr.employee"].create([{"name": user.name, "user_id": user.id} for user in users])
    env["hr.employee.skill"].create(
        [
            {
                "employee_id": employee.id,
                "skill_type_id": skill_type.id,
                "skill_id": skill_type.skill_ids[i % 3].id,
                "skill_level_id": (senior if i % 2 else junior).id,
            }
            for i, employee in enumerate(employees)
        ]
    )
    calendar = always_open_calendar(env, "Bench always open")
    team = env["service.team"].create(
        {
            "name": "Bench routed desk",
            "assignment_method": "skills",
            "resource_calendar_id": calendar.id,
            "member_ids": [Command.create({"user_id": user.id, "max_open_tickets": 0}) for user in users],
        }
    )
    category = env["service.category"].create(
        {
            "name": "Bench category",
            "team_id": team.id,
            "skill_line_ids": [
                Command.create(
                    {
                        "skill_type_id": skill_type.id,
                        "skill_id": skill_type.skill_ids[1].id,
                        "skill_level_id": junior.id,
                    }
                )
            ],
        }
    )
    env["service.sla.policy"].create(
        [
            {
                "name": f"Bench policy {i}",
                "sequence": i,
                "first_response_hours": 4,
                "resolution_hours": 24,
                "partner_ids": [Command.create({"name": f"Bench other customer {i}"})],
            }
            for i in range(policies - 1)
        ]
        + [
            {
                "name": "Bench matching policy",
                "sequence": policies,
                "first_response_hours": 2,
                "resolution_hours": 16,
                "team_ids": [Command.link(team.id)],
            }
        ]
    )
    manual = env["service.team"].create(
        {"name": "Bench manual desk", "assignment_method": "manual", "resource_calendar_id": calendar.id}
    )
    return team, category, manual


def _create_one_by_one(env, model, count, values):
    """`count` records of `model`, the i-th from values(i), each written at
    once, as the request creating it does before it commits: pending
    computations flushed, then the hooks that run before COMMIT (mail's
    tracking and the messages of tracked templates, e.g. an acknowledgement)."""
    for i in range(count):
        env[model].create(values(i))
        env.flush_all()
        env.cr.flush()


def _check_routed(env, team):
    tickets = env["service.ticket"].search([("team_id", "=", team.id)])
    if not all(tickets.mapped("user_id")) or not all(tickets.mapped("sla_line_ids")):
        raise AssertionError("every routed ticket has an agent and SLA targets")


def bench_ticket_creation(bench):
    env, args = bench.env, bench.args
    with bench.rolled_back():
        env["service.sla.policy"].search([]).active = False
        team, category, manual = _setup_team(env, args.agents, args.policies)
        customer = env["res.partner"].create({"name": "Bench customer", "email": "bench@example.com"})
        bench.settle()

        def create(values, count):
            _create_one_by_one(
                env,
                "service.ticket",
                count,
                lambda i: dict(values, name=f"Bench ticket {i}", partner_id=customer.id),
            )

        # warm both paths before timing them
        create({"team_id": manual.id, "user_id": team.member_ids[:1].user_id.id}, 5)
        create({"team_id": team.id, "category_id": category.id}, 5)
        env.flush_all()
        agent = team.member_ids[:1].user_id
        with bench.rolled_back():
            # in turn, so that a busy machine slows both alike; the policies are
            # the routed team's and other customers': none applies to the manual desk
            (routed, routed_queries), (baseline, baseline_queries) = bench.interleaved(
                lambda count: create({"team_id": team.id, "category_id": category.id}, count),
                lambda count: create({"team_id": manual.id, "user_id": agent.id}, count),
                args.tickets,
            )
            _check_routed(env, team)
            if env["service.ticket"].search_count([("team_id", "=", manual.id), ("sla_policy_id", "!=", False)]):
                raise AssertionError("no policy applies to the tickets assigned by hand")
    bench.record(
        "ticket_creation",
        f"create {args.tickets} tickets",
        f"SLA ({args.policies} policies) + skills routing, {args.agents} agents",
        routed,
        "assigned by hand, no policy",
        baseline,
        TARGET,
        queries=(routed_queries, baseline_queries),
    )


OCA_TARGET = 1.0
OCA_MODULES = ("helpdesk_mgmt", "helpdesk_mgmt_sla")


def _setup_oca_team(env, users, calendar, policies):
    """OCA helpdesk_mgmt + helpdesk_mgmt_sla configured like our routed desk:
    the same agents, the same calendar, as many SLA policies, one of them
    matching (16 working hours), the others restricted to other customers."""
    closed = env["helpdesk.ticket.stage"].search([("closed", "=", True)], limit=1)
    team = env["helpdesk.ticket.team"].create(
        {
            "name": "Bench OCA desk",
            "use_sla": True,
            "resource_calendar_id": calendar.id,
            "user_ids": [Command.set(users.ids)],
        }
    )
    others = env["res.partner"].create([{"name": f"Bench OCA other customer {i}"} for i in range(policies - 1)])
    env["helpdesk.sla"].create(
        [
            {
                "name": f"Bench OCA policy {i}",
                "team_ids": [Command.link(team.id)],
                "hours": 4,
                "stage_id": closed.id,
                "domain": repr([("partner_id", "=", other.id)]),
            }
            for i, other in enumerate(others)
        ]
        + [
            {
                "name": "Bench OCA matching policy",
                "team_ids": [Command.link(team.id)],
                "hours": 16,
                "stage_id": closed.id,
            }
        ]
    )
    return team


def _setup_desk_agents(env, team, oca_team):
    """An agent of each desk who creates tickets as the form and the API do:
    a plain user of the desk's own access group, member of the team, record
    rules applying (ours: service_desk.group_service_user; theirs:
    helpdesk_mgmt.group_helpdesk_user_team, which sees its teams' tickets)."""
    Users = env["res.users"].with_context(no_reset_password=True)
    ours = Users.create(
        {
            "name": "Bench desk agent",
            "login": "bench_desk_agent",
            "group_ids": [Command.set([env.ref("service_desk.group_service_user").id])],
        }
    )
    # a member without skills: routing never picks them, they only create
    env["service.team.member"].create({"team_id": team.id, "user_id": ours.id, "max_open_tickets": 0})
    theirs = Users.create(
        {
            "name": "Bench OCA agent",
            "login": "bench_oca_agent",
            "group_ids": [Command.set([env.ref("helpdesk_mgmt.group_helpdesk_user_team").id])],
        }
    )
    oca_team.user_ids = [Command.link(theirs.id)]
    return ours, theirs


def bench_ticket_creation_vs_oca(bench):
    """Our ticket creation with SLA and skills routing against the OCA
    helpdesk (helpdesk_mgmt + helpdesk_mgmt_sla) creating the same tickets
    with its SLA, the agent chosen by hand (it has no routing): as superuser
    and as an agent of each desk, with one policy and with --policies."""
    env, args = bench.env, bench.args
    installed = env["ir.module.module"].search([("name", "in", OCA_MODULES), ("state", "=", "installed")])
    missing = sorted(set(OCA_MODULES) - set(installed.mapped("name")))
    if missing:
        raise RuntimeError(
            f"the OCA yardstick {', '.join(missing)} is not installed in the benchmark database: "
            "`make bench` downloads its wheels with pip, which failed (see the messages above)"
        )
    with bench.rolled_back():
        env["service.sla.policy"].search([]).active = False
        env["helpdesk.sla"].search([]).active = False
        team, category, _manual = _setup_team(env, args.agents, args.policies)
        users = team.member_ids.user_id
        oca_team = _setup_oca_team(env, users, team.resource_calendar_id, args.policies)
        our_agent, their_agent = _setup_desk_agents(env, team, oca_team)
        customer = env["res.partner"].create({"name": "Bench customer", "email": "bench@example.com"})
        bench.settle()

        def ticket(i):
            return {"name": f"Bench ticket {i}", "description": "<p>It does not start.</p>", "partner_id": customer.id}

        def create_ours(as_env, count):
            _create_one_by_one(
                as_env, "service.ticket", count, lambda i: dict(ticket(i), team_id=team.id, category_id=category.id)
            )

        handed_out = itertools.count()  # the agents by hand in turn, as routing spreads ours

        def create_theirs(as_env, count):
            _create_one_by_one(
                as_env,
                "helpdesk.ticket",
                count,
                lambda i: dict(ticket(i), team_id=oca_team.id, user_id=users[next(handed_out) % len(users)].id),
            )

        for policies in sorted({1, args.policies}):
            for who in ("superuser", "agent"):
                with bench.rolled_back():
                    if policies == 1:
                        # the matching policy alone, on both sides
                        env["service.sla.policy"].search([("name", "=like", "Bench policy %")]).active = False
                        env["helpdesk.sla"].search([("name", "=like", "Bench OCA policy %")]).active = False
                        env.flush_all()
                    ours_env = env(user=our_agent) if who == "agent" else env
                    theirs_env = env(user=their_agent) if who == "agent" else env
                    # warm both paths before timing them
                    create_theirs(theirs_env, 5)
                    create_ours(ours_env, 5)
                    with bench.rolled_back():
                        (ours, our_queries), (theirs, their_queries) = bench.interleaved(
                            lambda count: create_ours(ours_env, count),
                            lambda count: create_theirs(theirs_env, count),
                            args.tickets,
                        )
                        tickets = env["helpdesk.ticket"].search([("team_id", "=", oca_team.id)])
                        if not all(tickets.mapped("ticket_sla_ids")):
                            raise AssertionError("every OCA ticket has its SLA")
                        _check_routed(env, team)
                bench.record(
                    f"ticket_creation_vs_oca[{who},{policies} {'policy' if policies == 1 else 'policies'}]",
                    f"create {args.tickets} tickets as {'an agent' if who == 'agent' else 'superuser'}",
                    f"service_desk: SLA ({policies}) + skills routing, {args.agents} agents",
                    ours,
                    "OCA helpdesk_mgmt + helpdesk_mgmt_sla, agent by hand",
                    theirs,
                    OCA_TARGET,
                    queries=(our_queries, their_queries),
                )


BENCHMARKS = [
    ("ticket_creation", bench_ticket_creation),
    ("ticket_creation_vs_oca", bench_ticket_creation_vs_oca),
]
