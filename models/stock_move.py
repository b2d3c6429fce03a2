from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        done = super()._action_done(cancel_backorder=cancel_backorder)
        lines = done.move_line_ids.filtered(lambda ml: ml.state == "done")
        if lines:
            # sudo: warranties from the lines the user just validated, no user input
            Warranty = self.env["service.warranty"].sudo()
            Warranty._create_from_move_lines(lines)
            Warranty._apply_returns(lines)
            # sudo: ownership of the serials of those same lines
            self.env["service.lot.ownership"].sudo()._record_moves(lines)
        return done

    def _service_returnable_quantities(self):
        """What is left to return of each of these done deliveries, in the
        move's unit: delivered less what returns (done or under way) take back."""
        returnable = {}
        for move in self:
            taken = sum(
                r.quantity if r.state == "done" else r.product_uom_qty
                for r in move.returned_move_ids
                if r.state != "cancel"
            )
            returnable[move] = move.product_uom.round(move.quantity - taken)
        return returnable

    def _service_set_lots(self, lots):
        """Return moves of serials come back with those serials, one unit
        each: Odoo reserves the first serials the delivery carried, whichever
        were asked, so the others give their place to the asked ones."""
        for move in self:
            wanted = lots.filtered(lambda lot, move=move: lot.product_id == move.product_id)
            lines = move.move_line_ids
            if not lines:
                quantities = [move.product_uom_qty] if len(wanted) == 1 else [1.0] * len(wanted)
                self.env["stock.move.line"].create(
                    [
                        {**move._prepare_move_line_vals(quantity=quantity), "lot_id": lot.id}
                        for lot, quantity in zip(wanted, quantities, strict=False)
                    ]
                )
                continue
            spare = lines.filtered(lambda ml, wanted=wanted: ml.lot_id not in wanted)
            for lot, line in zip(wanted - lines.lot_id, spare, strict=False):
                line.lot_id = lot
