from odoo import fields, models


class StockLot(models.Model):
    _inherit = "stock.lot"

    service_warranty_ids = fields.One2many("service.warranty", "lot_id", string="Warranties")
    service_warranty_count = fields.Integer(compute="_compute_service_warranty", string="Warranty Count")
    service_warranty_end_date = fields.Date(
        compute="_compute_service_warranty",
        string="Warranty Until",
        help="End of the serial's current (not returned) warranty.",
    )

    def _compute_service_warranty(self):
        Warranty = self.env["service.warranty"]
        if not Warranty.has_access("read"):
            self.service_warranty_count = 0
            self.service_warranty_end_date = False
            return
        rows = Warranty._read_group(
            [("lot_id", "in", self.ids)],
            ["lot_id"],
            ["__count"],
        )
        counts = dict(rows)
        ends = dict(
            Warranty._read_group(
                [("lot_id", "in", self.ids), ("state", "!=", "returned")],
                ["lot_id"],
                ["end_date:max"],
            )
        )
        for lot in self:
            lot.service_warranty_count = counts.get(lot, 0)
            lot.service_warranty_end_date = ends.get(lot, False)

    def action_open_service_warranties(self):
        self.ensure_one()
        return self.env["service.warranty"]._action_open([("lot_id", "=", self.id)], {})


class StockLotOwnership(models.Model):
    _inherit = "stock.lot"

    service_owner_id = fields.Many2one(
        "res.partner",
        string="Owner",
        readonly=True,
        index="btree_not_null",
        copy=False,
        help="Customer who owns this serial now: set by deliveries, returns and ownership transfer cases.",
    )
    service_ownership_ids = fields.One2many("service.lot.ownership", "lot_id", string="Ownership History")

    def _service_update_owner(self):
        """The owner after each serial's latest event."""
        # sudo: ownership events of these serials, after the moves or transfer that changed them
        events = (
            self.env["service.lot.ownership"]
            .sudo()
            .search(
                [("lot_id", "in", self.ids)],
                order="date desc, id desc",
            )
        )
        latest = {}
        for event in events:
            latest.setdefault(event.lot_id, event)
        # sudo: the owner those events name, no user input
        for lot in self.sudo():
            owner = latest[lot].partner_id if lot in latest else self.env["res.partner"]
            if lot.service_owner_id != owner:
                lot.service_owner_id = owner
