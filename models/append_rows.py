"""Rows service_desk appends on every new ticket (SLA events, routing
decisions) and never changes: written in one INSERT, without the ORM's
create, which would have nothing to do for them but convert each value."""

from odoo.tools import SQL

LOG_COLUMNS = ("create_uid", "create_date", "write_uid", "write_date")


def insert_rows(env, table, columns, rows):
    """Insert `rows` (tuples of values for `columns`) into `table` in one
    statement, created and written by the current user at the transaction's
    time as the ORM records it; returns their ids in order. Every value is
    given: no default, no computed field, no cache is filled (whoever read
    what the rows belong to invalidates it)."""
    uid, now = env.uid, env.cr.now()
    inserted = env.execute_query(
        SQL(
            "INSERT INTO %s (%s) VALUES %s RETURNING id",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(column) for column in (*columns, *LOG_COLUMNS)),
            SQL(", ").join(SQL("(%s)", SQL(", ").join((*row, uid, now, uid, now))) for row in rows),
        )
    )
    return [row_id for (row_id,) in inserted]
