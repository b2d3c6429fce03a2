"""Customer portal of the service desk: /my/service/...

Every page and form checks access through `_document_check_access` (record
rules, else the ticket's access token) and answers 404 with no data for a
ticket the visitor may not see; every state change is a POST with its CSRF
token (Odoo's default for `type='http'` routes). Business rules live on the
ticket (models/service_ticket_portal.py); this controller only reads the
forms and renders the answers.

Extension point for other portal features (warranties, contracts): override
`_prepare_home_portal_values` for their /my counter and add their card to the
`service_desk.portal_my_home_service` template's `#portal_service_category`
row (through `service_desk.portal_service_docs_entry`, which shows the count);
`_service_portal_layout_values` is shared by every page here.

Pages and lists only read: they are read-only routes, which Odoo serves from
a PostgreSQL replica when one is configured (``--db_replica_host``). The page
a form redirects to after a write (its URL carries ``message`` or ``saved``)
is read from the primary instead, so that the customer sees what they just
did however late the replica is (`_service_readonly_unless_just_written`,
docs/replica.md).
"""

from collections import OrderedDict
from urllib.parse import urlencode

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.fields import Domain
from odoo.http import content_disposition, request
from odoo.tools import groupby as groupbyelem
from odoo.tools import plaintext2html

from odoo.addons.portal.controllers import portal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..models.service_ticket_portal import PORTAL_TICKET_TYPES

# Files a customer attaches: the size of each one, configurable by the
# `service_desk.portal_attachment_max_size` system parameter (bytes).
DEFAULT_ATTACHMENT_MAX_SIZE = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10
PORTAL_CHANNELS = ("email", "phone", "portal", "chat")

# parameters of the URL a form redirects to after a write: that page reads the primary
SERVICE_AFTER_WRITE_PARAMS = ("message", "saved")

# fields of the portal's new-ticket form, kept as typed when the form is shown again
SERVICE_NEW_TICKET_FIELDS = (
    "name",
    "description",
    "ticket_type",
    "team_id",
    "category_id",
    "product_id",
    "lot_id",
    "sale_order_id",
)


class ServiceDeskCustomerPortal(portal.CustomerPortal):
    # ------------------------------------------------------------------
    # /my home
    # ------------------------------------------------------------------

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "service_ticket_count" in counters:
            Ticket = request.env["service.ticket"]
            values["service_ticket_count"] = (
                Ticket.search_count(Ticket._portal_filter_domains()["all"]) if Ticket.has_access("read") else 0
            )
        return values

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _service_readonly_unless_just_written(self, rule, args):
        """``readonly`` of a page that forms redirect to: read from the
        replica, except right after the visitor's own write (the redirect
        carries one of SERVICE_AFTER_WRITE_PARAMS), when a lagging replica
        would not show it yet."""
        query = request.httprequest.args
        return not any(query.get(param) for param in SERVICE_AFTER_WRITE_PARAMS)

    def _service_check_ticket(self, ticket_id, access_token=None):
        """The ticket, sudoed, if the visitor may see it; None otherwise."""
        try:
            return self._document_check_access("service.ticket", ticket_id, access_token=access_token)
        except (AccessError, MissingError):
            return None

    def _service_ticket_url(self, ticket_sudo, access_token=None, **params):
        if access_token:
            params["access_token"] = access_token
        query = f"?{urlencode(params)}" if params else ""
        return f"/my/service/tickets/{ticket_sudo.id}{query}"

    def _service_attachment_max_size(self):
        # sudo: a system parameter, no user data; a value that is not a number falls back
        value = request.env["ir.config_parameter"].sudo().get_param("service_desk.portal_attachment_max_size")
        try:
            return int(value) if value else DEFAULT_ATTACHMENT_MAX_SIZE
        except ValueError:
            return DEFAULT_ATTACHMENT_MAX_SIZE

    def _service_read_uploads(self, field="attachments"):
        """[(name, content, mimetype)] of the uploaded files; UserError when too many or too large."""
        files = [f for f in request.httprequest.files.getlist(field) if f and f.filename]
        env = request.env
        if len(files) > MAX_ATTACHMENTS:
            raise UserError(env._("You can attach at most %s files.", MAX_ATTACHMENTS))
        max_size = self._service_attachment_max_size()
        uploads = []
        for upload in files:
            content = upload.read(max_size + 1)
            if len(content) > max_size:
                raise UserError(
                    env._(
                        "%(file)s is too large: files may not exceed %(size)s.",
                        file=upload.filename,
                        size=self._service_human_size(max_size),
                    )
                )
            uploads.append((upload.filename, content, upload.mimetype))
        return uploads

    @staticmethod
    def _service_human_size(size):
        if size >= 1024 * 1024:
            return f"{size / (1024 * 1024):.0f} MB"
        if size >= 1024:
            return f"{size / 1024:.0f} KB"
        return f"{size} B"

    def _service_attach(self, ticket_sudo, uploads):
        if not uploads:
            return request.env["ir.attachment"]
        # sudo: files of a ticket _service_check_ticket allowed, or just created for the user
        return (
            request.env["ir.attachment"]
            .sudo()
            .create(
                [
                    {
                        "name": name,
                        "raw": content,
                        "mimetype": mimetype,
                        "res_model": "service.ticket",
                        "res_id": ticket_sudo.id,
                    }
                    for name, content, mimetype in uploads
                ]
            )
        )

    def _service_portal_layout_values(self, **values):
        result = self._prepare_portal_layout_values()
        result.update(values)
        return result

    # ------------------------------------------------------------------
    # Ticket list
    # ------------------------------------------------------------------

    def _service_searchbar_sortings(self):
        env = request.env
        return {
            "date": {"label": env._("Newest"), "order": "create_date desc, id desc"},
            "update": {"label": env._("Last Update"), "order": "write_date desc, id desc"},
            "number": {"label": env._("Number"), "order": "number desc, id desc"},
            "stage": {"label": env._("Stage"), "order": "stage_id, id desc"},
            "promised": {"label": env._("Promised Response"), "order": "sla_deadline asc, id desc"},
        }

    def _service_searchbar_filters(self):
        env = request.env
        labels = {
            "all": env._("All"),
            "open": env._("Open"),
            "waiting": env._("Waiting on Me"),
            "resolved": env._("Resolved"),
            "closed": env._("Closed"),
        }
        domains = env["service.ticket"]._portal_filter_domains()
        return OrderedDict((key, {"label": labels[key], "domain": domains[key]}) for key in labels)

    def _service_searchbar_groupby(self):
        env = request.env
        return {
            "none": {"label": env._("None"), "field": None},
            "stage": {"label": env._("Stage"), "field": "stage_id"},
            "team": {"label": env._("Team"), "field": "team_id"},
            "type": {"label": env._("Kind"), "field": "ticket_type"},
        }

    def _service_searchbar_inputs(self):
        env = request.env
        return {
            "all": {"input": "all", "label": env._("Search in All")},
            "number": {"input": "number", "label": env._("Search in Number")},
            "name": {"input": "name", "label": env._("Search in Subject")},
        }

    def _service_search_domain(self, search_in, search):
        if not search:
            return Domain.TRUE
        if search_in == "number":
            return Domain("number", "ilike", search)
        if search_in == "name":
            return Domain("name", "ilike", search)
        return Domain("number", "ilike", search) | Domain("name", "ilike", search)

    @http.route(
        ["/my/service/tickets", "/my/service/tickets/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_service_tickets(
        self, page=1, sortby=None, filterby=None, search=None, search_in="all", groupby="none", **kw
    ):
        Ticket = request.env["service.ticket"]
        sortings = self._service_searchbar_sortings()
        filters = self._service_searchbar_filters()
        groupbys = self._service_searchbar_groupby()
        inputs = self._service_searchbar_inputs()
        sortby = sortby if sortby in sortings else "date"
        filterby = filterby if filterby in filters else "all"
        groupby = groupby if groupby in groupbys else "none"
        search_in = search_in if search_in in inputs else "all"

        domain = filters[filterby]["domain"] & self._service_search_domain(search_in, search)
        count = Ticket.search_count(domain) if Ticket.has_access("read") else 0
        pager = portal_pager(
            url="/my/service/tickets",
            url_args={
                "sortby": sortby,
                "filterby": filterby,
                "search_in": search_in,
                "search": search,
                "groupby": groupby,
            },
            total=count,
            page=page,
            step=self._items_per_page,
        )
        order = sortings[sortby]["order"]
        group_field = groupbys[groupby]["field"]
        if group_field:
            order = f"{group_field}, {order}"
        tickets = (
            Ticket.search(domain, order=order, limit=self._items_per_page, offset=pager["offset"]) if count else Ticket
        )
        request.session["my_service_tickets_history"] = tickets.ids[:100]
        if group_field:
            grouped_tickets = [Ticket.concat(*group) for __, group in groupbyelem(tickets, lambda t: t[group_field])]
        else:
            grouped_tickets = [tickets] if tickets else []
        values = self._service_portal_layout_values(
            page_name="service_ticket",
            tickets=tickets,
            grouped_tickets=grouped_tickets,
            groupby=groupby,
            promised=tickets._portal_promised_response(),
            type_labels=dict(Ticket._fields["ticket_type"]._description_selection(request.env)),
            pager=pager,
            default_url="/my/service/tickets",
            searchbar_sortings=sortings,
            sortby=sortby,
            searchbar_filters=filters,
            filterby=filterby,
            searchbar_groupby=groupbys,
            searchbar_inputs=inputs,
            search_in=search_in,
            search=search,
        )
        return request.render("service_desk.portal_my_service_tickets", values)

    # ------------------------------------------------------------------
    # Ticket page and its actions
    # ------------------------------------------------------------------

    @http.route(
        "/my/service/tickets/<int:ticket_id>",
        type="http",
        auth="public",
        website=True,
        readonly=_service_readonly_unless_just_written,
    )
    def portal_my_service_ticket(self, ticket_id, access_token=None, message=None, error=None, **kw):
        ticket_sudo = self._service_check_ticket(ticket_id, access_token)
        if ticket_sudo is None:
            if request.env.user._is_public() and not access_token:
                return request.redirect(f"/web/login?redirect=/my/service/tickets/{ticket_id}")
            return request.not_found()
        kept_sudo = ticket_sudo._portal_merged_into(request.env.user)
        if kept_sudo:
            return request.redirect(self._service_ticket_url(kept_sudo))
        return self._service_render_ticket(ticket_sudo, access_token, message=message, error=error, **kw)

    def _service_render_ticket(self, ticket_sudo, access_token, message=None, error=None, status=200, **kw):
        env = request.env
        rated = ticket_sudo.rating_ids.filtered("consumed")[:1]
        attachments = ticket_sudo._portal_visible_attachments()
        values = {
            "page_name": "service_ticket",
            "ticket": ticket_sudo,
            "attachments": attachments,
            "promised": ticket_sudo._portal_promised_response().get(ticket_sudo.id),
            "reopen_window_end": ticket_sudo._reopen_window_end(),
            "can_confirm": ticket_sudo.is_resolved and not ticket_sudo.is_closed,
            "can_reopen": (ticket_sudo.is_resolved or ticket_sudo.is_closed) and not ticket_sudo.merged_into_id,
            "rating": rated,
            "can_rate": ticket_sudo._portal_may_rate(),
            # the rating the resolution email asked for; none yet: the page offers the rate form
            "rating_token": ticket_sudo._portal_rating_token(),
            "type_labels": dict(ticket_sudo._fields["ticket_type"]._description_selection(env)),
            "service_message": message,
            "service_error": error,
            "ticket_access_token": access_token,
            "disable_composer": True,
        }
        # no session history for Odoo's pager, which writes an access token on
        # each neighbour that has none: this page's own pager only reads
        values = self._get_page_view_values(ticket_sudo, access_token, values, None, False, **kw)
        values.update(self._service_ticket_pager(ticket_sudo, access_token))
        values = self._service_portal_layout_values(**values)
        response = request.render("service_desk.portal_my_service_ticket", values)
        response.status_code = status
        return response

    def _service_ticket_pager(self, ticket_sudo, access_token):
        """Links to the previous and next tickets of the customer's last
        list, as the portal's record pager shows them. The customer sees
        them by their rights: no access token in the links (none is made)."""
        history = request.session.get("my_service_tickets_history", [])
        if access_token or ticket_sudo.id not in history:
            return {}
        index = history.index(ticket_sudo.id)
        neighbours = (history[index - 1] if index else None, history[index + 1] if index + 1 < len(history) else None)
        return dict(
            zip(
                ("prev_record", "next_record"),
                (f"/my/service/tickets/{ticket_id}" if ticket_id else False for ticket_id in neighbours),
                strict=True,
            )
        )

    def _service_redirect(self, ticket_sudo, access_token, **params):
        return request.redirect(self._service_ticket_url(ticket_sudo, access_token, **params))

    @http.route("/my/service/tickets/<int:ticket_id>/reply", type="http", auth="public", methods=["POST"], website=True)
    def portal_service_ticket_reply(self, ticket_id, access_token=None, message=None, **kw):
        ticket_sudo = self._service_check_ticket(ticket_id, access_token)
        if ticket_sudo is None:
            return request.not_found()
        env = request.env
        message = (message or "").strip()
        try:
            uploads = self._service_read_uploads()
            if not message and not uploads:
                raise UserError(env._("Please write a message."))
        except UserError as e:
            return self._service_render_ticket(ticket_sudo, access_token, error=e.args[0], status=400)
        attachments = self._service_attach(ticket_sudo, uploads)
        # sudo: the author is the visitor's own contact, on the ticket checked above
        ticket_sudo.message_post(
            body=plaintext2html(message) if message else "",
            author_id=ticket_sudo.with_user(request.env.user).sudo()._customer_author().id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            attachment_ids=attachments.ids,
        )
        return self._service_redirect(ticket_sudo, access_token, message="replied")

    @http.route(
        "/my/service/tickets/<int:ticket_id>/confirm", type="http", auth="public", methods=["POST"], website=True
    )
    def portal_service_ticket_confirm(self, ticket_id, access_token=None, **kw):
        ticket_sudo = self._service_check_ticket(ticket_id, access_token)
        if ticket_sudo is None:
            return request.not_found()
        try:
            # sudo: the customer's decision on the ticket checked above, the visitor kept as env.user
            ticket_sudo.with_user(request.env.user).sudo().action_customer_confirm()
        except UserError as e:
            return self._service_render_ticket(ticket_sudo, access_token, error=e.args[0], status=400)
        return self._service_redirect(ticket_sudo, access_token, message="confirmed")

    @http.route(
        "/my/service/tickets/<int:ticket_id>/reopen", type="http", auth="public", methods=["POST"], website=True
    )
    def portal_service_ticket_reopen(self, ticket_id, access_token=None, reason=None, **kw):
        ticket_sudo = self._service_check_ticket(ticket_id, access_token)
        if ticket_sudo is None:
            return request.not_found()
        try:
            # sudo: the customer's decision on the ticket checked above, the visitor kept as env.user
            carrier = ticket_sudo.with_user(request.env.user).sudo().action_customer_reopen(reason)
        except UserError as e:
            return self._service_render_ticket(ticket_sudo, access_token, error=e.args[0], status=400)
        if carrier == ticket_sudo:
            return self._service_redirect(ticket_sudo, access_token, message="reopened")
        token = carrier._portal_ensure_token() if access_token else None
        return self._service_redirect(carrier, token, message="followup")

    @http.route("/my/service/tickets/<int:ticket_id>/rate", type="http", auth="public", methods=["POST"], website=True)
    def portal_service_ticket_rate(self, ticket_id, access_token=None, rate=None, **kw):
        """The customer rates the resolved ticket from its page: the rating is
        asked for (when the resolution email did not), then Odoo's rating
        page takes the score and the comment."""
        ticket_sudo = self._service_check_ticket(ticket_id, access_token)
        if ticket_sudo is None:
            return request.not_found()
        token = ticket_sudo._portal_rating_token(create=True)
        if not token or rate not in ("1", "3", "5"):
            return self._service_redirect(ticket_sudo, access_token)
        return request.redirect(f"/rate/{token}/{rate}")

    @http.route(
        "/my/service/tickets/<int:ticket_id>/attachment/<int:attachment_id>",
        type="http",
        auth="public",
        website=True,
        readonly=True,
    )
    def portal_service_ticket_attachment(self, ticket_id, attachment_id, access_token=None, download=None, **kw):
        """A file of the ticket, served only to who may see the ticket (or holds
        its token) and only when the customer may see that file (no file of an
        internal note): 404 otherwise, as for a file of another ticket."""
        ticket_sudo = self._service_check_ticket(ticket_id, access_token)
        if ticket_sudo is None:
            return request.not_found()
        attachment = ticket_sudo._portal_visible_attachments().filtered(lambda a: a.id == attachment_id)
        if not attachment:
            return request.not_found()
        return request.make_response(
            attachment.raw or b"",
            headers=[
                ("Content-Type", attachment.mimetype or "application/octet-stream"),
                (
                    "Content-Disposition",
                    content_disposition(attachment.name, disposition_type="attachment" if download else "inline"),
                ),
                ("X-Content-Type-Options", "nosniff"),
                ("Content-Security-Policy", "default-src 'none'"),
            ],
        )

    # ------------------------------------------------------------------
    # New ticket
    # ------------------------------------------------------------------

    def _service_new_ticket_values(self, form, error=None):
        env = request.env
        partner = env.user.partner_id
        Ticket = env["service.ticket"]
        products, lots = Ticket._portal_customer_assets(partner)
        teams = Ticket._portal_teams()
        categories = Ticket._portal_categories(teams)
        type_labels = dict(Ticket._fields["ticket_type"]._description_selection(env))
        return self._service_portal_layout_values(
            page_name="service_ticket_new",
            form=form,
            service_error=error,
            ticket_types=[(key, type_labels[key]) for key in PORTAL_TICKET_TYPES],
            teams=teams,
            categories=categories,
            products=products.sorted("display_name"),
            lots=lots.sorted(lambda lot: (lot.product_id.display_name, lot.name)),
            orders=Ticket._portal_customer_orders(partner),
            max_size_label=self._service_human_size(self._service_attachment_max_size()),
        )

    @staticmethod
    def _service_new_ticket_form(kw):
        """The new-ticket form's fields as typed, empty when missing."""
        return {key: kw.get(key) or "" for key in SERVICE_NEW_TICKET_FIELDS}

    @http.route("/my/service/tickets/new", type="http", auth="user", methods=["GET"], website=True, readonly=True)
    def portal_service_ticket_new(self, **kw):
        form = self._service_new_ticket_form(kw)
        return request.render("service_desk.portal_service_ticket_new", self._service_new_ticket_values(form))

    @http.route("/my/service/tickets/new", type="http", auth="user", methods=["POST"], website=True)
    def portal_service_ticket_create(self, **kw):
        env = request.env
        form = self._service_new_ticket_form(kw)
        try:
            uploads = self._service_read_uploads()
            ticket_sudo = env["service.ticket"]._portal_create_ticket(env.user.partner_id, form)
        except UserError as e:
            response = request.render(
                "service_desk.portal_service_ticket_new", self._service_new_ticket_values(form, error=e.args[0])
            )
            response.status_code = 400
            return response
        self._service_attach(ticket_sudo, uploads)
        return request.redirect(f"/my/service/tickets/{ticket_sudo.id}?message=created")

    # ------------------------------------------------------------------
    # Preferences
    # ------------------------------------------------------------------

    def _service_preferences_values(self, error=None, saved=False):
        env = request.env
        labels = dict(env["res.partner"]._fields["service_preferred_channel"]._description_selection(env))
        partner = env.user.partner_id
        return self._service_portal_layout_values(
            page_name="service_preferences",
            partner=partner,
            language_name=dict(self._service_portal_languages()).get(partner.lang or request.lang.code),
            channels=[(key, labels[key]) for key in PORTAL_CHANNELS],
            service_error=error,
            saved=saved,
        )

    @http.route(
        "/my/service/preferences",
        type="http",
        auth="user",
        methods=["GET"],
        website=True,
        readonly=_service_readonly_unless_just_written,
    )
    def portal_service_preferences(self, saved=None, **kw):
        return request.render(
            "service_desk.portal_service_preferences", self._service_preferences_values(saved=bool(saved))
        )

    @http.route("/my/service/preferences", type="http", auth="user", methods=["POST"], website=True)
    def portal_service_preferences_save(self, service_preferred_channel=None, phone=None, **kw):
        env = request.env
        if service_preferred_channel and service_preferred_channel not in PORTAL_CHANNELS:
            response = request.render(
                "service_desk.portal_service_preferences",
                self._service_preferences_values(error=env._("Please choose one of the offered channels.")),
            )
            response.status_code = 400
            return response
        # sudo: the user's own contact: only the channel (one of those offered) and phone
        env.user.partner_id.sudo().write(
            {
                "service_preferred_channel": service_preferred_channel or False,
                "phone": (phone or "").strip() or False,
            }
        )
        return request.redirect("/my/service/preferences?saved=1")

    # ------------------------------------------------------------------
    # Language, among the customer's own details (/my/account)
    # ------------------------------------------------------------------

    def _service_portal_languages(self):
        """[(code, name)] of the languages a customer may choose: the installed ones."""
        return request.env["res.lang"].get_installed()

    def _prepare_my_account_rendering_values(self, *args, **kwargs):
        values = super()._prepare_my_account_rendering_values(*args, **kwargs)
        values["service_languages"] = self._service_portal_languages()
        return values

    def _create_or_update_address(self, partner_sudo, *args, **form_data):
        """The details form of /my/account also carries the customer's
        language: one of the installed languages, saved on their own contact
        only (emails, PDFs and the portal follow it), and used at once by the
        portal of this session."""
        lang = form_data.pop("lang", None)
        own_details = bool(partner_sudo) and partner_sudo == request.env.user.partner_id
        if not own_details or not lang:
            return super()._create_or_update_address(partner_sudo, *args, **form_data)
        if lang not in dict(self._service_portal_languages()):
            return partner_sudo, {
                "invalid_fields": ["lang"],
                "messages": [request.env._("Please choose one of the offered languages.")],
            }
        partner_sudo, feedback = super()._create_or_update_address(partner_sudo, *args, **form_data)
        if "redirectUrl" in feedback and partner_sudo.lang != lang:
            partner_sudo.lang = lang
            self._service_switch_language(lang)
        return partner_sudo, feedback

    def _service_switch_language(self, lang):
        """The pages that follow speak `lang`: the frontend's language cookie
        (it wins over the user's language) and the session's context."""
        request.session.context = dict(request.session.context, lang=lang)
        request.future_response.set_cookie("frontend_lang", lang)
