from datetime import datetime, time, timedelta

from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.customer_file_segmentation.tests.common import SegmentationCase


@tagged("post_install", "-at_install")
class TestSatisfactionSignals(SegmentationCase):
    """Wang Fang buys every month, so only feedback can raise a warning for her: she was very
    satisfied (CSAT 5 = 100) 200 days ago, dissatisfied (CSAT 2 = 25) 30 days ago, and has a
    complaint open since 10 days: a drop of 75 points (20) and one open complaint (20) make
    40, the default threshold of a warning. Chen Jie's satisfaction barely moved and his
    complaint is resolved."""

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

    def test_feedback_signals_open_a_warning_with_their_values(self):
        self._run()
        warning = self._warnings(self.wang)
        self.assertEqual(len(warning), 1)
        self.assertEqual(
            {signal.type_id.code: signal.value for signal in warning.signal_ids},
            {"satisfaction_drop": 75.0, "open_complaints": 1.0},
        )
        self.assertEqual(warning.score, 40)
        self.assertFalse(self._warnings(self.chen))

    def test_drop_threshold_comes_from_the_settings(self):
        self.config.satisfaction_drop_points = 80
        self._run()
        self.assertFalse(self._warnings(self.wang), "a 75-point drop is below 80")

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
        """The feedback signals a backtest with this cutoff sees."""
        run = self.env["customer.rfm.run"]
        self.env.flush_all()
        count = run._build_base(self.config, as_of)
        run._score(self.config, run._quintile_bounds(count), None, None)
        self.env["customer.churn.warning"]._score_churn(self.config, as_of)
        rows = self.env.execute_query(SQL(
            "SELECT fired.partner_id, kind.code, fired.value FROM customer_churn_fired fired"
            "  JOIN customer_churn_signal_type kind ON kind.id = fired.type_id"
            " WHERE kind.code IN ('satisfaction_drop', 'open_complaints')"
        ))
        return {(partner_id, code, round(value, 2)) for partner_id, code, value in rows}
