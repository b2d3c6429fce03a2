def uninstall_hook(env):
    """Drop what the knowledge base keeps outside the ORM.

    The full-text search of the articles lives in tables, a function and a
    trigger written in SQL (models/service_article.py): Odoo's uninstall only
    removes what its models declare, so without this they would be left in the
    database after service_desk is gone.
    """
    env.cr.execute("""
        DROP FUNCTION IF EXISTS service_article_search_refresh() CASCADE;  -- and its trigger
        DROP TABLE IF EXISTS service_article_search;
        DROP TABLE IF EXISTS service_article_search_lang;
    """)
