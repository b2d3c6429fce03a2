"""Taking work from a queue stored in a table, for crons that may run on
several nodes at once."""

from odoo.tools import SQL


def lock_next_batch(model, condition, fnames, limit, order=None):
    """Up to `limit` records of `model` that the SQL `condition` selects,
    oldest first (or in the SQL `order`), locked for this transaction: rows another transaction
    holds (another node's cron, a request saving them) are skipped, so that
    each record is handled once and nobody waits. `fnames`: the fields the
    condition reads, flushed first."""
    model.flush_model(fnames)
    rows = model.env.execute_query(
        SQL(
            "SELECT id FROM %s WHERE %s ORDER BY %s LIMIT %s FOR NO KEY UPDATE SKIP LOCKED",
            SQL.identifier(model._table),
            condition,
            order or SQL("id"),
            limit,
        )
    )
    return model.browse(row[0] for row in rows)
