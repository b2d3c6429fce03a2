"""Versions of what service_desk caches in every worker (ormcache).

A cached value whose key holds the version of what it was computed from is
renewed by giving that a new version in the database, in the transaction
that changes it: every worker reads the version with its data at its next
request and computes the value again, without any cache being cleared. The
versions come from one PostgreSQL sequence, never twice the same number,
so a version renewed in a transaction that was rolled back is never given
again to other data."""

from odoo.tools import SQL

VERSION_SEQUENCE = "service_cache_version_seq"


def create_version_sequence(cr):
    cr.execute(SQL("CREATE SEQUENCE IF NOT EXISTS %s", SQL.identifier(VERSION_SEQUENCE)))


def next_version():
    """SQL expression of a new version."""
    return SQL("nextval(%s)", VERSION_SEQUENCE)


def renew_company_version(env, fname):
    """Give the version field `fname` of res.company a new version, on every
    company at once (workers read it with their current company)."""
    env.execute_query(SQL("UPDATE res_company SET %s = %s", SQL.identifier(fname), next_version()))
    env["res.company"].invalidate_model([fname])
