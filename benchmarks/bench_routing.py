"""Creating tickets with SLA policies and skill routing, against manual
assignment without policy, and against the OCA helpdesk with its SLA (our
yardstick: helpdesk_mgmt + helpdesk_mgmt_sla, whose wheels `make bench`
downloads)."""

from odoo.fields import Command

TARGET = 1.5


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
    calendar = env["resource.calendar"].create(
        {
            "name": "Bench always open",
            "tz": "UTC",
            "attendance_ids": [
                Command.create({"name": str(day), "dayofweek": str(day), "hour_from": 0, "hour_to": 24})
                for day in range(7)
            ],
        }
    )
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
    once, as the request creating it does before it commits."""
    for i in range(count):
        env[model].create(values(i))
        env.flush_all()


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
            env["service.sla.policy"].search([("name", "=like", "Bench%")]).active = False
            baseline = bench.timed(lambda: create({"team_id": manual.id, "user_id": agent.id}, args.tickets))
        with bench.rolled_back():
            routed = bench.timed(lambda: create({"team_id": team.id, "category_id": category.id}, args.tickets))
            _check_routed(env, team)
    bench.record(
        "ticket_creation",
        f"create {args.tickets} tickets",
        f"SLA ({args.policies} policies) + skills routing, {args.agents} agents",
        routed,
        "assigned by hand, no policy",
        baseline,
        TARGET,
    )


OCA_TARGET = 1.2
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


def bench_ticket_creation_vs_oca(bench):
    """Our ticket creation with SLA and skills routing against the OCA
    helpdesk (helpdesk_mgmt + helpdesk_mgmt_sla) creating the same tickets
    with its SLA, the agent chosen by hand (it has no routing)."""
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
        customer = env["res.partner"].create({"name": "Bench customer", "email": "bench@example.com"})
        bench.settle()

        def ticket(i):
            return {"name": f"Bench ticket {i}", "description": "<p>It does not start.</p>", "partner_id": customer.id}

        def create_ours(count):
            _create_one_by_one(
                env, "service.ticket", count, lambda i: dict(ticket(i), team_id=team.id, category_id=category.id)
            )

        def create_theirs(count):
            _create_one_by_one(
                env,
                "helpdesk.ticket",
                count,
                lambda i: dict(ticket(i), team_id=oca_team.id, user_id=users[i % len(users)].id),
            )

        # warm both paths before timing them
        create_theirs(5)
        create_ours(5)
        with bench.rolled_back():
            theirs = bench.timed(lambda: create_theirs(args.tickets))
            tickets = env["helpdesk.ticket"].search([("team_id", "=", oca_team.id)])
            if not all(tickets.mapped("ticket_sla_ids")):
                raise AssertionError("every OCA ticket has its SLA")
        with bench.rolled_back():
            ours = bench.timed(lambda: create_ours(args.tickets))
            _check_routed(env, team)
    bench.record(
        "ticket_creation_vs_oca",
        f"create {args.tickets} tickets",
        f"service_desk: SLA ({args.policies} policies) + skills routing, {args.agents} agents",
        ours,
        "OCA helpdesk_mgmt + helpdesk_mgmt_sla, agent by hand",
        theirs,
        OCA_TARGET,
    )


BENCHMARKS = [
    ("ticket_creation", bench_ticket_creation),
    ("ticket_creation_vs_oca", bench_ticket_creation_vs_oca),
]
