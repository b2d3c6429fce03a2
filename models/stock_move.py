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
