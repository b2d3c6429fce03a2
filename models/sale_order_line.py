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
        warranty of a covered product that ends first and is not extended yet."""
        Template = self.env["product.template"].sudo()
        Warranty = self.env["service.warranty"].sudo()
        for line in self.filtered(lambda sol: not sol.service_warranty_id and sol.product_id):
            covered = Template.search([("service_extension_product_id", "=", line.product_id.id)])
            if not covered:
                continue
            warranty = Warranty.search(
                [
                    ("partner_id", "=", line.order_id.partner_id.commercial_partner_id.id),
                    ("product_tmpl_id", "in", covered.ids),
                    ("state", "=", "active"),
                    ("extension_line_ids", "=", False),
                ],
                order="end_date, id",
                limit=1,
            )
            if warranty:
                line.service_warranty_id = warranty


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _action_confirm(self):
        self.order_line._service_link_warranty_extensions()
        return super()._action_confirm()
