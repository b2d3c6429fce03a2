"""Creating tickets with SLA policies and skill routing, against manual
assignment without policy."""

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


def bench_ticket_creation(bench):
    env, args = bench.env, bench.args
    with bench.rolled_back():
        env["service.sla.policy"].search([]).active = False
        team, category, manual = _setup_team(env, args.agents, args.policies)
        customer = env["res.partner"].create({"name": "Bench customer", "email": "bench@example.com"})
        env.flush_all()

        def create(values, count):
            for i in range(count):
                env["service.ticket"].create(dict(values, name=f"Bench ticket {i}", partner_id=customer.id))
                if i % 50 == 0:
                    env.flush_all()
            env.flush_all()

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
            tickets = env["service.ticket"].search([("team_id", "=", team.id)])
            if not all(tickets.mapped("user_id")) or not all(tickets.mapped("sla_line_ids")):
                raise AssertionError("every routed ticket has an agent and SLA targets")
    bench.record(
        "ticket_creation",
        f"create {args.tickets} tickets",
        f"SLA ({args.policies} policies) + skills routing, {args.agents} agents",
        routed,
        "assigned by hand, no policy",
        baseline,
        TARGET,
    )


BENCHMARKS = [("ticket_creation", bench_ticket_creation)]
