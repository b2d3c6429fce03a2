"""Warranties from deliveries: validating a delivery of serial numbers that
creates one warranty per serial costs at most 1.3x validating the same
delivery of a product without warranty (issue 6)."""

from odoo.fields import Command

TARGET = 1.3
SERIALS = 500


def _delivery(env, product, prefix):
    """A confirmed, reserved delivery of SERIALS serials of `product` to a customer."""
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    lots = env["stock.lot"].create([
        {"name": f"{prefix}{index:05d}", "product_id": product.id} for index in range(SERIALS)
    ])
    Quant = env["stock.quant"]
    for lot in lots:
        Quant._update_available_quantity(product, warehouse.lot_stock_id, 1.0, lot_id=lot)
    customer = env["res.partner"].create({"name": f"Bench customer {prefix}", "is_company": True})
    order = env["sale.order"].create({
        "partner_id": customer.id,
        "order_line": [Command.create({"product_id": product.id, "product_uom_qty": SERIALS})],
    })
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
            product = Product.create({
                "name": f"Bench device {prefix}", "type": "consu", "is_storable": True, "tracking": "serial",
                "service_warranty_months": months,
            })
            picking = _delivery(env, product, prefix)
            elapsed = bench.timed(lambda: (
                picking.with_context(skip_backorder=True, skip_sms=True).button_validate(), env.flush_all(),
            ))
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
        "delivery_warranties", f"validate a delivery of {SERIALS} serials",
        "with warranties", with_warranty, "without", without, TARGET,
    )


BENCHMARKS = [("delivery_warranties", bench_delivery_warranties)]
