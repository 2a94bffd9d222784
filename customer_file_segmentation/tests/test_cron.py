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
