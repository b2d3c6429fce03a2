import hashlib

from odoo import models
from odoo.tools import SQL
from odoo.tools.lru import LRU

from odoo.addons.base.models.res_users import INDEX_SIZE

# (database, SHA-256 of an API key) -> (id, stored hash) of the key's row, for the keys this process has verified
_VERIFIED_KEYS = LRU(1024)


class ResUsersApikeys(models.Model):
    """API keys checked once per process, not once per request.

    Odoo stores a key as a slow (pbkdf2) hash and verifies it on every
    request: tens of milliseconds of CPU that an API client pays on each
    call, more than the rest of a status read. Once a key was verified
    here, later requests with the same key only check that its row is
    still valid under the same conditions as Odoo's check (the row and its
    hash unchanged, the user active, the scope allowed, not expired): a
    key removed, expired or whose user was archived is refused at once."""

    _inherit = "res.users.apikeys"

    def _check_credentials(self, *, scope, key):
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
