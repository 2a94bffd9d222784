from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import RolesCase


@tagged("post_install", "-at_install")
class TestPublicMethods(RolesCase):
    """Public methods are callable over RPC by any logged-in user: each checks its group."""

    def test_scoring_selected_customers_is_for_officers(self):
        self._buy(self.mine, 0, 500)
        for user in (self.employee, self.salesman):
            for method in ("action_recompute_rfm", "action_evaluate_churn"):
                with self.assertRaises(AccessError):
                    getattr(self.mine.with_user(user), method)()
        self.assertEqual(len(self._runs()), 1, "no run was started")
        self.assertEqual(self._score(self.mine).recency_days, 120)
        self.mine.with_user(self.officer).action_recompute_rfm()
        self.assertEqual(self._score(self.mine).recency_days, 0)

    def test_settings_actions_are_for_managers(self):
        for user in (self.employee, self.salesman, self.officer):
            config = self.config.with_user(user)
            with self.assertRaises(AccessError):
                config.action_recompute_full()
            with self.assertRaises(AccessError):
                config.action_fit_churn_model()
        self.assertEqual(len(self._runs()), 1, "no run was started")
        self.assertFalse(self.config.model_fit_date, "no model was fitted")
        self.config.with_user(self.manager).action_recompute_full()
        self.assertEqual(len(self._runs()), 2)
        self.assertEqual(self._runs()[0].mode, "full")

    def test_backtest_runs_for_managers_only(self):
        backtest = self.env["customer.churn.backtest"].create({
            "company_id": self.company.id, "cutoff_date": self.today - timedelta(days=150),
            "horizon_days": 90,
        })
        with self.assertRaises(AccessError):
            backtest.with_user(self.officer).action_run()
        self.assertEqual(backtest.state, "draft")
        backtest.with_user(self.manager).action_run()
        self.assertEqual(backtest.state, "done")

    def test_navigation_actions_need_the_app(self):
        segment = self.env.ref("customer_file_segmentation.segment_lost")
        with self.assertRaises(AccessError):
            self.mine.with_user(self.employee).action_open_churn_warnings()
        with self.assertRaises(AccessError):
            segment.with_user(self.employee).action_open_customers()
        action = self.mine.with_user(self.salesman).action_open_churn_warnings()
        self.assertEqual(action["domain"], [("partner_id", "=", self.mine.id)])
        self.assertEqual(segment.with_user(self.salesman).action_open_customers()["domain"],
                         [("segment_id", "=", segment.id)])
