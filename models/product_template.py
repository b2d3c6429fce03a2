from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ProductTemplate(models.Model):
    _inherit = "product.template"

    service_warranty_months = fields.Integer(
        string="Warranty (months)",
        help="Months of warranty from the delivery date. Each delivered unit (one per serial "
        "number) gets its warranty when the delivery to the customer is validated. "
        "On a warranty extension product: the months one sale of it adds.",
    )
    service_extension_product_id = fields.Many2one(
        "product.product",
        string="Warranty Extension",
        domain="[('sale_ok', '=', True)]",
        help="Product sold to extend the warranty of this product; selling it for a serial "
        "number adds its own warranty months (else this product's) to that serial's warranty.",
    )
    service_warranty_count = fields.Integer(compute="_compute_service_warranty_count", string="Warranties")

    _service_warranty_months_positive = models.Constraint(
        "CHECK(service_warranty_months >= 0)",
        "Warranty months cannot be negative.",
    )

    @api.constrains("service_extension_product_id")
    def _check_service_extension_product(self):
        for template in self:
            if template.service_extension_product_id.product_tmpl_id == template:
                raise ValidationError(self.env._("A product cannot be its own warranty extension."))

    def _compute_service_warranty_count(self):
        Warranty = self.env["service.warranty"]
        if not Warranty.has_access("read"):
            self.service_warranty_count = 0
            return
        counts = dict(
            Warranty._read_group(
                [("product_id.product_tmpl_id", "in", self.ids)],
                ["product_tmpl_id"],
                ["__count"],
            )
        )
        for template in self:
            template.service_warranty_count = counts.get(template, 0)

    def action_open_service_warranties(self):
        self.ensure_one()
        return self.env["service.warranty"]._action_open(
            [("product_tmpl_id", "=", self.id)],
            {"search_default_filter_active": 1},
        )


class ProductTemplateOwnership(models.Model):
    _inherit = "product.template"

    service_warranty_transferable = fields.Boolean(
        string="Warranty Follows the Serial",
        default=True,
        help="When an ownership transfer case is closed, the serial's warranty moves to the new owner.",
    )


class ProductTemplateReplacement(models.Model):
    _inherit = "product.template"

    service_replacement_warranty = fields.Selection(
        [("continue", "Continues the replaced unit's"), ("fresh", "Starts afresh")],
        string="Replacement Warranty",
        default="continue",
        help="A unit shipped to replace a returned one under warranty either keeps the end date "
        "of the warranty it replaces (also when left empty) or gets a full warranty from its own delivery.",
    )
