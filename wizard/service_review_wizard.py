from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError


class ServiceReviewWizard(models.TransientModel):
    _name = "service.review.wizard"
    _description = "Print a Customer Service Review"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    date_from = fields.Date(required=True, default=lambda self: fields.Date.context_today(self) - timedelta(days=90))
    date_to = fields.Date(required=True, default=fields.Date.context_today)

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise UserError(self.env._("The review period ends before it starts."))

    def action_print(self):
        """The review of the customer for the period. A report action with
        data is printed by the web client without record ids in its URL: the
        customer goes with the data, where the report reads it."""
        self.ensure_one()
        return self.env.ref("service_desk.action_report_service_review").report_action(
            self.partner_id,
            data={
                "partner_ids": self.partner_id.ids,
                "date_from": fields.Date.to_string(self.date_from),
                "date_to": fields.Date.to_string(self.date_to),
            },
        )
