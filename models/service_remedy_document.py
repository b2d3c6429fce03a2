from odoo import fields, models


class ServiceRemedyDocument(models.AbstractModel):
    """A document made from a service ticket (return or replacement, credit
    note, repair): it points back to the ticket and opens it."""

    _name = "service.remedy.document"
    _description = "Document of a Service Ticket"

    service_ticket_id = fields.Many2one(
        "service.ticket",
        index="btree_not_null",
        copy=False,
        readonly=True,
        ondelete="set null",
    )

    def action_open_service_ticket(self):
        self.ensure_one()
        return self.service_ticket_id._get_records_action()
