from odoo import fields, models


class ServiceArticleVote(models.Model):
    _name = "service.article.vote"
    _description = "Knowledge Article Vote"
    _order = "id desc"
    _rec_name = "article_id"

    article_id = fields.Many2one("service.article", required=True, index=True, ondelete="cascade")
    user_id = fields.Many2one("res.users", ondelete="set null", index="btree_not_null")
    session_key = fields.Char(help="Anonymous visitor's session (a digest, never the session id).")
    helpful = fields.Boolean()
    comment = fields.Text()

    _user_unique = models.UniqueIndex(
        "(article_id, user_id) WHERE user_id IS NOT NULL",
        "This user already voted on this article.",
    )
    _session_unique = models.UniqueIndex(
        "(article_id, session_key) WHERE session_key IS NOT NULL",
        "This visitor already voted on this article.",
    )
