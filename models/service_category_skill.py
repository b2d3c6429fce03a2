from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ServiceCategorySkill(models.Model):
    _name = "service.category.skill"
    _description = "Skill Required by a Service Category"
    _order = "category_id, skill_type_id, skill_id"

    category_id = fields.Many2one("service.category", required=True, index=True, ondelete="cascade")
    skill_type_id = fields.Many2one(
        "hr.skill.type",
        compute="_compute_skill_type_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        ondelete="cascade",
        help="The skill's type. Choosing it first narrows the skills and levels offered.",
    )
    skill_id = fields.Many2one(
        "hr.skill",
        required=True,
        ondelete="cascade",
        domain="[('skill_type_id', '=', skill_type_id)]",
    )
    skill_level_id = fields.Many2one(
        "hr.skill.level",
        string="Minimum Level",
        required=True,
        ondelete="cascade",
        domain="[('skill_type_id', '=', skill_type_id)]",
    )
    level_progress = fields.Integer(related="skill_level_id.level_progress")

    _category_skill_uniq = models.UniqueIndex(
        "(category_id, skill_id)",
        "A category requires each skill only once.",
    )

    @api.depends("skill_id")
    def _compute_skill_type_id(self):
        for line in self:
            line.skill_type_id = line.skill_id.skill_type_id or line.skill_type_id

    @api.onchange("skill_type_id")
    def _onchange_skill_type_id(self):
        if self.skill_id.skill_type_id != self.skill_type_id:
            self.skill_id = False
        if self.skill_level_id.skill_type_id != self.skill_type_id:
            self.skill_level_id = self.skill_type_id.skill_level_ids.filtered("default_level")[:1]

    @api.constrains("skill_id", "skill_level_id", "skill_type_id")
    def _check_skill_type(self):
        for line in self:
            skill_type = line.skill_id.skill_type_id
            if line.skill_level_id.skill_type_id != skill_type:
                raise ValidationError(
                    self.env._(
                        "%(level)s is not a level of %(skill)s: choose one of its type %(type)s (%(levels)s).",
                        level=line.skill_level_id.name,
                        skill=line.skill_id.name,
                        type=skill_type.name,
                        levels=", ".join(skill_type.skill_level_ids.mapped("name")),
                    )
                )
            if line.skill_type_id != skill_type:
                raise ValidationError(
                    self.env._(
                        "%(skill)s is a skill of type %(skill_type)s, not %(type)s.",
                        skill=line.skill_id.name,
                        skill_type=skill_type.name,
                        type=line.skill_type_id.name,
                    )
                )
