from odoo import fields, models


class ServiceCategory(models.Model):
    _name = "service.category"
    _inherit = ["service.tree.mixin"]
    _description = "Service Ticket Category"
    _parent_store = True
    _rec_name = "complete_name"
    _order = "complete_name"

    name = fields.Char(required=True, translate=True)
    complete_name = fields.Char(compute="_compute_complete_name", recursive=True, store=True)
    parent_id = fields.Many2one("service.category", string="Parent Category", index=True, ondelete="cascade")
    parent_path = fields.Char(index=True)
    child_ids = fields.One2many("service.category", "parent_id", string="Subcategories")
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    team_id = fields.Many2one(
        "service.team",
        string="Default Team",
        index="btree_not_null",
        help="Tickets of this category go to this team unless another one is chosen.",
    )
    company_id = fields.Many2one(related="team_id.company_id", store=True, index="btree_not_null")
    skill_line_ids = fields.One2many(
        "service.category.skill",
        "category_id",
        string="Required Skills",
        copy=True,
        help="Skills and minimum levels an agent needs to be routed tickets of this category.",
    )
    portal_visible = fields.Boolean(string="Visible on Portal", default=True)
