from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ServiceCategorySkill(models.Model):
    _name = "service.category.skill"
    _description = "Skill Required by a Service Category"
    _order = "category_id, skill_type_id, skill_id"

    category_id = fields.Many2one("service.category", required=True, index=True, ondelete="cascade")
    skill_type_id = fields.Many2one("hr.skill.type", required=True, ondelete="cascade")
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

    @api.onchange("skill_type_id")
    def _onchange_skill_type_id(self):
        if self.skill_id.skill_type_id != self.skill_type_id:
            self.skill_id = False
        if self.skill_level_id.skill_type_id != self.skill_type_id:
            self.skill_level_id = self.skill_type_id.skill_level_ids.filtered("default_level")[:1]

    @api.constrains("skill_id", "skill_level_id", "skill_type_id")
    def _check_skill_type(self):
        for line in self:
            if (
                line.skill_id.skill_type_id != line.skill_type_id
                or line.skill_level_id.skill_type_id != line.skill_type_id
            ):
                raise ValidationError(
                    self.env._(
                        "Skill %(skill)s and level %(level)s must both belong to skill type %(type)s.",
                        skill=line.skill_id.name,
                        level=line.skill_level_id.name,
                        type=line.skill_type_id.name,
                    )
                )
