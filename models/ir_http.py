from odoo import models


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _get_translation_frontend_modules_name(cls):
        # the help center's and portal's scripts say their words in the page's language
        return [*super()._get_translation_frontend_modules_name(), "service_desk"]
