from odoo import fields, models


class ServiceArticleCategory(models.Model):
    _name = "service.article.category"
    _inherit = ["service.tree.mixin"]
    _description = "Knowledge Article Category"
    _parent_store = True
    _order = "sequence, complete_name"
    _rec_name = "complete_name"

    name = fields.Char(required=True, translate=True)
    complete_name = fields.Char(compute="_compute_complete_name", recursive=True, store=True)
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    parent_id = fields.Many2one("service.article.category", string="Parent Category", index=True, ondelete="cascade")
    parent_path = fields.Char(index=True)
    child_ids = fields.One2many("service.article.category", "parent_id", string="Subcategories")
    article_ids = fields.One2many("service.article", "category_id", string="Articles")
    article_count = fields.Integer(compute="_compute_article_count")
    active = fields.Boolean(default=True)

    def _compute_article_count(self):
        counts = (
            dict(
                self.env["service.article"]._read_group(
                    [("category_id", "child_of", self.ids)],
                    ["category_id"],
                    ["__count"],
                )
            )
            if self.ids
            else {}
        )
        for category in self:
            category.article_count = (
                sum(count for cat, count in counts.items() if cat.parent_path.startswith(category.parent_path or "/"))
                if category.id
                else 0
            )
