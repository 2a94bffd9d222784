import numpy as np

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from odoo.addons.customer_file_segmentation.tools import bgnbd

from .common import SegmentationCase

# Fader, Hardie and Lee's CDNOW estimates, with alpha in days instead of weeks.
CDNOW = (0.243, 4.414 * 7, 0.793, 2.426)


@tagged("post_install", "-at_install")
class TestBgnbdRecovery(TransactionCase):
    def test_fit_recovers_the_parameters_it_was_simulated_with(self):
        rng = np.random.default_rng(7)
        ages = rng.integers(200, 500, 20000)
        x, t_x, T = bgnbd.simulate_bgnbd(CDNOW, 20000, ages, seed=11)
        fit = bgnbd.fit_bgnbd(x, t_x, T)
        for name, truth in zip(("r", "alpha", "a", "b"), CDNOW, strict=True):
            self.assertAlmostEqual(fit[name] / truth, 1, delta=0.15, msg=name)

    def test_predictions_are_consistent(self):
        x, t_x, T = np.array([0, 2, 2, 10]), np.array([0, 30, 300, 300]), np.array([
            365, 365, 365, 365])
        alive = bgnbd.probability_alive(CDNOW, x, t_x, T)
        self.assertEqual(alive[0], 1, "no repeat purchase: no evidence of dropping out")
        self.assertLess(alive[1], alive[2], "a long silence lowers the probability alive")
        expected = bgnbd.expected_purchases(CDNOW, 90, x, t_x, T)
        self.assertLess(expected[2], expected[3], "more purchases, more to come")
        self.assertTrue(np.all(expected >= 0))

    def test_expected_purchases_match_the_simulated_future(self):
        params = (0.5, 40.0, 0.3, 2.0)
        x, t_x, T = bgnbd.simulate_bgnbd(params, 4000, 730, seed=3)
        # The same customers, observed over their first year, then over the second.
        past_x, past_t_x, _ = bgnbd.simulate_bgnbd(params, 4000, 365, seed=3)
        predicted = bgnbd.expected_purchases(params, 365, past_x, past_t_x,
                                             np.full(4000, 365.0)).sum()
        self.assertAlmostEqual(predicted / (x.sum() - past_x.sum()), 1, delta=0.1)

    def test_gamma_gamma_recovers_its_parameters(self):
        p, q, v = 6.25, 3.74, 15.44
        rng = np.random.default_rng(5)
        orders = rng.integers(2, 8, 20000)
        nu = rng.gamma(q, 1 / v, 20000)
        mean_value = np.array([rng.gamma(p, 1 / rate, count).mean()
                               for rate, count in zip(nu, orders, strict=True)])
        fit = bgnbd.fit_gamma_gamma(orders, mean_value)
        for name, truth in zip("pqv", (p, q, v), strict=True):
            self.assertAlmostEqual(fit[name] / truth, 1, delta=0.15, msg=name)
        shrunk = bgnbd.expected_order_value((p, q, v), np.array([2, 50]), np.array([100, 100]))
        population = v * p / (q - 1)
        self.assertTrue(population < shrunk[0] < shrunk[1] < 100,
                        "few orders shrink more towards the population mean")


@tagged("post_install", "-at_install")
class TestChurnModelFit(SegmentationCase):
    def test_fit_on_the_ledger_matches_the_summaries(self):
        rng = np.random.default_rng(1)
        summaries, partners = [], []
        for index in range(60):
            partner = self._customer(f"Fit {index}")
            partners.append(partner)
            age = int(rng.integers(100, 400))
            days = sorted({age, *rng.integers(0, age, int(rng.integers(0, 6))).tolist()},
                          reverse=True)
            for days_ago in days:
                self._buy(partner, days_ago, float(rng.integers(20, 200)))
            summaries.append((len(days) - 1, age - days[-1], age))
        self.config.action_fit_churn_model()
        x, t_x, T = (np.array(column, dtype=float) for column in zip(*summaries, strict=True))
        direct = bgnbd.fit_bgnbd(x, t_x, T)
        stored = self.config._bgnbd_params()
        # Both are maxima of the likelihood of these customers (the optimiser stops within
        # its tolerance, so compare likelihoods rather than parameters).
        self.assertAlmostEqual(
            bgnbd.bgnbd_log_likelihood(stored, x, t_x, T),
            bgnbd.bgnbd_log_likelihood([direct[key] for key in ("r", "alpha", "a", "b")],
                                       x, t_x, T),
            delta=0.01,
        )
        self.assertEqual(self.config.model_fit_customers, 60)
        self.assertTrue(self.config.model_fit_date)
        self.assertGreater(self.config.gamma_gamma_q, 0)
        self._run()
        scores = self.env["customer.rfm.score"].search([("company_id", "=", self.company.id)])
        self.assertEqual(len(scores), 60)
        repeat = scores.filtered(lambda score: score.frequency > 1)
        self.assertTrue(repeat)
        self.assertTrue(all(0 < score.probability_alive <= 1 for score in repeat))
        self.assertTrue(all(score.expected_purchases_90d > 0 for score in scores))
        self.assertTrue(all(score.clv_12m > 0 for score in scores))
        # The predictions computed in SQL (with the expectation table joined per customer)
        # are the model's own.
        summary_of = dict(zip((partner.id for partner in partners), summaries, strict=True))
        for score in scores:
            x_i, t_x_i, T_i = summary_of[score.partner_id.id]
            self.assertAlmostEqual(
                score.expected_purchases_90d,
                float(bgnbd.expected_purchases(stored, 90, x_i, t_x_i, T_i)), delta=0.001,
            )
            if x_i:
                self.assertAlmostEqual(
                    score.probability_alive,
                    float(bgnbd.probability_alive(stored, x_i, t_x_i, T_i)), delta=0.001,
                )
        once = scores.filtered(lambda score: score.frequency == 1)
        self.assertFalse(any(once.mapped("probability_alive")),
                         "one-time buyers fall back to the rules")

    def test_fit_needs_repeat_buyers(self):
        self._buy(self._customer("Once"), 10, 100)
        with self.assertRaises(UserError):
            self.config.action_fit_churn_model()
        self.assertFalse(self.config.model_fit_date)
