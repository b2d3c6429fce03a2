from odoo import fields, models


class AccountMove(models.Model):
    """A credit note issued from a service ticket points back to it."""

    _name = "account.move"
    _inherit = ["account.move", "service.remedy.document"]

    service_awaiting_approval = fields.Boolean(
        string="Awaiting Service Approval",
        copy=False,
        readonly=True,
        help="Above the team's approval amount: stays a draft until a service manager approves it.",
    )
