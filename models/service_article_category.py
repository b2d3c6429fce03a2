from odoo import fields, models
from odoo.tools import SQL


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
    help_center_visible = fields.Boolean(
        string="On the Help Center",
        compute="_compute_help_center_visible",
        search="_search_help_center_visible",
        help="Holds, itself or in a subcategory, an article customers may read.",
    )

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

    def _compute_help_center_visible(self):
        visible = self.search([("id", "in", self.ids), ("help_center_visible", "=", True)])
        for category in self:
            category.help_center_visible = category in visible

    def _search_help_center_visible(self, operator, value):
        """Categories holding, themselves or in a subcategory, an active,
        published article visible to customers: what portal users and
        visitors may read (record rules)."""
        if operator != "in":
            return NotImplemented
        self.env["service.article"].flush_model(["active", "is_published", "portal_visible", "category_id"])
        self.flush_model(["parent_path"])
        return [
            (
                "id",
                "in",
                SQL(
                    """
                    (SELECT category.id
                       FROM service_article_category category
                      WHERE EXISTS (
                            SELECT 1
                              FROM service_article article
                              JOIN service_article_category holder ON holder.id = article.category_id
                             WHERE article.active AND article.is_published AND article.portal_visible
                               AND holder.parent_path LIKE category.parent_path || %s))
                    """,
                    "%",
                ),
            )
        ]
