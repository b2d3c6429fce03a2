"""Recall@5 of the knowledge search in each customer language.

tests/data/knowledge_recall/<lang>.json holds, per language, 200 help center
articles on the same 200 topics (20 products, 10 kinds of problem each),
written for this purpose in that language, and 25 queries as customers type
them, each with the topic of the article that answers it. A query is answered
when that article is among the first five results. Used by the test that
holds the bar (tests/test_knowledge_recall.py) and by ``make bench``.
"""

import json
from pathlib import Path

from odoo.fields import Domain

DATA_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "knowledge_recall"
LANGUAGES = ("en_US", "es_ES", "pt_BR", "th_TH", "zh_CN")
TOP = 5
# every language finds at least this share of the answers in its first five...
RECALL_TARGET = 0.9
# ...and Thai and Chinese, written without spaces, no more than this below English
UNSPACED_GAP = 0.05


def load(lang):
    with open(DATA_DIR / f"{lang}.json", encoding="utf-8") as file:
        return json.load(file)


def create_corpus(env, lang, data):
    """The articles of one language, written in it, in a category of their
    own: {topic: article}. Their documents are indexed as any saved article's."""
    env["res.lang"]._activate_lang(lang)
    category = env["service.article.category"].create({"name": f"Recall {lang}"})
    Article = env["service.article"].with_context(lang=lang, mail_create_nolog=True, mail_notrack=True)
    articles = Article.create(
        [
            {
                "name": entry["title"],
                "body": entry["body"],
                "category_id": category.id,
                "is_published": True,
            }
            for entry in data["articles"]
        ]
    )
    return dict(zip((entry["topic"] for entry in data["articles"]), articles, strict=True))


def recall(env, lang, data, corpus):
    """(share of the queries answered in the first five, the queries that were not)."""
    Article = env["service.article"].with_context(lang=lang)
    domain = Domain("id", "in", [article.id for article in corpus.values()])
    missed = []
    for entry in data["queries"]:
        found = Article.search_articles(entry["query"], limit=TOP, domain=domain)
        if corpus[entry["topic"]] not in found:
            missed.append(entry["query"])
    return 1 - len(missed) / len(data["queries"]), missed
