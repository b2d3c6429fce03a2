from odoo import api, fields, models
from odoo.exceptions import UserError


class ServiceTicketMerge(models.TransientModel):
    """Merge tickets of one customer company: the agent chooses the ticket
    to keep (the oldest by default) and sees why a merge is refused before
    trying it. The rules are the ticket's (service.ticket._merge_check)."""

    _name = "service.ticket.merge"
    _inherit = ["service.ticket.selection.mixin"]
    _description = "Merge Service Tickets"

    target_id = fields.Many2one(
        "service.ticket",
        string="Ticket to Keep",
        compute="_compute_target_id",
        store=True,
        readonly=False,
        domain="[('id', 'in', ticket_ids)]",
        help="The other tickets are merged into this one and closed.",
    )
    refusal = fields.Text(compute="_compute_refusal", string="Why not")

    @api.depends("ticket_ids")
    def _compute_target_id(self):
        for wizard in self:
            tickets = wizard.ticket_ids._origin
            if wizard.target_id._origin not in tickets or not wizard.target_id:
                wizard.target_id = tickets.sorted(lambda t: (t.create_date, t.id))[:1]

    @api.depends("ticket_ids", "target_id")
    def _compute_refusal(self):
        for wizard in self:
            tickets, target = wizard.ticket_ids._origin, wizard.target_id._origin
            if len(tickets) < 2:
                wizard.refusal = self.env._("Choose at least two tickets of one customer company.")
            else:
                wizard.refusal = (tickets - target)._merge_refusal(target) or False

    def action_merge(self):
        self.ensure_one()
        tickets, target = self.ticket_ids, self.target_id
        if len(tickets) < 2:
            raise UserError(self.env._("Choose at least two tickets of one customer company."))
        (tickets - target).action_merge_into(target)
        return target._get_records_action()
