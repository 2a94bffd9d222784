from datetime import datetime, timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from .common import SegmentationCase


@tagged("post_install", "-at_install")
class TestSegmentationCrons(SegmentationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for index in range(12):
            partner = cls._customer(f"Cron {index}")
            for days in range(5 + index * 20, 400, 45 + index):
                cls._buy(partner, days, 100 + index)

    def _modes(self):
        return self.env["customer.rfm.run"].search(
            [("company_id", "=", self.company.id)], order="id"
        ).mapped("mode")

    def test_weekly_fits_and_rescores_once_a_day(self):
        Run = self.env["customer.rfm.run"]
        Run._cron_weekly()
        self.assertEqual(self._modes(), ["full"])
        self.assertTrue(self.config.model_fit_date, "the churn model was refitted")
        self.assertEqual(self.env["customer.rfm.score"].search_count(
            [("company_id", "=", self.company.id)]), 12)
        Run._cron_weekly()
        self.assertEqual(self._modes(), ["full"], "a restarted cron does not redo the day")

    def test_nightly_resumes_where_it_stopped(self):
        Run = self.env["customer.rfm.run"]
        Run._cron_weekly()
        # The nightly job died after its incremental step: the restart only evaluates churn.
        Run._run_company(self.company, "incremental")
        Run._cron_nightly()
        self.assertEqual(self._modes(), ["full", "incremental", "churn"])
        Run._cron_nightly()
        self.assertEqual(self._modes(), ["full", "incremental", "churn"])

    def test_cron_records_exist(self):
        for xmlid, method in (
            ("customer_file_segmentation.ir_cron_segmentation_nightly", "_cron_nightly"),
            ("customer_file_segmentation.ir_cron_segmentation_weekly", "_cron_weekly"),
        ):
            cron = self.env.ref(xmlid)
            self.assertTrue(cron.active)
            self.assertIn(method, cron.code)

    def _stored_scores(self):
        return self.env["customer.rfm.score"].search_read(
            [("company_id", "=", self.company.id)],
            ["partner_id", "r_score", "f_score", "m_score", "lifecycle_stage",
             "probability_alive", "clv_12m", "churn_score"],
            order="partner_id",
        )

    def test_weekly_run_starts_from_the_ledger_aggregated_for_the_refit(self):
        Pipeline = type(self.env["customer.rfm.pipeline"])
        Run = self.env["customer.rfm.run"]
        today = fields.Date.context_today(self.env.user)
        # The oldest transaction under way, as each call finds it: one ends meanwhile.
        starts = iter(datetime(2026, 1, 1, 8, minute) for minute in range(10))
        with patch.object(Pipeline, "_build_base", autospec=True,
                          side_effect=Pipeline._build_base) as build, \
                patch.object(type(Run), "_oldest_transaction_start", autospec=True,
                             side_effect=lambda _run: next(starts)):
            Run._cron_weekly()
        self.assertEqual([call.args[2] for call in build.call_args_list].count(today), 1,
                         "the refit aggregates the ledger as of today, the run reuses it")
        run = Run.search([("company_id", "=", self.company.id)], limit=1)
        self.assertEqual(run.changes_since, datetime(2026, 1, 1, 8, 0),
                         "lines committed after the refit's aggregation are new to the next run")
        weekly = self._stored_scores()
        self.assertEqual(len(weekly), 12)
        # A run that aggregates the ledger itself finds nothing to change.
        self.env["customer.rfm.run"]._run_company(self.company, "full")
        self.assertEqual(self._stored_scores(), weekly)

    def test_an_aggregation_of_another_day_is_not_reused(self):
        pipeline = self.env["customer.rfm.pipeline"]
        today = fields.Date.context_today(self.env.user)
        count = pipeline._build_base(self.config, today - timedelta(days=1))
        self.assertEqual(count, 12)
        self.assertIsNone(pipeline._base_size(today))
        self.assertEqual(pipeline._base_size(today - timedelta(days=1)), 12)
        run = self.env["customer.rfm.run"]._run_company(
            self.company, "full", refitted_since=datetime(2026, 1, 1, 8, 0))
        self.assertEqual(run.customer_count, 12)
        self.assertEqual(pipeline._base_size(today), 12, "the run aggregated as of today")
        self.assertGreater(run.changes_since, datetime(2026, 1, 1, 8, 0))
