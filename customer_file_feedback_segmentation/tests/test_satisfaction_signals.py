from datetime import datetime, time, timedelta

from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.customer_file_segmentation.tests.common import SegmentationCase


@tagged("post_install", "-at_install")
class TestSatisfactionSignals(SegmentationCase):
    """Wang Fang buys every month, so only feedback tells anything about her: she was very
    satisfied (CSAT 5 = 100) 200 days ago, dissatisfied (CSAT 2 = 25) 30 days ago, and has a
    complaint open since 10 days: a drop of 75 points and one open complaint, two features
    of the churn model (through the signal hook). Chen Jie's satisfaction barely moved and
    his complaint is resolved."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wang = cls._customer("Wang Fang")
        cls.chen = cls._customer("Chen Jie")
        for partner in (cls.wang, cls.chen):
            for days in range(5, 366, 30):
                cls._buy(partner, days, 100)
        cls._feedback(cls.wang, 200, csat_score="5")
        cls._feedback(cls.wang, 30, csat_score="2")
        cls.open_complaint = cls._feedback(cls.wang, 10, feedback_type="complaint")
        cls._feedback(cls.chen, 200, nps_score="9")
        cls._feedback(cls.chen, 20, nps_score="8")
        resolved = cls._feedback(cls.chen, 15, feedback_type="complaint",
                                 resolution="<p>Refunded.</p>")
        resolved.action_resolve()

    @classmethod
    def _feedback(cls, partner, days_ago, **vals):
        received = datetime.combine(cls.today - timedelta(days=days_ago), time(10))
        return cls.env["customer.feedback"].create({
            "partner_id": partner.id, "summary": "Feedback", "feedback_date": received, **vals,
        })

    def test_feedback_signals_explain_a_warning_with_their_contributions(self):
        """A model whose only weights are on the feedback features (as a company whose
        dissatisfied customers left would learn, see TestComplaintsAreLearned): Wang's
        probability comes from them, and her warning lists both with their values."""
        model = self.env["customer.churn.model"].create({
            "company_id": self.company.id, "horizon_days": 90, "kind": "logistic",
            "intercept": -2.0,
            "coefficients": [
                {"code": "recency", "mean": 2.0, "std": 1.0, "coef": 0.0},
                {"code": "satisfaction_drop", "mean": 0.1, "std": 0.3, "coef": 0.9},
                {"code": "open_complaints", "mean": 0.1, "std": 0.3, "coef": 0.6},
            ],
        })
        self.config.churn_model_id = model
        self._run()
        warning = self._warnings(self.wang)
        self.assertEqual(len(warning), 1)
        # logit = -2 + 0.9 × (1 - 0.1) / 0.3 + 0.6 × (1 - 0.1) / 0.3 = 2.5
        self.assertEqual(warning.score, 92)
        self.assertEqual(
            [(signal.type_id.code, signal.value) for signal in warning.signal_ids],
            [("satisfaction_drop", 75.0), ("open_complaints", 1.0)],
        )
        # Each contribution: the probability minus the probability at the average.
        self.assertEqual(warning.signal_ids.mapped("points"), [47, 26])
        self.assertFalse(self._warnings(self.chen))
        self.assertLess(self._score(self.chen).churn_score, 60)

    def test_drop_threshold_comes_from_the_settings(self):
        self.config.satisfaction_drop_points = 80
        self.assertEqual(self._fired(self.today),
                         {(self.wang.id, "open_complaints", 1.0)},
                         "a 75-point drop is below 80")

    def test_signals_see_only_feedback_dated_up_to_the_cutoff(self):
        as_of = self.today - timedelta(days=12)
        self.open_complaint.resolution = "<p>Replaced.</p>"
        self.open_complaint.action_resolve()
        chen_complaint = self.env["customer.feedback"].search([
            ("partner_id", "=", self.chen.id), ("feedback_type", "=", "complaint"),
        ])
        self.assertEqual(self._fired(as_of), {
            (self.wang.id, "satisfaction_drop", 75.0),
            # Received 15 days ago and resolved today: open 12 days ago.
            (self.chen.id, "open_complaints", 1.0),
        })
        self.assertTrue(chen_complaint.resolved_date)
        # Wang's complaint came in 10 days ago: after the cutoff.
        self.assertEqual(self._fired(self.today - timedelta(days=40)), set())

    def _fired(self, as_of):
        """The feedback signals the hook finds as of ``as_of`` (what a training or a
        backtest with this cutoff sees)."""
        pipeline = self.env["customer.rfm.pipeline"]
        self.env.flush_all()
        count = pipeline._build_base(self.config, as_of)
        pipeline._score(self.config, pipeline._quintile_bounds(count), None, None)
        self.env["customer.churn.evaluation"]._churn_features(self.config, as_of)
        rows = self.env.execute_query(SQL(
            "SELECT partner_id, code, value FROM customer_churn_hook"
            " WHERE code IN ('satisfaction_drop', 'open_complaints')"
        ))
        return {(partner_id, code, round(value, 2)) for partner_id, code, value in rows}


@tagged("post_install", "-at_install")
class TestComplaintsAreLearned(SegmentationCase):
    """Two years of monthly buyers; 100 days ago 80 of 240 complained, and most of those
    stopped buying after it, while a few of the others drifted away anyway. Trained on the
    company's past (as of 90 days ago, outcomes since), the model gives open complaints a
    strong positive weight, and a complaining customer's warning names it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config.control_group_percent = 0
        partners = cls.env["res.partner"].create([
            {"name": f"Buyer {index}", "customer_rank": 1} for index in range(240)
        ])
        lines, complainers = [], partners[:80]
        for index, partner in enumerate(partners):
            complained = partner in complainers
            stops = (complained and index % 5) or (not complained and index % 10 == 0)
            offset = index % 30
            for days in range(offset, 730, 30):
                if stops and days < 95:
                    continue
                cls._document_count += 1
                ref = f"learn:{cls._document_count}"
                lines.append({
                    "partner_id": partner.id, "date": cls.today - timedelta(days=days),
                    "source": "import", "external_ref": ref, "document_ref": ref,
                    "document_name": ref, "amount": 100, "quantity": 1,
                })
        cls.env["customer.purchase.line"].sudo().create(lines)
        received = datetime.combine(cls.today - timedelta(days=100), time(10))
        cls.env["customer.feedback"].create([
            {"partner_id": partner.id, "summary": "Complaint", "feedback_date": received,
             "feedback_type": "complaint"}
            for partner in complainers
        ])
        cls.complainers = complainers

    def test_the_model_learns_what_complaints_weigh(self):
        model = self.env["customer.churn.model"]._train_and_store(self.config)
        self.assertEqual(model.kind, "logistic")
        weights = {term["code"]: term["coef"] for term in model.coefficients}
        self.assertIn("open_complaints", weights)
        self.assertGreater(weights["open_complaints"], 0.5)
        self._run()
        warning = self._warnings(self.complainers[1])
        self.assertEqual(len(warning), 1)
        self.assertIn("open_complaints", warning.signal_ids.type_id.mapped("code"))
        self.assertGreaterEqual(warning.score, 60)
