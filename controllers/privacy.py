from werkzeug.exceptions import Forbidden, NotFound

from odoo import http
from odoo.http import content_disposition, request


def _zip_response(content, partner):
    filename = f"service-data-{partner.commercial_partner_id.id}.zip"
    return request.make_response(
        content,
        headers=[
            ("Content-Type", "application/zip"),
            ("Content-Disposition", content_disposition(filename)),
            ("Cache-Control", "no-store"),
        ],
    )


class ServicePrivacy(http.Controller):
    @http.route("/my/service/export", type="http", auth="user", methods=["GET"], website=False, readonly=True)
    def export_my_service_data(self, **_kwargs):
        """A customer downloads everything the service desk keeps about their
        company that the portal shows them: tickets, public messages, contacts,
        ratings, warranties; only their own tickets and contacts when their
        company does not share tickets among its contacts."""
        partner = request.env.user.partner_id
        if not request.env.user._is_portal() and not request.env.user._is_internal():
            return request.not_found()
        # sudo: the data of the logged-in user's own commercial partner only
        content = partner.sudo()._service_export_zip(portal=True)
        return _zip_response(content, partner)

    @http.route(
        "/service_desk/partner/<int:partner_id>/export", type="http", auth="user", methods=["GET"], readonly=True
    )
    def export_customer_service_data(self, partner_id, **_kwargs):
        """A service manager downloads everything the desk keeps about a
        customer company they may read (the "Export Service Data" button):
        built for this answer, stored nowhere."""
        if not request.env.user.has_group("service_desk.group_service_manager"):
            raise Forbidden()
        partner = request.env["res.partner"].browse(partner_id).exists()
        if not partner or not partner.has_access("read"):
            raise NotFound()
        return _zip_response(partner._service_export_zip(), partner)
