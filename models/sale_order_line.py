from collections import defaultdict, deque

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    service_warranty_id = fields.Many2one(
        "service.warranty",
        string="Extended Warranty",
        index="btree_not_null",
        copy=False,
        domain="[('partner_id', 'parent_of', order_partner_id), ('state', '!=', 'returned')]",
        help="Warranty this line extends (a warranty extension product sold for a serial number). "
        "Left empty, confirming the order picks the customer's warranty that ends first.",
    )

    def _service_extension_months(self, warranty):
        """Months this line adds to `warranty`: the extension product's own
        warranty months, else the covered product's."""
        self.ensure_one()
        return self.product_id.service_warranty_months or warranty.product_id.service_warranty_months

    @api.constrains("service_warranty_id", "product_id")
    def _check_service_warranty_extension(self):
        for line in self.filtered("service_warranty_id"):
            if line.service_warranty_id.product_id.service_extension_product_id != line.product_id:
                raise ValidationError(
                    self.env._(
                        "%(product)s does not extend the warranty of %(warranty)s.",
                        product=line.product_id.display_name,
                        warranty=line.service_warranty_id.display_name,
                    )
                )

    def _service_link_warranty_extensions(self):
        """Give each extension line without a warranty the customer's
        warranty of a covered product that ends first and is not extended
        yet. The queries do not grow with the lines."""
        # sudo: warranty extensions of the order the user just confirmed, its customer's warranties only
        Template = self.env["product.template"].sudo()
        # sudo: the same customer's warranties, read and linked to the lines
        Warranty = self.env["service.warranty"].sudo()
        unlinked = self.filtered(lambda sol: not sol.service_warranty_id and sol.product_id)
        links = unlinked._service_warranties_to_extend(Template, Warranty)
        if not links:
            return
        # linking a line recomputes its warranty's tickets (under warranty):
        # find them for every warranty at once, not one warranty per line
        Warranty.union(*links.values()).fetch(["ticket_ids"])
        for line, warranty in links.items():
            line.service_warranty_id = warranty

    def _service_warranties_to_extend(self, Template, Warranty):
        """{line: warranty} for these extension lines: the customer's active,
        not yet extended warranty of a covered product that ends first, each
        warranty given to one line only, in the order of the lines."""
        covered = self._service_covered_templates(Template)
        lines = self.filtered(lambda sol: sol.product_id.id in covered)
        if not lines:
            return {}
        queues = lines._service_extendable_warranties(Warranty, covered)
        links = {}
        for line in lines:
            customer_id = line.order_id.partner_id.commercial_partner_id.id
            heads = [queues[customer_id, template_id] for template_id in covered[line.product_id.id]]
            heads = [queue for queue in heads if queue]
            if heads:
                links[line] = min(heads, key=lambda queue: queue[0][0]).popleft()[1]
        return links

    def _service_covered_templates(self, Template):
        """{extension product id: ids of the product templates it extends}
        for the products of these lines, in one query."""
        groups = Template._read_group(
            [("service_extension_product_id", "in", self.product_id.ids)],
            ["service_extension_product_id"],
            ["id:array_agg"],
        )
        return {extension.id: template_ids for extension, template_ids in groups}

    def _service_extendable_warranties(self, Warranty, covered):
        """{(customer id, product template id): deque of (rank, warranty)}:
        the active, not yet extended warranties of these lines' customers for
        the `covered` products, in the order they end, read in one query
        with the product the extension check reads."""
        warranties = Warranty.search_fetch(
            [
                ("partner_id", "in", self.order_id.partner_id.commercial_partner_id.ids),
                ("product_tmpl_id", "in", [tid for template_ids in covered.values() for tid in template_ids]),
                ("state", "=", "active"),
                ("extension_line_ids", "=", False),
            ],
            ["partner_id", "product_id", "product_tmpl_id"],
            order="end_date, id",
        )
        queues = defaultdict(deque)
        for rank, warranty in enumerate(warranties):
            queues[warranty.partner_id.id, warranty.product_tmpl_id.id].append((rank, warranty))
        return queues


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _action_confirm(self):
        self.order_line._service_link_warranty_extensions()
        return super()._action_confirm()
