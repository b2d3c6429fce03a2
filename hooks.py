def post_init_hook(env):
    """With demo data, add the year of history behind the demo's records
    (demo/history.py): they are the tickets, conversations, ratings and
    sales the reports need to show a shape on the first day."""
    if env.ref("service_desk.team_technical_support", raise_if_not_found=False):
        from .demo import history  # demo code, loaded only with demo data

        history.generate(env)


def uninstall_hook(env):
    """Drop what the addon keeps outside the ORM.

    The full-text search of the articles lives in tables, a function and a
    trigger written in SQL (models/service_article.py), the versions of cached
    working periods and SLA conditions come from a sequence
    (models/cache_version.py): Odoo's uninstall only removes what its models
    declare, so without this they would be left in the database after
    service_desk is gone.
    """
    env.cr.execute("""
        DROP FUNCTION IF EXISTS service_article_search_refresh() CASCADE;  -- and its trigger
        DROP TABLE IF EXISTS service_article_search;
        DROP TABLE IF EXISTS service_article_search_lang;
        DROP SEQUENCE IF EXISTS service_cache_version_seq;
    """)
    # which segmenter built the search indexes: meaningless once they are gone
    env["ir.config_parameter"].search(
        [("key", "in", ["service_desk.search_segmenter", "service_desk.ticket_search_segmenter"])]
    ).unlink()
