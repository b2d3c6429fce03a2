from random import randint

from odoo import fields, models


class ServiceTag(models.Model):
    _name = "service.tag"
    _description = "Service Ticket Tag"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    color = fields.Integer(default=lambda self: randint(1, 11))
    active = fields.Boolean(default=True)

    _name_uniq = models.UniqueIndex("(name)", "A tag with this name already exists.")
