"""Merge (issue 22): merging 2 tickets with 500 messages each sends the same
queries as merging 2 with 5 messages each (the conversation moves in one
update, whatever its length), and takes about the same time."""

from odoo.tools import SQL

from .bench_sla import always_open_calendar

TARGET = 2.0
SMALL, LARGE = 5, 500
ROUNDS = 5  # merges per side, taken in turn: a machine busy elsewhere slows both sides alike


def _insert_messages(env, tickets, count):
    """`count` customer emails on each of `tickets`, in one statement."""
    env.flush_all()
    env.cr.execute(
        SQL(
            """
        INSERT INTO mail_message (model, res_id, message_type, subtype_id, body, author_id, email_from, date,
                                  create_date, write_date, create_uid, write_uid)
        SELECT 'service.ticket', ticket, 'email', %(subtype)s, '<p>Still broken, message ' || g || '</p>',
               %(author)s, 'bench.merge@example.com', now() at time zone 'UTC' - g * interval '1 minute',
               now() at time zone 'UTC', now() at time zone 'UTC', 1, 1
          FROM unnest(%(tickets)s) ticket, generate_series(1, %(count)s) g
        """,
            subtype=env.ref("mail.mt_comment").id,
            author=tickets[0].partner_id.id,
            tickets=tickets.ids,
            count=count,
        )
    )
    env.invalidate_all()


def bench_merge_messages(bench):
    env = bench.env
    results = {SMALL: [0.0, 0], LARGE: [0.0, 0]}
    with bench.rolled_back():
        calendar = always_open_calendar(env, "Bench merge 24/7")
        team = env["service.team"].create({"name": "Bench merge desk", "resource_calendar_id": calendar.id})
        company = env["res.partner"].create({"name": "Bench Merge Customer", "is_company": True})
        contact = env["res.partner"].create(
            {"name": "Bench Merge Contact", "parent_id": company.id, "email": "bench.merge@example.com"}
        )
        Ticket = env["service.ticket"]

        def merge(count):
            """(seconds, queries) of merging one of 2 new tickets of `count`
            messages each into the other."""
            with bench.rolled_back():
                tickets = Ticket.create(
                    [{"name": f"Bench merge {i}", "team_id": team.id, "partner_id": contact.id} for i in range(2)]
                )
                _insert_messages(env, tickets, count)
                bench.settle()
                merged, kept = tickets
                seconds, queries = bench.timed_queries(lambda: (merged.action_merge_into(kept), env.flush_all()), 1)
                moved = env["mail.message"].search_count([("model", "=", Ticket._name), ("res_id", "=", kept.id)])
                if merged.merged_into_id != kept or moved < 2 * count:
                    raise AssertionError(f"{moved} messages on the kept ticket after merging 2 of {count} each")
                return seconds, queries

        merge(SMALL)  # warm-up: caches of the stages, the SLA rules, the mail templates
        for __ in range(ROUNDS):
            for count in (SMALL, LARGE):
                seconds, queries = merge(count)
                results[count][0] += seconds
                results[count][1] += queries
    (large, large_queries), (small, small_queries) = results[LARGE], results[SMALL]
    if large_queries != small_queries:
        raise AssertionError(
            f"merging 2 tickets of {LARGE} messages sent {large_queries / ROUNDS:.1f} queries, "
            f"of {SMALL} messages {small_queries / ROUNDS:.1f}: the cost grows with the conversation"
        )
    bench.record(
        "merge_messages",
        "merge 2 tickets (time and queries per merge)",
        f"{LARGE} messages each",
        large / ROUNDS,
        f"{SMALL} messages each",
        small / ROUNDS,
        TARGET,
        queries=(large_queries / ROUNDS, small_queries / ROUNDS),
    )


BENCHMARKS = [("merge_messages", bench_merge_messages)]
