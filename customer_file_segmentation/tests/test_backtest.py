import io
import zipfile
from datetime import timedelta

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from odoo.addons.customer_file_segmentation.tools.metrics import churn_metrics

from .common import SegmentationCase


@tagged("post_install", "-at_install")
class TestChurnMetrics(TransactionCase):
    def test_hand_checked_case(self):
        scores = [90, 80, 70, 60, 50, 40, 30, 20, 10, 0]
        churned = [1, 1, 0, 1, 0, 0, 1, 0, 0, 0]
        metrics = churn_metrics(scores, churned, threshold=55, deciles=5)
        # Warned: the top four, three of whom churned; four churned in all.
        self.assertEqual((metrics["warned"], metrics["true_positives"]), (4, 3))
        self.assertAlmostEqual(metrics["precision"], 0.75)
        self.assertAlmostEqual(metrics["recall"], 0.75)
        # Pairs (churned, stayed) ranked right: 6 + 6 + 5 + 3 of 4 × 6.
        self.assertAlmostEqual(metrics["roc_auc"], 20 / 24)
        self.assertAlmostEqual(metrics["base_rate"], 0.4)
        self.assertEqual([row["churned"] for row in metrics["deciles"]], [2, 1, 0, 1, 0])
        self.assertEqual([row["lift"] for row in metrics["deciles"]],
                         [2.5, 1.25, 0.0, 1.25, 0.0])

    def test_baselines_warn_as_many_and_deciles_carry_the_prediction(self):
        scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0]
        churned = [1, 1, 0, 1, 0, 0, 1, 0, 0, 0]
        metrics = churn_metrics(scores, churned, warned_count=3, deciles=2, predicted=scores)
        self.assertEqual((metrics["warned"], metrics["true_positives"]), (3, 2))
        self.assertEqual([round(row["predicted_rate"], 2) for row in metrics["deciles"]],
                         [0.7, 0.2])
        self.assertEqual([row["churn_rate"] for row in metrics["deciles"]], [0.6, 0.2])

    def test_ties_count_half(self):
        self.assertAlmostEqual(churn_metrics([5, 5], [1, 0], 1)["roc_auc"], 0.5)
        self.assertAlmostEqual(churn_metrics([5, 5, 1], [1, 0, 0], 1)["roc_auc"], 0.75)


@tagged("post_install", "-at_install")
class TestBacktest(SegmentationCase):
    """Cutoff 200 days ago, horizon 90 days (a purchase 110 to 199 days ago counts).

    ===== ======================================= ========= ============
    who   purchases (days ago)                    at cutoff  in horizon
    ===== ======================================= ========= ============
    p1    every 30 days 500 → 230, then 180       fine       bought
    p2    every 30 days 500 → 320                 warned     churned
    p3    as p2, then 150                         warned     bought
    p4    every 30 days 500 → 230, then 50        fine       churned
    p5    220, then 150                           fine       bought
    p6    100 (first purchase after the cutoff)   unknown    not counted
    ===== ======================================= ========= ============
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config.probability_alive_max = 0
        histories = {
            "p1": [*range(500, 229, -30), 180],
            "p2": list(range(500, 319, -30)),
            "p3": [*range(500, 319, -30), 150],
            "p4": [*range(500, 229, -30), 50],
            "p5": [220, 150],
            "p6": [100],
        }
        for name, days in histories.items():
            partner = cls._customer(name)
            for days_ago in days:
                cls._buy(partner, days_ago, 100)

    def _backtest(self):
        backtest = self.env["customer.churn.backtest"].create({
            "company_id": self.company.id,
            "cutoff_date": self.today - timedelta(days=200),
            "horizon_days": 90,
            "threshold": 40,
        })
        backtest.action_run()
        return backtest

    def test_metrics_use_only_data_before_the_cutoff(self):
        backtest = self._backtest()
        self.assertEqual(
            (backtest.customer_count, backtest.churned_count, backtest.warned_count,
             backtest.true_positive_count),
            (5, 2, 2, 1),
        )
        self.assertAlmostEqual(backtest.precision, 50.0)
        self.assertAlmostEqual(backtest.recall, 50.0)
        self.assertAlmostEqual(backtest.base_rate, 40.0)
        # Too few customers to learn from: BG/NBD's probability of no purchase. p2 and p3
        # tie at the top, p1 and p4 (the same history at the cutoff) below, the one-time
        # buyer p5 (first purchase 20 days before the cutoff) last: (p2 > p1) + (p2 ~ p3) / 2
        # + (p2 > p5) + (p4 ~ p1) / 2 + (p4 > p5) of 2 × 3 pairs.
        self.assertIn("BG/NBD", backtest.model_used)
        self.assertAlmostEqual(backtest.roc_auc, 4 / 6, places=3)
        deciles = backtest.score_decile_ids.sorted("decile")
        self.assertEqual(len(deciles), 5)
        self.assertEqual(len(backtest.decile_ids), 5 * len(backtest.method_ids))
        self.assertEqual(sum(deciles[:2].mapped("churned_count")), 1)
        self.assertEqual(self.env["customer.churn.warning"].search_count([]), 0,
                         "a backtest opens no warning")

    def test_xlsx_export(self):
        backtest = self._backtest()
        action = backtest.action_export_xlsx()
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", backtest._name), ("res_id", "=", backtest.id)]
        )
        self.assertIn(str(attachment.id), action["url"])
        with zipfile.ZipFile(io.BytesIO(attachment.raw)) as workbook:
            sheets = workbook.read("xl/workbook.xml").decode()
            strings = workbook.read("xl/sharedStrings.xml").decode()
        for sheet in ("Summary", "Side by side", "Lift by decile", "Calibration"):
            self.assertIn(sheet, sheets)
        for label in ("Precision (%)", "Verdict", "Predicted churn (%)", "Recency alone",
                      "Weighted RFM score", "Probability alive", "Expected purchases"):
            self.assertIn(label, strings)

    def test_the_outcome_must_be_known(self):
        with self.assertRaises(ValidationError):
            self.env["customer.churn.backtest"].create({
                "company_id": self.company.id,
                "cutoff_date": self.today - timedelta(days=30),
                "horizon_days": 90,
            })
