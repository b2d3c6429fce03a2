"""Fixtures of the customer 360° tests: products with warranty terms, stock
of serial numbers, and helpers that sell, deliver and take back goods the
way users do (confirm the order, pick, validate; return wizard)."""

from odoo import Command

from .common import FIXTURE_CONTEXT, ServiceDeskCommon


class Customer360Common(ServiceDeskCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env(context=dict(cls.env.context, **FIXTURE_CONTEXT))
        cls.warehouse = env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.stock_location = cls.warehouse.lot_stock_id
        Product = env["product.product"]
        cls.product_extension = Product.create(
            {
                "name": "SD Extended Warranty",
                "type": "service",
                "list_price": 60.0,
                "service_warranty_months": 12,
            }
        )
        cls.product_serial = Product.create(
            {
                "name": "SD Scanner S-1",
                "type": "consu",
                "is_storable": True,
                "tracking": "serial",
                "list_price": 500.0,
                "service_warranty_months": 12,
                "service_extension_product_id": cls.product_extension.id,
            }
        )
        cls.product_untracked = Product.create(
            {
                "name": "SD Power Supply",
                "type": "consu",
                "is_storable": True,
                "list_price": 40.0,
                "service_warranty_months": 6,
            }
        )
        cls.product_plain = Product.create(
            {
                "name": "SD Paper Ream",
                "type": "consu",
                "is_storable": True,
                "list_price": 5.0,
            }
        )

    @classmethod
    def _stock_serials(cls, product, names):
        lots = cls.env["stock.lot"].create(
            [{"name": name, "product_id": product.id, "company_id": cls.company.id} for name in names]
        )
        for lot in lots:
            cls.env["stock.quant"]._update_available_quantity(product, cls.stock_location, 1.0, lot_id=lot)
        return lots

    @classmethod
    def _stock(cls, product, quantity):
        cls.env["stock.quant"]._update_available_quantity(product, cls.stock_location, quantity)

    @classmethod
    def _sell(cls, partner, lines, confirm=True):
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": qty}) for product, qty in lines
                ],
            }
        )
        if confirm:
            order.action_confirm()
        return order

    @classmethod
    def _validate(cls, picking, lots=None, quantities=None):
        """Pick and validate `picking`: only `lots` for serial products when
        given, `quantities` {product: qty} for the others (the rest goes to a
        backorder)."""
        picking.action_assign()
        for move in picking.move_ids:
            if lots is not None and move.product_id.tracking == "serial":
                move.move_line_ids.filtered(lambda ml: ml.lot_id not in lots).unlink()
                missing = lots.filtered(lambda lot: lot.product_id == move.product_id) - move.move_line_ids.lot_id
                for lot in missing:
                    cls.env["stock.move.line"].create(
                        {
                            "move_id": move.id,
                            "picking_id": picking.id,
                            "product_id": move.product_id.id,
                            "lot_id": lot.id,
                            "quantity": 1.0,
                            "location_id": move.location_id.id,
                            "location_dest_id": move.location_dest_id.id,
                        }
                    )
            if quantities and move.product_id in quantities:
                move.quantity = quantities[move.product_id]
        picking.move_ids.picked = True
        picking.with_context(skip_backorder=True, skip_sms=True).button_validate()
        return picking

    @classmethod
    def _deliver(cls, order, lots=None, quantities=None):
        picking = order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))[:1]
        return cls._validate(picking, lots=lots, quantities=quantities)

    @classmethod
    def _return(cls, picking, quantities, lots=None):
        """Return {product: qty} of a done delivery (serials `lots`)."""
        wizard = (
            cls.env["stock.return.picking"]
            .with_context(
                active_id=picking.id,
                active_ids=picking.ids,
                active_model="stock.picking",
            )
            .create({})
        )
        for line in wizard.product_return_moves:
            line.quantity = quantities.get(line.product_id, 0.0)
        action = wizard.action_create_returns()
        returned = cls.env["stock.picking"].browse(action["res_id"])
        for move in returned.move_ids:
            if move.product_id.tracking == "serial":
                move.move_line_ids.unlink()
                for lot in (lots or cls.env["stock.lot"]).filtered(lambda lot: lot.product_id == move.product_id):
                    cls.env["stock.move.line"].create(
                        {
                            "move_id": move.id,
                            "picking_id": returned.id,
                            "product_id": move.product_id.id,
                            "lot_id": lot.id,
                            "quantity": 1.0,
                            "location_id": move.location_id.id,
                            "location_dest_id": move.location_dest_id.id,
                        }
                    )
        returned.move_ids.picked = True
        returned.with_context(skip_backorder=True, skip_sms=True).button_validate()
        return returned
