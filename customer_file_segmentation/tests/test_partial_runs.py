from datetime import timedelta

from odoo.tests import tagged
from odoo.tools import SQL

from .common import RolesCase


@tagged("post_install", "-at_install")
class TestPartialRuns(RolesCase):
    """A run over selected customers is not the company's nightly run."""

    def test_partial_runs_are_not_the_nightly_run(self):
        Run = self.env["customer.rfm.run"]
        self._buy(self.mine, 0, 500)
        self._buy(self.theirs, 0, 500)
        self.mine.with_user(self.officer).action_recompute_rfm()
        self.mine.with_user(self.officer).action_evaluate_churn()
        partial = self._runs()[:2]
        self.assertEqual(partial.mapped("is_partial"), [True, True])
        self.assertEqual(partial.mapped("mode"), ["churn", "incremental"])
        self.assertIn(self.theirs.id, Run._changed_partner_ids(self.config),
                      "the partial run did not move the high-water mark")
        Run._cron_nightly()
        nightly = self._runs()[:2]
        self.assertEqual(nightly.mapped("mode"), ["churn", "incremental"])
        self.assertEqual(nightly.mapped("is_partial"), [False, False])
        self.assertEqual(self._score(self.theirs).recency_days, 0)
        Run._cron_nightly()
        self.assertEqual(self._runs()[:2], nightly, "the nightly run is done for today")

    def test_partial_churn_run_does_not_evaluate_the_others(self):
        full = self._runs()
        long_ago = self.today - timedelta(days=3)
        self.env.cr.execute(SQL(
            "UPDATE customer_rfm_run SET run_date = %s WHERE id = %s", long_ago, full.id,
        ))
        self.env.cr.execute(SQL(
            "UPDATE customer_churn_warning SET date_detected = %s WHERE run_id = %s",
            long_ago, full.id,
        ))
        self.env.invalidate_all()
        self.mine.with_user(self.officer).action_evaluate_churn()
        self.assertEqual(self._warnings(self.mine).last_evaluation_date, self.today)
        self.assertEqual(self._warnings(self.theirs).last_evaluation_date, long_ago)
