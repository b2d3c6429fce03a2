from odoo import api, models
from odoo.exceptions import ValidationError


class ServiceTreeMixin(models.AbstractModel):
    """Categories in a tree, shown by their full path ("Printers / Laser").
    Models using it define `name`, `parent_id` and a stored `complete_name`
    computed by `_compute_complete_name`."""

    _name = "service.tree.mixin"
    _description = "Service Category Tree"

    @api.depends("name", "parent_id.complete_name")
    def _compute_complete_name(self):
        for category in self:
            if category.parent_id:
                category.complete_name = f"{category.parent_id.complete_name} / {category.name}"
            else:
                category.complete_name = category.name

    @api.model
    def name_create(self, name):
        """Quick creation from a many2one field, where the list shows full
        paths: "Printers / Laser" becomes "Laser" under "Printers" when
        that category exists, else a category named as typed."""
        parent_path, separator, own_name = name.rpartition(" / ")
        parent = self.search([("complete_name", "=", parent_path.strip())], limit=1) if separator else self.browse()
        category = self.create({"name": own_name.strip() if parent else name.strip(), "parent_id": parent.id})
        return category.id, category.display_name

    @api.constrains("parent_id")
    def _check_parent_recursion(self):
        if self._has_cycle():
            raise ValidationError(self.env._("A category cannot be its own ancestor."))
