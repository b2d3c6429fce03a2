from odoo import models


class ResLang(models.Model):
    _inherit = "res.lang"

    def write(self, vals):
        result = super().write(vals)
        if vals.get("active"):
            # a new language gets its knowledge search indexes right away
            self.env["service.article"]._ensure_search_indexes()
        return result
