from werkzeug.exceptions import Unauthorized

from odoo import models
from odoo.exceptions import AccessDenied
from odoo.http import request

from .res_users_apikeys import CACHED_CHECK


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _get_translation_frontend_modules_name(cls):
        # the help center's and portal's scripts say their words in the page's language
        return [*super()._get_translation_frontend_modules_name(), "service_desk"]

    @classmethod
    def _authenticate(cls, endpoint):
        """Routes marked `json_errors=True` (the JSON API, controllers/api.py)
        are authenticated by Odoo's own `auth="bearer"`; its refusals, which
        Odoo answers as an HTML page, are answered there as JSON
        `{"error": ...}` with status 401, as the API's clients read them.
        Routes marked `api_key_cache=True` check their API key with the keys
        this process verified before (models/res_users_apikeys.py)."""
        cached_key_check = bool(endpoint.routing.get("api_key_cache"))
        if cached_key_check:
            request.update_context(**{CACHED_CHECK: True})
        try:
            return super()._authenticate(endpoint)
        except (Unauthorized, AccessDenied):
            if not endpoint.routing.get("json_errors"):
                raise
            sent_key = request.httprequest.headers.get("Authorization", "").lower().startswith("bearer ")
            message = (
                "Invalid or expired API key."
                if sent_key
                else "Authentication required: send 'Authorization: Bearer <API key>'."
            )
            answer = request.make_json_response({"error": message}, status=401)
            answer.headers["WWW-Authenticate"] = "Bearer"
            raise Unauthorized(message, response=answer) from None
        finally:
            if cached_key_check and request.env.context.get(CACHED_CHECK):
                # only the key check: not the rest of the request
                request.update_env(context={k: v for k, v in request.env.context.items() if k != CACHED_CHECK})
