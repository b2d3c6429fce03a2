from markupsafe import Markup

from odoo import models


class RepairOrder(models.Model):
    """A repair opened from a service ticket points back to it."""

    _name = "repair.order"
    _inherit = ["repair.order", "service.remedy.document"]

    def _action_repair_confirm(self):
        """A repair of a service ticket that is not covered sends its quotation
        to the customer when it is confirmed, with the parts planned."""
        to_quote = self.filtered(
            lambda r: r.state == "draft" and r.service_ticket_id and not r.under_warranty and not r.sale_order_id
        )
        result = super()._action_repair_confirm()
        for repair in to_quote:
            repair._service_send_quotation()
        return result

    def _service_send_quotation(self):
        """Odoo's quotation of the repair, sent to the customer to accept or
        refuse on their portal; the ticket records it."""
        self.ensure_one()
        self.action_create_sale_order()
        order = self.sale_order_id
        order._send_order_notification_mail(order._find_mail_template(), allow_deferred_sending=False)
        if order.state == "draft":
            order.action_quotation_sent()
        # sudo: the quotation is recorded on the repair's ticket, whoever confirmed the repair
        self.service_ticket_id.sudo()._service_log_remedy(
            Markup(self.env._("Quotation %(order)s of repair %(repair)s sent to the customer for approval."))
            % {"order": order._get_html_link(), "repair": self._get_html_link()}
        )

    def action_repair_done(self):
        """Each finished repair is recorded on its ticket, and resolves it
        when its team says so."""
        result = super().action_repair_done()
        for repair in self.filtered("service_ticket_id"):
            # sudo: a finished repair is recorded on its ticket, whoever repaired it
            repair.service_ticket_id.sudo()._service_repair_done(repair)
        return result
