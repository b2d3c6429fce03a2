"""Recall (issue 22): launching a recall for 10 000 owners costs at most 12x
launching one for 1 000: the owners are found in one query, the incidents
created and told a batch of 1 000 at a time; the queries per owner (the
ticket's own save path and the recall's email on each incident) do not
grow with the number of owners."""

from odoo.tools import SQL

from .bench_warranty import _insert_customers

TARGET = 12
SMALL, LARGE = 1_000, 10_000


def _insert_owned_serials(env, product, owner_ids, prefix):
    """One serial of `product` per owner, delivered to them (an ownership
    event each), in two statements."""
    env.cr.execute(
        SQL(
            """
        INSERT INTO stock_lot (name, product_id, company_id, create_date, write_date, create_uid, write_uid)
        SELECT %(prefix)s || owner, %(product)s, %(company)s,
               now() at time zone 'UTC', now() at time zone 'UTC', 1, 1
          FROM unnest(%(owners)s) owner
        RETURNING id, substr(name, length(%(prefix)s) + 1)::int
        """,
            prefix=prefix,
            product=product.id,
            company=env.company.id,
            owners=owner_ids,
        )
    )
    rows = env.cr.fetchall()
    env.cr.execute(
        SQL(
            """
        INSERT INTO service_lot_ownership (lot_id, product_id, company_id, event, date, partner_id,
                                           create_date, write_date, create_uid, write_uid)
        SELECT lot, %(product)s, %(company)s, 'delivery', now() at time zone 'UTC' - interval '30 days', owner,
               now() at time zone 'UTC', now() at time zone 'UTC', 1, 1
          FROM unnest(%(lots)s, %(owners)s) AS t(lot, owner)
        """,
            product=product.id,
            company=env.company.id,
            lots=[row[0] for row in rows],
            owners=[row[1] for row in rows],
        )
    )
    env.cr.execute("ANALYZE stock_lot")
    env.cr.execute("ANALYZE service_lot_ownership")
    env.invalidate_all()


def bench_recall_owners(bench):
    env = bench.env
    team = env["service.team"].search([("company_id", "=", env.company.id)], limit=1)

    def run(count):
        with bench.rolled_back():
            product = env["product.product"].create(
                {"name": f"Bench recalled device {count}", "type": "consu", "is_storable": True, "tracking": "serial"}
            )
            owners = _insert_customers(env, count, f"Bench recall owner {count} ")
            _insert_owned_serials(env, product, owners, f"BR{count}-")
            recall = env["service.recall"].create(
                {
                    "name": f"Bench recall {count}",
                    "team_id": team.id,
                    "user_id": env.user.id,
                    "product_ids": [(6, 0, product.ids)],
                    "body": "<p>Your device is recalled: we replace it for free.</p>",
                }
            )
            bench.settle()
            seconds, queries = bench.timed_queries(lambda: (recall.action_launch(), env.flush_all()), count)
            informed = recall.informed_count
            if informed != count:
                raise AssertionError(f"{informed} owners told of {count}")
            return seconds, queries

    run(50)  # warm-up
    small, small_queries = run(SMALL)
    large, large_queries = run(LARGE)
    bench.record(
        "recall_owners",
        "launch a recall, one incident and email per owner",
        "10 000 owners",
        large,
        "1 000",
        small,
        TARGET,
        queries=(large_queries, small_queries),
    )


BENCHMARKS = [("recall_owners", bench_recall_owners)]
