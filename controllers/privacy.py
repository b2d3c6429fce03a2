from odoo import http
from odoo.http import content_disposition, request


class ServicePrivacy(http.Controller):
    @http.route("/my/service/export", type="http", auth="user", methods=["GET"], website=False)
    def export_my_service_data(self, **_kwargs):
        """A customer downloads everything the service desk keeps about their
        company that the portal shows them: tickets, public messages, contacts,
        ratings, warranties; only their own tickets and contacts when their
        company does not share tickets among its contacts."""
        partner = request.env.user.partner_id
        if not request.env.user._is_portal() and not request.env.user._is_internal():
            return request.not_found()
        content = partner.sudo()._service_export_zip(portal=True)
        filename = f"service-data-{partner.commercial_partner_id.id}.zip"
        return request.make_response(
            content,
            headers=[
                ("Content-Type", "application/zip"),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )
