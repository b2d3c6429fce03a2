import hashlib

from odoo import models
from odoo.tools import SQL
from odoo.tools.lru import LRU

from odoo.addons.base.models.res_users import INDEX_SIZE

# (database, SHA-256 of an API key) -> (id, stored hash) of the key's row, for the keys this process has verified
_VERIFIED_KEYS = LRU(1024)


# the context key under which a key check may use the keys verified before: set for the desk's API routes only
CACHED_CHECK = "service_desk_api_key_cache"


class ResUsersApikeys(models.Model):
    """API keys of the desk's API checked once per process, not once per request.

    Odoo stores a key as a slow (pbkdf2) hash and verifies it on every
    request: tens of milliseconds of CPU that an API client pays on each
    call, more than the rest of a status read. On the desk's API routes
    (marked `api_key_cache=True`, models/ir_http.py puts CACHED_CHECK in the
    context while authenticating them), once a key was verified here, later
    requests with the same key only check that its row is still valid under
    the same conditions as Odoo's check (the row and its hash unchanged, the
    user active, the scope allowed, not expired): a key removed, expired or
    whose user was archived is refused at once. Every other check of a key
    (Odoo's own routes, XML-RPC, other models built on API keys such as
    trusted devices) is Odoo's, untouched."""

    _inherit = "res.users.apikeys"

    def _check_credentials(self, *, scope, key):
        if not self.env.context.get(CACHED_CHECK) or self._name != "res.users.apikeys":
            return super()._check_credentials(scope=scope, key=key)
        digest = (self.env.cr.dbname, hashlib.sha256(key.encode()).digest()) if key else None
        known = _VERIFIED_KEYS.get(digest) if digest else None
        if known:
            uid = self._apikey_row_user(*known, scope)
            if uid:
                return uid
            _VERIFIED_KEYS.pop(digest, None)
        uid = super()._check_credentials(scope=scope, key=key)
        if uid and digest:
            rows = self.env.execute_query(
                SQL(
                    "SELECT id, key FROM %s WHERE index = %s AND user_id = %s",
                    SQL.identifier(self._table),
                    key[:INDEX_SIZE],
                    uid,
                )
            )
            if len(rows) == 1:  # the verified key is the user's only key with this index: it is that row
                _VERIFIED_KEYS[digest] = rows[0]
        return uid

    def _apikey_row_user(self, key_id, stored_hash, scope):
        """The user of the key row `key_id` if it still holds `stored_hash` and is valid for `scope`, else None."""
        rows = self.env.execute_query(
            SQL(
                """
                SELECT k.user_id
                  FROM %s k
                  JOIN res_users u ON u.id = k.user_id
                 WHERE k.id = %s AND k.key = %s AND u.active
                   AND (k.scope IS NULL OR k.scope = %s)
                   AND (k.expiration_date IS NULL OR k.expiration_date >= now() at time zone 'utc')
                """,
                SQL.identifier(self._table),
                key_id,
                stored_hash,
                scope,
            )
        )
        return rows[0][0] if rows else None
