"""Customer portal: asking for a return, exchange, refund or repair of goods
delivered to the customer's company.

The form lists the customer's own deliveries (searched by the model with the
visitor's commercial partner); the POST hands what was ticked to
`service.ticket._service_create_remedy_request`, which checks every line and
photo and creates the ticket, or refuses with the reason and creates nothing.
The ticket page shows the remedies' progress (template
service_desk.portal_my_service_ticket_remedies).
"""

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from ..models.service_ticket_remedy_request import MAX_REMEDY_PHOTOS
from .portal_warranty import ServiceDeskWarrantyPortal


class ServiceDeskRemedyPortal(ServiceDeskWarrantyPortal):
    @staticmethod
    def _service_remedy_key(move_id, lot_id):
        return f"{move_id}-{lot_id or 0}"

    def _service_remedy_form(self, kw):
        """The form as typed: remedy, reason, order filter, ticked rows and their quantities."""
        form = request.httprequest.form
        selected = form.getlist("line") if request.httprequest.method == "POST" else []
        if not selected and kw.get("move_id"):
            selected = [self._service_remedy_key(kw["move_id"], kw.get("lot_id"))]
        return {
            "remedy": kw.get("remedy") or "return",
            "reason": kw.get("reason") or "",
            "sale_order_id": kw.get("sale_order_id") or "",
            "lot_id": kw.get("lot_id") or "",
            "selected": selected,
            "quantities": {key[len("quantity_") :]: value for key, value in kw.items() if key.startswith("quantity_")},
        }

    def _service_remedy_values(self, form, error=None):
        env = request.env
        Ticket = env["service.ticket"]
        try:
            order_id = int(form["sale_order_id"]) if form["sale_order_id"] else None
        except ValueError:
            order_id = None
        rows = Ticket._service_remedy_candidates(env.user.partner_id, sale_order_id=order_id)
        for row in rows:
            row["key"] = self._service_remedy_key(row["move"].id, row["lot"].id)
        if form["lot_id"]:
            # the serial chosen on the warranty page: its row is ticked whatever the delivery
            keys = [row["key"] for row in rows if str(row["lot"].id) == form["lot_id"]]
            form["selected"] = form["selected"] + keys
        return self._service_portal_layout_values(
            page_name="service_remedy",
            form=form,
            rows=rows,
            remedies=Ticket._fields["remedy_request"]._description_selection(env),
            service_error=error,
            max_photos=MAX_REMEDY_PHOTOS,
            max_size_label=self._service_human_size(self._service_attachment_max_size()),
        )

    @http.route("/my/service/remedy", type="http", auth="user", methods=["GET"], website=True, readonly=True)
    def portal_service_remedy(self, **kw):
        form = self._service_remedy_form(kw)
        return request.render("service_desk.portal_service_remedy", self._service_remedy_values(form))

    @http.route("/my/service/remedy", type="http", auth="user", methods=["POST"], website=True)
    def portal_service_remedy_create(self, **kw):
        env = request.env
        form = self._service_remedy_form(kw)
        lines = []
        for key in form["selected"]:
            move_id, __, lot_id = key.partition("-")
            lines.append({"move_id": move_id, "lot_id": lot_id, "quantity": form["quantities"].get(key)})
        try:
            photos = [(name, content) for name, content, __ in self._service_read_uploads("photos")]
            ticket_sudo = env["service.ticket"]._service_create_remedy_request(
                env.user.partner_id, form["remedy"], lines, form["reason"], photos
            )
        except UserError as e:
            form["lot_id"] = ""
            response = request.render(
                "service_desk.portal_service_remedy", self._service_remedy_values(form, error=e.args[0])
            )
            response.status_code = 400
            return response
        return request.redirect(f"/my/service/tickets/{ticket_sudo.id}?message=created")
