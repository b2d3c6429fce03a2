"""After-sales remedies (issue 20): receiving a return of serials with
warranty (the desk marks the warranties returned and the serials no longer
the customer's) against the same return of a product without warranty; and
the cost-of-service analysis over 200 000 tickets with 20 000 remedies,
grouped as managers group it, against its 1 s budget."""

import statistics

from odoo.tools import SQL

from .bench_report import AGENTS, TEAMS, _insert_tickets
from .bench_warranty import _delivery, _insert_customers

RETURN_TARGET = 1.3
RETURN_SERIALS = 200
BUDGET = 1.0  # seconds per grouping
REMEDIES = 20_000
PRODUCTS, CATEGORIES, CUSTOMERS = 200, 12, 2_000


# ----------------------------------------------------------------------
# Receiving a return of serials
# ----------------------------------------------------------------------


def _return_of(env, delivery):
    """The return of every serial of a done delivery, its lines holding the
    serials, ready to validate."""
    wizard = (
        env["stock.return.picking"]
        .with_context(active_id=delivery.id, active_ids=delivery.ids, active_model="stock.picking")
        .create({})
    )
    for line in wizard.product_return_moves:
        line.quantity = line.move_id.quantity
    returned = env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
    move = returned.move_ids
    move.move_line_ids.unlink()
    env["stock.move.line"].create(
        [
            {
                "move_id": move.id,
                "picking_id": returned.id,
                "product_id": move.product_id.id,
                "lot_id": lot.id,
                "quantity": 1.0,
                "location_id": move.location_id.id,
                "location_dest_id": move.location_dest_id.id,
            }
            for lot in delivery.move_line_ids.lot_id
        ]
    )
    returned.move_ids.picked = True
    env.flush_all()
    return returned


def bench_return_receipt(bench):
    env = bench.env
    Product = env["product.product"]

    def run(months, prefix):
        with bench.rolled_back():
            product = Product.create(
                {
                    "name": f"Bench returned device {prefix}",
                    "type": "consu",
                    "is_storable": True,
                    "tracking": "serial",
                    "service_warranty_months": months,
                }
            )
            delivery = _delivery(env, product, prefix, RETURN_SERIALS)
            delivery.with_context(skip_backorder=True, skip_sms=True).button_validate()
            returned = _return_of(env, delivery)
            elapsed = bench.timed(
                lambda: (
                    returned.with_context(skip_backorder=True, skip_sms=True).button_validate(),
                    env.flush_all(),
                )
            )
            lots = delivery.move_line_ids.lot_id
            if any(lots.mapped("service_owner_id")):
                raise AssertionError("returned serials still belong to the customer")
            kept = env["service.warranty"].search_count([("lot_id", "in", lots.ids), ("state", "!=", "returned")])
            if kept:
                raise AssertionError(f"{kept} warranties of returned serials are not marked returned")
            return elapsed

    run(12, "BRR-WARM-")  # warm-up
    # alternated and best of three: the two sides see the same caches
    with_warranty, without = float("inf"), float("inf")
    for round_ in range(3):
        without = min(without, run(0, f"BRR-OFF{round_}-"))
        with_warranty = min(with_warranty, run(12, f"BRR-ON{round_}-"))
    bench.record(
        "return_receipt_warranties",
        f"validate a return receipt of {RETURN_SERIALS} serials",
        "with warranties",
        with_warranty,
        "without",
        without,
        RETURN_TARGET,
    )


# ----------------------------------------------------------------------
# Cost of service over many tickets
# ----------------------------------------------------------------------


def _remedy_fixtures(env):
    """Products in categories, customers, a sales journal and an income
    account to credit, and the locations and operation types remedies use."""
    categories = env["product.category"].create([{"name": f"Bench category {i}"} for i in range(CATEGORIES)])
    products = env["product.product"].create(
        [
            {
                "name": f"Bench product {i}",
                "type": "consu",
                "is_storable": True,
                "categ_id": categories[i % CATEGORIES].id,
                "standard_price": 10.0 + i,
            }
            for i in range(PRODUCTS)
        ]
    )
    customers = _insert_customers(env, CUSTOMERS, "Bench remedy customer ")
    journal = env["account.journal"].search([("type", "=", "sale"), ("company_id", "=", env.company.id)], limit=1)
    if not journal:
        journal = env["account.journal"].create({"name": "Bench sales", "code": "BSAL", "type": "sale"})
    account = env["account.account"].search([("account_type", "=", "income")], limit=1)
    if not account:
        account = env["account.account"].create({"name": "Bench income", "code": "BENCH700", "account_type": "income"})
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    return {
        "products": products.ids,
        "customers": customers,
        "journal": journal.id,
        "account": account.id,
        "currency": env.company.currency_id.id,
        "stock": warehouse.lot_stock_id.id,
        "customer_location": env.ref("stock.stock_location_customers").id,
        "in_type": warehouse.in_type_id.id,
        "out_type": warehouse.out_type_id.id,
        "repair_type": (warehouse.repair_type_id or warehouse.in_type_id).id,
        "unit": env.ref("uom.product_uom_unit").id,
    }


def _insert_remedies(env, count, fixtures):
    """`count` remedies on every tenth bench ticket, in plain SQL: a quarter
    each of posted credit notes (one product line), done returns, done
    replacements (valued moves) and repairs (every other one free)."""
    cr = env.cr
    params = {**fixtures, "count": count, "product_count": len(fixtures["products"])}
    params["customer_count"] = len(fixtures["customers"])
    cr.execute(
        SQL(
            """
        UPDATE service_ticket
           SET commercial_partner_id = (%(customers)s::int[])[1 + id %% %(customer_count)s],
               partner_id = (%(customers)s::int[])[1 + id %% %(customer_count)s]
         WHERE number LIKE 'BENCH-REPORT-%%'
        """,
            **params,
        )
    )
    cr.execute(
        SQL(
            """
        CREATE TEMP TABLE bench_remedy ON COMMIT DROP AS
        SELECT ticket.id AS ticket_id, ticket.company_id, ticket.create_date + interval '3 days' AS date,
               (%(products)s::int[])[1 + ticket.id %% %(product_count)s] AS product_id,
               row_number() OVER (ORDER BY ticket.id) AS r
          FROM service_ticket ticket
         WHERE ticket.number LIKE 'BENCH-REPORT-%%' AND ticket.id %% 10 = 0
         LIMIT %(count)s
        """,
            **params,
        )
    )
    cr.execute(
        SQL(
            """
        WITH credit AS (
            INSERT INTO account_move (name, move_type, state, date, invoice_date, journal_id, currency_id,
                                      company_id, auto_post, service_ticket_id, amount_untaxed,
                                      amount_untaxed_signed, create_date, write_date, create_uid, write_uid)
            SELECT 'BENCH/RINV/' || r, 'out_refund', 'posted', date::date, date::date, %(journal)s, %(currency)s,
                   company_id, 'no', ticket_id, 40, -40, date, date, 1, 1
              FROM bench_remedy WHERE r %% 4 = 0
         RETURNING id, company_id, date, service_ticket_id
        )
        INSERT INTO account_move_line (move_id, display_type, currency_id, company_id, journal_id, account_id,
                                       product_id, quantity, price_unit, debit, credit, balance, amount_currency,
                                       date, parent_state, create_date, write_date, create_uid, write_uid)
        SELECT credit.id, 'product', %(currency)s, credit.company_id, %(journal)s, %(account)s,
               remedy.product_id, 1, 40, 40, 0, 40, 40, credit.date, 'posted', credit.date, credit.date, 1, 1
          FROM credit JOIN bench_remedy remedy ON remedy.ticket_id = credit.service_ticket_id
        """,
            **params,
        )
    )
    cr.execute(
        SQL(
            """
        WITH picking AS (
            INSERT INTO stock_picking (name, location_id, location_dest_id, picking_type_id, move_type, state,
                                       company_id, service_ticket_id, service_remedy_kind, date_done,
                                       create_date, write_date, create_uid, write_uid)
            SELECT 'BENCH/REM/' || r,
                   CASE WHEN r %% 4 = 1 THEN %(customer_location)s ELSE %(stock)s END,
                   CASE WHEN r %% 4 = 1 THEN %(stock)s ELSE %(customer_location)s END,
                   CASE WHEN r %% 4 = 1 THEN %(in_type)s ELSE %(out_type)s END, 'direct', 'done', company_id,
                   ticket_id, CASE WHEN r %% 4 = 1 THEN 'return' ELSE 'replacement' END, date, date, date, 1, 1
              FROM bench_remedy WHERE r %% 4 IN (1, 2)
         RETURNING id, company_id, date_done, location_id, location_dest_id, service_ticket_id, service_remedy_kind
        )
        INSERT INTO stock_move (picking_id, company_id, date, location_id, location_dest_id, procure_method,
                                product_id, product_uom, product_uom_qty, quantity, product_qty, state, is_out,
                                value, create_date, write_date, create_uid, write_uid)
        SELECT picking.id, picking.company_id, picking.date_done, picking.location_id, picking.location_dest_id,
               'make_to_stock', remedy.product_id, %(unit)s, 1, 1, 1, 'done',
               picking.service_remedy_kind = 'replacement',
               CASE WHEN picking.service_remedy_kind = 'replacement' THEN 25 ELSE 0 END,
               picking.date_done, picking.date_done, 1, 1
          FROM picking JOIN bench_remedy remedy ON remedy.ticket_id = picking.service_ticket_id
        """,
            **params,
        )
    )
    cr.execute(
        SQL(
            """
        INSERT INTO repair_order (name, company_id, location_id, location_dest_id, parts_location_id,
                                  product_location_src_id, product_location_dest_id, recycle_location_id,
                                  picking_type_id, schedule_date, state, under_warranty, product_id, product_qty,
                                  product_uom, service_ticket_id, create_date, write_date, create_uid, write_uid)
        SELECT 'BENCH/RO/' || r, company_id, %(stock)s, %(stock)s, %(stock)s, %(stock)s, %(stock)s, %(stock)s,
               %(repair_type)s, date, 'done', r %% 8 = 3, product_id, 1, %(unit)s, ticket_id, date, date, 1, 1
          FROM bench_remedy WHERE r %% 4 = 3
        """,
            **params,
        )
    )
    for table in ("service_ticket", "account_move", "account_move_line", "stock_picking", "stock_move"):
        cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
    cr.execute("ANALYZE repair_order")
    env.invalidate_all()


def _timed(bench, function, runs=3):
    function()  # warm-up: plans and caches
    return statistics.median(bench.timed(function) for __ in range(runs))


def bench_cost_of_service(bench):
    env, args = bench.env, bench.args
    count = args.report_tickets
    remedies = args.remedies
    with bench.rolled_back():
        users = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create([{"name": f"Bench Remedy Agent {i}", "login": f"bench_remedy_agent_{i}"} for i in range(AGENTS)])
        )
        teams = env["service.team"].create([{"name": f"Bench remedy team {i}"} for i in range(TEAMS)])
        _insert_tickets(env, teams, users, env["service.stage"].search([]), count)
        fixtures = _remedy_fixtures(env)
        env.flush_all()
        _insert_remedies(env, remedies, fixtures)
        Report = env["service.remedy.report"]
        measures = [
            "cost_amount:sum",
            "refund_amount:sum",
            "replacement_cost:sum",
            "repair_free_count:sum",
            "repair_paid_count:sum",
            "return_quantity:sum",
        ]
        rows = Report._read_group([], ["kind"], ["__count"])
        if sum(n for __, n in rows) != remedies:
            raise AssertionError(f"{rows} rows for {remedies} remedies")
        times = {
            groupby: _timed(bench, lambda groupby=groupby: Report._read_group([], [groupby], measures))
            for groupby in ("product_id", "product_category_id", "partner_id", "date:month")
        }
        Rate = env["service.return.rate.report"]
        times["return_rate"] = _timed(
            bench, lambda: Rate._read_group([], ["product_id"], ["return_rate:return_rate", "delivered_quantity:sum"])
        )
    subjects = {
        "product_id": ("cost_of_service_product", "cost of service by product"),
        "product_category_id": ("cost_of_service_category", "cost of service by product category"),
        "partner_id": ("cost_of_service_customer", "cost of service by customer"),
        "date:month": ("cost_of_service_month", "cost of service by month"),
        "return_rate": ("return_rate_product", "return rate by product"),
    }
    for key, elapsed in times.items():
        name, subject = subjects[key]
        bench.record(
            name,
            f"{subject}, {count} tickets, {remedies} remedies",
            "pivot",
            elapsed,
            "budget",
            BUDGET,
            1.0,
        )


BENCHMARKS = [("return_receipt", bench_return_receipt), ("cost_of_service", bench_cost_of_service)]
