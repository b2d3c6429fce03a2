"""Customer portal: the customer's warranties and service contracts.

Neither model is a portal document (no access token): lists and counters
show the warranties and contracts of the visitor's own company, searched
with the visitor's rights (record rules in security/warranty_security.xml);
a detail page answers 404 with no data unless that search finds the record.
Records are read with sudo only once found, to show their products, serials
and SLA policy, which portal users may not read themselves.
"""

from collections import OrderedDict

from odoo import http
from odoo.http import request

from odoo.addons.portal.controllers.portal import pager as portal_pager

from .portal import ServiceDeskCustomerPortal

TICKETS_ON_WARRANTY_PAGE = 20


class ServiceDeskWarrantyPortal(ServiceDeskCustomerPortal):
    # ------------------------------------------------------------------
    # /my home
    # ------------------------------------------------------------------

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        partner = request.env.user.partner_id
        for counter, model in (
            ("service_warranty_count", "service.warranty"),
            ("service_contract_count", "service.contract"),
        ):
            if counter in counters:
                Model = request.env[model]
                values[counter] = Model.search_count(Model._portal_domain(partner)) if Model.has_access("read") else 0
        return values

    # ------------------------------------------------------------------
    # Shared by both lists
    # ------------------------------------------------------------------

    def _service_find_own(self, model, record_id):
        """The record with the visitor's rights, sudoed; None when they may not see it."""
        Model = request.env[model]
        if not Model.has_access("read"):
            return None
        record = Model.search([("id", "=", record_id)], limit=1)
        # sudo: a record just found with the visitor's rights
        return record.sudo() if record else None

    def _service_render_list(
        self, model, url, template, page, sortby, filterby, sortings, filter_labels, records_key, page_name
    ):
        Model = request.env[model]
        domains = Model._portal_filter_domains()
        filters = OrderedDict((key, {"label": label, "domain": domains[key]}) for key, label in filter_labels.items())
        sortby = sortby if sortby in sortings else next(iter(sortings))
        filterby = filterby if filterby in filters else "all"
        domain = Model._portal_domain(request.env.user.partner_id) & filters[filterby]["domain"]
        count = Model.search_count(domain) if Model.has_access("read") else 0
        pager = portal_pager(
            url=url,
            url_args={"sortby": sortby, "filterby": filterby},
            total=count,
            page=page,
            step=self._items_per_page,
        )
        records = (
            Model.search(domain, order=sortings[sortby]["order"], limit=self._items_per_page, offset=pager["offset"])
            if count
            else Model
        )
        # sudo: records searched with the visitor's rights, read to show products, serials and policy
        values = self._service_portal_layout_values(
            **{
                "page_name": page_name,
                records_key: records.sudo(),
                "pager": pager,
                "default_url": url,
                "searchbar_sortings": sortings,
                "sortby": sortby,
                "searchbar_filters": filters,
                "filterby": filterby,
            }
        )
        return request.render(template, values)

    # ------------------------------------------------------------------
    # Warranties
    # ------------------------------------------------------------------

    def _service_warranty_sortings(self):
        env = request.env
        return {
            "end": {"label": env._("Ending Soonest"), "order": "end_date asc, id desc"},
            "start": {"label": env._("Newest Delivery"), "order": "start_date desc, id desc"},
            "product": {"label": env._("Product"), "order": "product_id, id desc"},
        }

    def _service_warranty_filters(self):
        env = request.env
        return {
            "all": env._("All"),
            "active": env._("Active"),
            "expiring": env._("Expiring Soon"),
            "expired": env._("Expired"),
        }

    @http.route(
        ["/my/service/warranties", "/my/service/warranties/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_service_warranties(self, page=1, sortby=None, filterby=None, **kw):
        return self._service_render_list(
            "service.warranty",
            "/my/service/warranties",
            "service_desk.portal_my_service_warranties",
            page,
            sortby,
            filterby,
            self._service_warranty_sortings(),
            self._service_warranty_filters(),
            "warranties",
            "service_warranty",
        )

    @http.route("/my/service/warranties/<int:warranty_id>", type="http", auth="user", website=True, readonly=True)
    def portal_my_service_warranty(self, warranty_id, **kw):
        warranty_sudo = self._service_find_own("service.warranty", warranty_id)
        if warranty_sudo is None:
            return request.not_found()
        Ticket = request.env["service.ticket"]
        tickets = (
            Ticket.search(
                warranty_sudo._portal_tickets_domain(),
                order="create_date desc, id desc",
                limit=TICKETS_ON_WARRANTY_PAGE,
            )
            if Ticket.has_access("read")
            else Ticket
        )
        values = self._service_portal_layout_values(
            page_name="service_warranty",
            warranty=warranty_sudo,
            expiring=warranty_sudo._portal_is_expiring(),
            tickets=tickets,
            request_url=warranty_sudo._portal_request_url(),
        )
        return request.render("service_desk.portal_my_service_warranty", values)

    # ------------------------------------------------------------------
    # Contracts
    # ------------------------------------------------------------------

    def _service_contract_sortings(self):
        env = request.env
        return {
            "end": {"label": env._("End Date"), "order": "date_end desc, id desc"},
            "start": {"label": env._("Start Date"), "order": "date_start desc, id desc"},
            "name": {"label": env._("Reference"), "order": "name, id desc"},
        }

    def _service_contract_filters(self):
        env = request.env
        return {
            "all": env._("All"),
            "active": env._("Active"),
            "expiring": env._("Ending Soon"),
            "expired": env._("Ended"),
        }

    @http.route(
        ["/my/service/contracts", "/my/service/contracts/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_service_contracts(self, page=1, sortby=None, filterby=None, **kw):
        return self._service_render_list(
            "service.contract",
            "/my/service/contracts",
            "service_desk.portal_my_service_contracts",
            page,
            sortby,
            filterby,
            self._service_contract_sortings(),
            self._service_contract_filters(),
            "contracts",
            "service_contract",
        )

    @http.route("/my/service/contracts/<int:contract_id>", type="http", auth="user", website=True, readonly=True)
    def portal_my_service_contract(self, contract_id, **kw):
        contract_sudo = self._service_find_own("service.contract", contract_id)
        if contract_sudo is None:
            return request.not_found()
        values = self._service_portal_layout_values(
            page_name="service_contract",
            contract=contract_sudo,
            sla_targets=contract_sudo._portal_sla_targets(),
        )
        return request.render("service_desk.portal_my_service_contract", values)
