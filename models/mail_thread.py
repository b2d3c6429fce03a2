from odoo import api, models


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def _routing_check_route(self, message, message_dict, route, raise_exception=True):
        """An email the gateway routes to a ticket merged into another (a
        reply to its emails, found by In-Reply-To or References) lands on
        the ticket it was merged into (service.ticket._merge_route). Replies
        are checked here, on mail.thread, not on the ticket's model."""
        route = super()._routing_check_route(message, message_dict, route, raise_exception=raise_exception)
        if route and route[0] == "service.ticket" and route[1]:
            return self.env["service.ticket"]._merge_route(route)
        return route
