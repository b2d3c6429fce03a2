"""The measured quality bar of the knowledge search: recall@5 of 25 customer
queries among 200 articles, in each customer language (the test set is
described in benchmarks/knowledge_recall.py)."""

from odoo.tests import TransactionCase, tagged

from odoo.addons.service_desk.benchmarks import knowledge_recall


@tagged("post_install", "-at_install")
class TestKnowledgeRecall(TransactionCase):
    def test_recall_in_every_language(self):
        results = {}
        for lang in knowledge_recall.LANGUAGES:
            data = knowledge_recall.load(lang)
            self.assertEqual(len(data["articles"]), 200, lang)
            self.assertGreaterEqual(len(data["queries"]), 20, lang)
            corpus = knowledge_recall.create_corpus(self.env, lang, data)
            results[lang] = knowledge_recall.recall(self.env, lang, data, corpus)
        for lang, (share, missed) in results.items():
            with self.subTest(lang=lang):
                self.assertGreaterEqual(share, knowledge_recall.RECALL_TARGET, f"{lang} missed: {missed}")
        english = results["en_US"][0]
        for lang in ("th_TH", "zh_CN"):
            with self.subTest(lang=lang):
                self.assertGreaterEqual(
                    results[lang][0],
                    english - knowledge_recall.UNSPACED_GAP,
                    f"{lang} {results[lang][0]:.2f} vs English {english:.2f}, missed: {results[lang][1]}",
                )
