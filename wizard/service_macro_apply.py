from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import is_html_empty


class ServiceMacroApply(models.TransientModel):
    _name = "service.macro.apply"
    _inherit = ["service.ticket.selection.mixin"]
    _description = "Apply a Canned Reply"

    team_ids = fields.Many2many("service.team", compute="_compute_team_ids")
    macro_id = fields.Many2one(
        "service.macro",
        string="Canned Reply",
        required=True,
        domain="['|', ('team_ids', '=', False), ('team_ids', 'in', team_ids)]",
    )
    preview = fields.Html(compute="_compute_preview")

    @api.depends("ticket_ids")
    def _compute_team_ids(self):
        for wizard in self:
            wizard.team_ids = wizard.ticket_ids.team_id

    @api.depends("macro_id", "ticket_ids")
    def _compute_preview(self):
        """The text for the first ticket, then every action applying the
        canned reply takes, so that nothing it does comes as a surprise."""
        for wizard in self:
            macro, tickets = wizard.macro_id, wizard.ticket_ids._origin
            if not macro or not tickets:
                wizard.preview = False
                continue
            actions = macro._action_descriptions(tickets)
            preview = macro._render_for(tickets[:1]) if not is_html_empty(macro.body) else Markup("")
            if actions:
                preview += Markup(
                    '<p class="mt-3 mb-1"><strong>%s</strong></p><ul class="o_service_macro_actions">%s</ul>'
                ) % (
                    self.env._("Applying it:"),
                    Markup("").join(Markup("<li>%s</li>") % action for action in actions),
                )
            wizard.preview = preview

    def action_apply(self):
        self.ensure_one()
        if not self.ticket_ids:
            raise UserError(self.env._("Select at least one ticket."))
        self.macro_id.apply_to(self.ticket_ids)
        return {"type": "ir.actions.act_window_close"}
