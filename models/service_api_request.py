from odoo import api, fields, models


class ServiceApiRequest(models.Model):
    """A ticket created through the API under an idempotency key: a retried
    request with the same key gets the first answer instead of a duplicate."""

    _name = "service.api.request"
    _description = "Service Desk API Request"
    _order = "id desc"
    _rec_name = "idempotency_key"

    idempotency_key = fields.Char(required=True, readonly=True)
    user_id = fields.Many2one("res.users", required=True, readonly=True, ondelete="cascade")
    ticket_id = fields.Many2one("service.ticket", readonly=True, ondelete="set null")
    response_status = fields.Integer(readonly=True)
    response_body = fields.Json(readonly=True)

    _key_user_uniq = models.UniqueIndex(
        "(user_id, idempotency_key)",
        "This idempotency key was already used by this user.",
    )

    @api.autovacuum
    def _gc_old_requests(self):
        """Keys are kept a week: long enough for any retry."""
        self.search([("create_date", "<", fields.Datetime.subtract(fields.Datetime.now(), days=7))]).unlink()
