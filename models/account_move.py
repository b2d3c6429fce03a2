from odoo import fields, models


class AccountMove(models.Model):
    """A credit note issued from a service ticket points back to it."""

    _inherit = "account.move"

    service_ticket_id = fields.Many2one(
        "service.ticket",
        index="btree_not_null",
        copy=False,
        readonly=True,
        ondelete="set null",
    )
    service_awaiting_approval = fields.Boolean(
        string="Awaiting Service Approval",
        copy=False,
        readonly=True,
        help="Above the team's approval amount: stays a draft until a service manager approves it.",
    )

    def action_open_service_ticket(self):
        self.ensure_one()
        return self.service_ticket_id._get_records_action()
