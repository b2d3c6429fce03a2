"""Customer 360 (issue 6): validating a delivery of serial numbers that
creates one warranty per serial costs at most 1.3x validating the same
delivery of a product without warranty; the suggestions cron's memory does
not grow with the number of customers."""

import gc
import tracemalloc

from odoo.fields import Command
from odoo.tools import SQL

TARGET = 1.3
MEMORY_TARGET = 1.5
SERIALS = 500


def _delivery(env, product, prefix, count=SERIALS):
    """A confirmed, reserved delivery of `count` serials of `product` to a customer."""
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    lots = env["stock.lot"].create(
        [{"name": f"{prefix}{index:05d}", "product_id": product.id} for index in range(count)]
    )
    Quant = env["stock.quant"]
    for lot in lots:
        Quant._update_available_quantity(product, warehouse.lot_stock_id, 1.0, lot_id=lot)
    customer = env["res.partner"].create({"name": f"Bench customer {prefix}", "is_company": True})
    order = env["sale.order"].create(
        {
            "partner_id": customer.id,
            "order_line": [Command.create({"product_id": product.id, "product_uom_qty": count})],
        }
    )
    order.action_confirm()
    picking = order.picking_ids
    picking.action_assign()
    picking.move_ids.picked = True
    env.flush_all()
    return picking


def bench_delivery_warranties(bench):
    env = bench.env
    Product = env["product.product"]

    def run(months, prefix):
        with bench.rolled_back():
            product = Product.create(
                {
                    "name": f"Bench device {prefix}",
                    "type": "consu",
                    "is_storable": True,
                    "tracking": "serial",
                    "service_warranty_months": months,
                }
            )
            picking = _delivery(env, product, prefix)
            elapsed = bench.timed(
                lambda: (
                    picking.with_context(skip_backorder=True, skip_sms=True).button_validate(),
                    env.flush_all(),
                )
            )
            created = env["service.warranty"].search_count([("product_id", "=", product.id)])
            if created != (SERIALS if months else 0):
                raise AssertionError(f"{created} warranties for {SERIALS} delivered serials")
            return elapsed

    run(12, "BW-WARM-")  # warm-up
    # alternated and best of three: the two sides see the same caches
    with_warranty, without = float("inf"), float("inf")
    for round_ in range(3):
        without = min(without, run(0, f"BW-OFF{round_}-"))
        with_warranty = min(with_warranty, run(12, f"BW-ON{round_}-"))
    bench.record(
        "delivery_warranties",
        f"validate a delivery of {SERIALS} serials",
        "with warranties",
        with_warranty,
        "without",
        without,
        TARGET,
    )


BENCHMARKS = [("delivery_warranties", bench_delivery_warranties)]


def _insert_customers(env, count, prefix):
    """`count` customer companies in one statement, each its own commercial entity."""
    env.flush_all()
    env.cr.execute(
        SQL(
            """
        INSERT INTO res_partner (name, complete_name, is_company, active, customer_rank, supplier_rank, type,
                                 autopost_bills, create_date, write_date, create_uid, write_uid)
        SELECT %(prefix)s || g, %(prefix)s || g, TRUE, TRUE, 1, 0, 'contact', 'ask',
               now() at time zone 'UTC', now() at time zone 'UTC', 1, 1
          FROM generate_series(1, %(count)s) g
        RETURNING id
        """,
            prefix=prefix,
            count=count,
        )
    )
    ids = [row[0] for row in env.cr.fetchall()]
    env.cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", [ids])
    env.cr.execute("ANALYZE res_partner")
    env.invalidate_all()
    return ids


def bench_recommendation_memory(bench):
    """The suggestions cron over 10 000 customers peaks at about the memory
    it needs for 1 000: it works in batches and drops its cache between them."""
    env = bench.env
    Recommendation = env["service.recommendation"]

    def peak(count):
        with bench.rolled_back():
            _insert_customers(env, count, f"Bench customer {count} ")
            gc.collect()
            tracemalloc.start()
            Recommendation._cron_refresh()
            __, top = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            return top / 1e6

    small = peak(1000)
    large = peak(10000)
    bench.record(
        "recommendation_memory",
        "suggestions cron, peak MB of Python memory",
        "10 000 customers",
        large,
        "1 000",
        small,
        MEMORY_TARGET,
    )


BENCHMARKS.append(("recommendation_memory", bench_recommendation_memory))
