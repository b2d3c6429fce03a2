from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command


class ServiceMacroApply(models.TransientModel):
    _name = "service.macro.apply"
    _description = "Apply a Canned Reply"

    ticket_ids = fields.Many2many("service.ticket", string="Tickets", required=True)
    team_ids = fields.Many2many("service.team", compute="_compute_team_ids")
    macro_id = fields.Many2one(
        "service.macro",
        string="Canned Reply",
        required=True,
        domain="['|', ('team_ids', '=', False), ('team_ids', 'in', team_ids)]",
    )
    preview = fields.Html(compute="_compute_preview")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "ticket_ids" in fields_list and self.env.context.get("active_model") == "service.ticket":
            values["ticket_ids"] = [Command.set(self.env.context.get("active_ids") or [])]
        return values

    @api.depends("ticket_ids")
    def _compute_team_ids(self):
        for wizard in self:
            wizard.team_ids = wizard.ticket_ids.team_id

    @api.depends("macro_id", "ticket_ids")
    def _compute_preview(self):
        for wizard in self:
            ticket = wizard.ticket_ids[:1]
            wizard.preview = wizard.macro_id._render_for(ticket._origin) if wizard.macro_id and ticket else False

    def action_apply(self):
        self.ensure_one()
        if not self.ticket_ids:
            raise UserError(self.env._("Select at least one ticket."))
        self.macro_id.apply_to(self.ticket_ids)
        return {"type": "ir.actions.act_window_close"}
