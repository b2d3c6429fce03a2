from odoo import fields, models


class ServiceEraseWizard(models.TransientModel):
    _name = "service.erase.wizard"
    _description = "Erase a Contact's Service Data"

    partner_id = fields.Many2one("res.partner", string="Contact", required=True)
    reason = fields.Text(required=True, help="Kept on the customer's record, e.g. the customer's request.")
    blockers = fields.Text(compute="_compute_blockers")

    def _compute_blockers(self):
        for wizard in self:
            wizard.blockers = "\n".join(wizard.partner_id._service_erase_blockers()) if wizard.partner_id else False

    def action_erase(self):
        self.ensure_one()
        self.partner_id.action_service_erase(self.reason)
        return {"type": "ir.actions.act_window_close"}
