"""Faults: the daily suggestions cron stopped in the middle of a batch and run
again ends in the same state as a run that was never interrupted."""

from unittest.mock import patch

from odoo.tests import tagged

from .common import Customer360Common


@tagged("post_install", "-at_install")
class TestSuggestionCronInterrupted(Customer360Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._sell(cls.customer_b, [(cls.product_serial, 1), (cls.product_untracked, 1)])
        cls._sell(cls.customer_b, [(cls.product_serial, 1), (cls.product_plain, 1)])
        cls._sell(cls.customer_a, [(cls.product_serial, 1)])
        # the customer handled last by the cron (highest id) has yesterday's suggestion
        cls.customer_last = cls.env["res.partner"].create({"name": "SD Last Customer", "is_company": True})
        cls._sell(cls.customer_last, [(cls.product_serial, 1)])

    def _stale(self):
        return self.env["service.recommendation"].create(
            {
                "partner_id": self.customer_last.id,
                "kind": "cross_sell",
                "product_id": self.product_plain.id,
                "score": 1,
                "reason": "SD stale suggestion of yesterday",
            }
        )

    def _state(self):
        """Every suggestion as a comparable tuple, duplicates kept."""
        return sorted(
            (
                r.partner_id.id,
                r.company_id.id,
                r.product_id.id,
                r.kind,
                r.score,
                r.reason,
                r.warranty_id.id,
                r.contract_id.id,
            )
            for r in self.env["service.recommendation"].search([])
        )

    def test_interrupted_run_resumes_to_the_same_state(self):
        Recommendation = self.env["service.recommendation"]
        self._stale()
        Recommendation._cron_refresh(batch_size=2)
        expected = self._state()
        self.assertTrue(any(row[0] == self.customer_a.id and row[3] == "cross_sell" for row in expected))
        self.assertFalse(any(row[5] == "SD stale suggestion of yesterday" for row in expected))

        self._stale()
        model = type(Recommendation)
        original = model._upgrade_values
        calls = []

        def failing(self_, partners):
            calls.append(partners.ids)
            if len(calls) == 3:
                raise RuntimeError("worker killed")
            return original(self_, partners)

        # no savepoint: what the first batches did stays, as a commit per batch would keep it; the
        # third batch dies after its old suggestions were deleted and before the new ones exist
        interrupted = False
        with patch.object(model, "_upgrade_values", failing):
            try:
                Recommendation._cron_refresh(batch_size=2)
            except RuntimeError:
                interrupted = True
        self.assertTrue(interrupted)
        halfway = self._state()
        self.assertNotEqual(halfway, expected, "the run really stopped half-way")
        self.assertTrue(any(row[5] == "SD stale suggestion of yesterday" for row in halfway))

        Recommendation._cron_refresh(batch_size=2)
        self.assertEqual(self._state(), expected)
