import random
from datetime import timedelta

import numpy as np

from odoo.exceptions import UserError
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged

from odoo.addons.customer_file.tools.demo_data import purchase_dates
from odoo.addons.customer_file_segmentation.tools.logistic import (
    fit_logistic,
    predict_logistic,
    sigmoid,
)

from .common import SegmentationCase


@tagged("post_install", "-at_install")
class TestLogistic(TransactionCase):
    def test_recovers_planted_coefficients(self):
        rng = np.random.default_rng(7)
        X = rng.normal(size=(20000, 3)) * [1.0, 2.0, 0.5] + [0, 5, 1]
        Z = (X - X.mean(axis=0)) / X.std(axis=0)
        truth = np.array([1.5, -0.8, 0.0])
        y = rng.random(20000) < sigmoid(-0.3 + Z @ truth)
        model = fit_logistic(X, y, l2=1.0)
        self.assertEqual(len(model["coef"]), 3)
        np.testing.assert_allclose(model["coef"], truth, atol=0.06)
        self.assertAlmostEqual(model["intercept"], -0.3, delta=0.06)
        # Calibrated in the large: the mean prediction is the observed rate.
        self.assertAlmostEqual(float(predict_logistic(model, X).mean()), float(y.mean()),
                               places=3)

    def test_a_constant_feature_gets_no_weight(self):
        rng = np.random.default_rng(1)
        X = np.column_stack([rng.normal(size=500), np.full(500, 3.0)])
        y = rng.random(500) < sigmoid(X[:, 0])
        model = fit_logistic(X, y)
        self.assertEqual(model["coef"][1], 0.0)
        self.assertGreater(model["coef"][0], 0.5)


class GeneratedHistoryCase(SegmentationCase):
    """Customers who buy at their own rhythm, drawn by the demo's generator
    (``customer_file.tools.demo_data.purchase_dates``): about a third stop buying at some
    point, the planted churners. Created in batches through the ORM, as sales would."""

    CUSTOMERS = 1500
    SEED = 19

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config.write({"control_group_percent": 0, "churn_horizon_days": 90})
        rnd = random.Random(cls.SEED)
        partners = cls.env["res.partner"].create([
            {"name": f"Generated {index}", "customer_rank": 1}
            for index in range(cls.CUSTOMERS)
        ])
        cls.stopped_on = {}
        lines = []
        for partner in partners:
            dates = [day for day in purchase_dates(rnd, cls.today, 730) if day <= cls.today]
            gap = (dates[-1] - dates[0]).days / max(len(dates) - 1, 1) if dates else 0
            # The generator's own stop: no purchase for far longer than the customer's rhythm.
            cls.stopped_on[partner.id] = dates[-1] if dates and (
                cls.today - dates[-1]).days > 3 * max(gap, 30) else None
            for day in dates:
                cls._document_count += 1
                ref = f"gen:{cls._document_count}"
                lines.append({
                    "partner_id": partner.id, "company_id": cls.company.id, "date": day,
                    "source": "import", "external_ref": ref, "document_ref": ref,
                    "document_name": ref, "product_id": cls.product.id, "quantity": 1,
                    "amount": round(rnd.uniform(40, 400), 2), "is_refund": False,
                })
        cls.env["customer.purchase.line"].sudo().create(lines)
        cls.partners = partners

    def _backtest(self, cutoff_days=100, horizon=90, threshold=60):
        backtest = self.env["customer.churn.backtest"].create({
            "company_id": self.company.id,
            "cutoff_date": self.today - timedelta(days=cutoff_days),
            "horizon_days": horizon, "threshold": threshold,
        })
        backtest.action_run()
        return backtest


@tagged("post_install", "-at_install")
class TestChurnProbability(GeneratedHistoryCase):

    def test_backtest_ranks_at_least_as_well_as_every_baseline(self):
        backtest = self._backtest()
        self.assertIn("Logistic model", backtest.model_used)
        methods = {line.method: line for line in backtest.method_ids}
        self.assertEqual(set(methods), {"score", "recency", "rfm", "probability_alive",
                                        "expected_purchases"})
        best_baseline = max(line.roc_auc for code, line in methods.items() if code != "score")
        self.assertGreaterEqual(methods["score"].roc_auc, best_baseline - 0.005)
        self.assertTrue(backtest.score_wins)
        self.assertNotIn("LOSES", backtest.verdict)
        self.assertGreater(backtest.roc_auc, 0.75)
        # Every method has its ten deciles on the same customers.
        for code in methods:
            deciles = backtest.decile_ids.filtered(lambda d, code=code: d.method == code)
            self.assertEqual(len(deciles), 10)
            self.assertEqual(sum(deciles.mapped("customer_count")), backtest.customer_count)
        self._assert_churn_rate_falls_by_decile(backtest)

    def _assert_churn_rate_falls_by_decile(self, backtest):
        """The acceptance rule of the backtest: the churn rate falls from decile 1 to
        decile 10, no decile more than 2 points above the one before it."""
        rates = backtest.score_decile_ids.sorted("decile").mapped("churn_rate")
        for higher, lower in zip(rates, rates[1:], strict=False):
            self.assertLessEqual(lower, higher + 2, rates)
        self.assertGreater(rates[0], 2 * rates[-1])

    def test_churn_rate_falls_by_decile_at_another_horizon(self):
        """The same rule for a backtest that learns and scores a 60-day horizon."""
        backtest = self._backtest(cutoff_days=150, horizon=60)
        self.assertIn("Logistic model", backtest.model_used)
        self._assert_churn_rate_falls_by_decile(backtest)

    def test_calibration_table_matches_what_happened(self):
        backtest = self._backtest()
        deciles = backtest.score_decile_ids.sorted("decile")
        predicted = deciles.mapped("predicted_rate")
        observed = deciles.mapped("churn_rate")
        counts = deciles.mapped("customer_count")
        overall = sum(p * n for p, n in zip(predicted, counts, strict=True)) / sum(counts)
        self.assertAlmostEqual(overall, backtest.base_rate, delta=4)
        for decile, (p, o) in enumerate(zip(predicted, observed, strict=True), start=1):
            self.assertLessEqual(abs(p - o), 10, f"decile {decile}: {p:.1f} vs {o:.1f}")
        self.assertLessEqual(backtest.calibration_gap, 10)
        self.assertEqual(predicted, sorted(predicted, reverse=True))

    def test_backtest_learns_its_own_horizon_from_before_the_cutoff(self):
        cutoff = self.today - timedelta(days=200)
        late = self._customer("Arrives after the cutoff")
        self._buy(late, 20, 100)
        backtest = self._backtest(cutoff_days=200, horizon=60, threshold=50)
        # Trained for 60 days at the cutoff minus 60 days, its labels ending at the cutoff.
        self.assertIn(str(cutoff - timedelta(days=60)), backtest.model_used)
        self.assertIn(str(cutoff), backtest.model_used)
        # Only customers known at the cutoff are scored.
        known = self.env["customer.purchase.line"].sudo()._read_group(
            [("company_id", "=", self.company.id), ("date", "<=", cutoff)],
            ["commercial_partner_id"], ["date:max"])
        alive = [partner for partner, last in known if (cutoff - last).days < 365]
        self.assertEqual(backtest.customer_count, len(alive))
        self.assertNotIn(late, [partner for partner, _last in known])
        self.assertFalse(self.env["customer.churn.model"].search([]),
                         "a backtest stores no model of the company")

    def test_a_horizon_longer_than_the_history_learns_over_a_shorter_window(self):
        """The history before the cutoff minus a year is empty: the model learns over the
        90 days before the cutoff instead, and still ranks at least as well as every
        baseline for the year."""
        cutoff = self.today - timedelta(days=370)
        backtest = self._backtest(cutoff_days=370, horizon=365)
        self.assertIn("Logistic model", backtest.model_used)
        self.assertIn(str(cutoff - timedelta(days=90)), backtest.model_used)
        self.assertIn("Learned over 90 days, not the 365 of the horizon", backtest.model_used)
        best_baseline = max(line.roc_auc for line in backtest.method_ids
                            if line.method != "score")
        self.assertGreaterEqual(backtest.roc_auc, best_baseline - 0.005)

    def test_planted_churners_rank_in_the_top_deciles(self):
        model = self.env["customer.churn.model"]._train_and_store(self.config)
        self.assertEqual(model.kind, "logistic")
        self.assertEqual(self.config.churn_model_id, model)
        self.assertEqual(model.train_cutoff, self.today - timedelta(days=90))
        self.assertTrue(model.coefficients_display)
        self._run()
        scores = self.env["customer.rfm.score"].search([
            ("company_id", "=", self.company.id), ("lifecycle_stage", "!=", "churned"),
        ])
        ranked = scores.sorted(lambda score: -score.churn_score)
        top = ranked[: len(ranked) * 3 // 10]
        stopped = [score for score in ranked
                   if self.stopped_on.get(score.partner_id.id)
                   and (self.today - self.stopped_on[score.partner_id.id]).days < 365]
        self.assertGreater(len(stopped), 30)
        in_top = [score for score in stopped if score in top]
        self.assertGreater(len(in_top) / len(stopped), 0.6,
                           "planted churners rank in the top three deciles")

    def test_warnings_explain_with_contributions_strongest_first(self):
        self.env["customer.churn.model"]._train_and_store(self.config)
        self.config.warning_min_score = 70
        run = self._run()
        warnings = self.env["customer.churn.warning"].search([
            ("company_id", "=", self.company.id)])
        self.assertEqual(len(warnings), run.warning_count)
        self.assertTrue(warnings)
        for warning in warnings[:50]:
            self.assertGreaterEqual(warning.score, 70)
            score = self._score(warning.partner_id)
            self.assertEqual(score.churn_score, warning.score)
            expected = "critical" if warning.score >= 80 else "high"
            self.assertEqual(warning.severity, expected)
            points = warning.signal_ids.mapped("points")
            self.assertTrue(points, "a warning says why")
            self.assertEqual(points, sorted(points, reverse=True))
            self.assertLessEqual(len(points), 5)
            self.assertGreaterEqual(min(points), 1)

    def test_warning_rules(self):
        self.env["customer.churn.model"]._train_and_store(self.config)
        evaluated = self.env["customer.rfm.score"]
        self.config.write({"warning_rule": "top_percent", "warning_top_percent": 5})
        self._run()
        evaluated = self.env["customer.rfm.score"].search_count([
            ("company_id", "=", self.company.id), ("lifecycle_stage", "!=", "churned")])
        opened = self.env["customer.churn.warning"].search_count([
            ("company_id", "=", self.company.id)])
        self.assertAlmostEqual(opened, evaluated * 0.05, delta=evaluated * 0.02)
        self.assertGreater(self.config.warning_top_cutoff, 0)
        self.env["customer.churn.warning"].search([]).sudo().unlink()
        self.config.write({"warning_rule": "expected_value", "warning_min_value": 200})
        self._run()
        for warning in self.env["customer.churn.warning"].search([]):
            score = self._score(warning.partner_id)
            self.assertGreaterEqual(score.clv_12m * warning.score / 100, 199)


@tagged("post_install", "-at_install")
class TestChurnFallback(SegmentationCase):
    """Too short a history to learn from: BG/NBD's probability of no purchase stands in."""

    def test_short_history_falls_back_to_bgnbd(self):
        customers = [self._customer(f"Short {index}") for index in range(30)]
        for index, partner in enumerate(customers):
            for days in range(5 + index, 200, 20 + index):
                self._buy(partner, days, 100)
        self.env["customer.rfm.run"]._fit_churn_model(self.config)
        model = self.env["customer.churn.model"]._train_and_store(self.config)
        self.assertEqual(model.kind, "bgnbd")
        self.assertIn("Too few customers", model.note)
        self.assertEqual(model.label_days, 30, "the shorter windows were tried too")
        self._run()
        score = self._score(customers[-1])
        r, alpha, a, b = self.config._bgnbd_params()
        days = list(range(5 + 29, 200, 20 + 29))
        x, T = len(days) - 1, max(days)
        t_x = max(days) - min(days)
        odds = a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)
        expected = (odds + ((alpha + T) / (alpha + T + 90)) ** (r + x)) / (1 + odds)
        self.assertEqual(score.churn_score, round(100 * expected))


@tagged("post_install", "-at_install")
class TestRunsDoNotTripOverEachOther(SegmentationCase):

    def test_a_second_run_of_the_company_refuses(self):
        partner = self._customer("Locked")
        self._buy(partner, 10, 100)
        self.env.flush_all()
        other = db_connect(self.env.cr.dbname).cursor()
        try:
            other.execute("SELECT pg_advisory_lock(%s, %s)", (1_480_371_018, self.company.id))
            with self.assertRaises(UserError) as error:
                self._run()
            self.assertIn("being scored by another run", str(error.exception))
        finally:
            other.execute("SELECT pg_advisory_unlock_all()")
            other.close()
        self.assertTrue(self._run())

    def test_the_nightly_job_skips_a_company_being_scored(self):
        partner = self._customer("Skipped")
        self._buy(partner, 10, 100)
        self.env.flush_all()
        other = db_connect(self.env.cr.dbname).cursor()
        try:
            other.execute("SELECT pg_advisory_lock(%s, %s)", (1_480_371_018, self.company.id))
            self.env["customer.rfm.run"]._cron_nightly()
            self.assertFalse(self.env["customer.rfm.run"].search(
                [("company_id", "=", self.company.id)]), "no run while another one runs")
        finally:
            other.execute("SELECT pg_advisory_unlock_all()")
            other.close()
        self.env["customer.rfm.run"]._cron_nightly()
        self.assertTrue(self._score(partner))

    def test_archived_customers_lose_their_open_warnings(self):
        partner = self._customer("Leaving")
        for days in range(120, 301, 30):
            self._buy(partner, days, 100)
        self._run()
        warning = self._warnings(partner)
        self.assertEqual(warning.state, "new")
        partner.action_archive()
        self._run("churn")
        self.assertEqual(warning.state, "lost")
        self.assertEqual(warning.date_closed, self.today)

    def test_incremental_runs_find_lines_committed_late(self):
        partner = self._customer("Late")
        self._buy(partner, 100, 100)
        self._run()
        run = self.env["customer.rfm.run"].search([], limit=1)
        self.assertTrue(run.changes_since)
        # A line created by a transaction that started before the run but committed after:
        # its id is low (reserved early) and its creation time before the run's start.
        line = self._buy(partner, 1, 50)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE customer_purchase_line SET id = -id, create_date = %s WHERE id = %s",
            (run.changes_since, line.id),
        )
        self.env.invalidate_all()
        self.assertIn(partner.id, self.env["customer.rfm.run"]._changed_partner_ids(
            self.config))


@tagged("post_install", "-at_install")
class TestChurnProbabilityOfACohort(SegmentationCase):
    """A cohort as in the classic retail data sets: every customer's first purchase in the
    first twelve weeks of 78, then purchases at their own rate until they drop out for good
    (the BG/NBD story, drawn with numpy). A backtest at week 39 over the 39 weeks after it
    has no history one horizon before its cutoff: the model learns over the 90 days before
    the cutoff and must still rank at least as well as every baseline."""

    CUSTOMERS = 1500

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config.write({"control_group_percent": 0})
        rng = np.random.default_rng(39)
        start = cls.today - timedelta(weeks=78)
        partners = cls.env["res.partner"].create([
            {"name": f"Cohort {index}", "customer_rank": 1} for index in range(cls.CUSTOMERS)
        ])
        lines = []
        for partner in partners:
            rate = rng.gamma(0.8, 1 / 25.0)  # purchases a day
            drop = rng.beta(0.8, 2.5)  # chance to drop out after each purchase
            day = float(rng.uniform(0, 84))
            while day <= 78 * 7:
                cls._document_count += 1
                ref = f"cohort:{cls._document_count}"
                lines.append({
                    "partner_id": partner.id, "company_id": cls.company.id,
                    "date": start + timedelta(days=int(day)), "source": "import",
                    "external_ref": ref, "document_ref": ref, "document_name": ref,
                    "product_id": cls.product.id, "quantity": 1,
                    "amount": round(float(rng.gamma(2.0, 15.0)) + 5, 2), "is_refund": False,
                })
                if rng.random() < drop:
                    break
                day += rng.exponential(1 / rate)
        cls.env["customer.purchase.line"].sudo().create(lines)
        cls.start = start

    def test_a_39_week_backtest_learns_over_90_days_and_ranks_first(self):
        cutoff = self.start + timedelta(weeks=39)
        backtest = self.env["customer.churn.backtest"].create({
            "company_id": self.company.id, "cutoff_date": cutoff,
            "horizon_days": 273, "threshold": 60,
        })
        backtest.action_run()
        self.assertIn("Learned over 90 days", backtest.model_used)
        methods = {line.method: line.roc_auc for line in backtest.method_ids}
        best_baseline = max(auc for code, auc in methods.items() if code != "score")
        self.assertGreaterEqual(methods["score"], best_baseline - 0.005, methods)
        rates = backtest.score_decile_ids.sorted("decile").mapped("churn_rate")
        for higher, lower in zip(rates, rates[1:], strict=False):
            self.assertLessEqual(lower, higher + 2, rates)
