from odoo import api, fields, models


class ServiceTicket(models.Model):
    """Contract behaviour of the ticket: the customer's active contract, whose
    policy drives the ticket's SLA before any other policy (DESIGN.md §4)."""

    _inherit = "service.ticket"

    contract_id = fields.Many2one(
        "service.contract",
        compute="_compute_contract_id",
        store=True,
        readonly=False,
        index="btree_not_null",
        tracking=True,
        domain="[('partner_id', 'child_of', commercial_partner_id), ('state', '=', 'active')]",
        help="The customer's active service contract covering this ticket's product.",
    )

    @api.depends("partner_id", "product_id", "company_id")
    def _compute_contract_id(self):
        # sudo: the active contract of the ticket's own customer and company, returned without sudo
        Contract = self.env["service.contract"].sudo()
        for ticket in self:
            if (
                ticket.contract_id
                and ticket.contract_id.state == "active"
                and ticket.contract_id.partner_id.commercial_partner_id == ticket.commercial_partner_id
            ):
                continue
            ticket.contract_id = Contract._active_for(
                ticket.partner_id,
                ticket.product_id,
                ticket.company_id,
            ).sudo(False)

    def _sla_contract_policy(self):
        self.ensure_one()
        # sudo: the policy of the ticket's own contract, for its SLA
        contract = self.sudo().contract_id
        if contract.state == "active" and contract.sla_policy_id:
            return contract.sla_policy_id, self.env._("Service contract %s", contract.name)
        return super()._sla_contract_policy()
