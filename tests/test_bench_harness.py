"""The benchmark harness undoes each benchmark entirely, the work its commit
would have finished included: `make bench` runs the scale benchmark, which
commits, after the others."""

from odoo.tests import TransactionCase, tagged

from odoo.addons.service_desk.benchmarks.bench import Bench


@tagged("post_install", "-at_install")
class TestBenchHarness(TransactionCase):
    def test_rolled_back_work_leaves_nothing_for_the_next_commit(self):
        bench = Bench(self.env, None)
        customer = self.env["res.partner"].create({"name": "Bench customer", "email": "bench@example.com"})
        self.env.cr.precommit.run()  # what the test's own setup left for a commit
        ran = []
        with bench.rolled_back():
            # mail tracks a new ticket's values when the transaction commits
            undone = self.env["service.ticket"].create({"name": "Undone", "partner_id": customer.id})
            self.env.cr.postcommit.add(lambda: ran.append("postcommit"))
        self.assertFalse(undone.exists())
        # what the commit of the scale benchmark runs first: before the
        # harness forgot them, the tracking of the undone ticket, which failed
        self.env.cr.precommit.run()
        self.assertFalse(self.env.cr.postcommit._funcs, "the undone work's after-commit calls are forgotten")
        self.assertFalse(ran)
