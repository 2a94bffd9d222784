from odoo.tests import tagged

from .common import FeedbackCase


@tagged("post_install", "-at_install")
class TestSatisfaction(FeedbackCase):
    def test_class_from_csat(self):
        expected = {"1": "dissatisfied", "2": "dissatisfied", "3": "neutral", "4": "satisfied",
                    "5": "satisfied"}
        for score, satisfaction in expected.items():
            self.assertEqual(self._feedback(csat_score=score).satisfaction, satisfaction, score)

    def test_class_from_nps(self):
        for score in range(11):
            expected = "satisfied" if score >= 9 else "neutral" if score >= 7 else "dissatisfied"
            self.assertEqual(self._feedback(nps_score=str(score)).satisfaction, expected, score)

    def test_worse_of_two_scores_wins(self):
        self.assertEqual(self._feedback(csat_score="5", nps_score="7").satisfaction, "neutral")
        self.assertEqual(self._feedback(csat_score="2", nps_score="10").satisfaction,
                         "dissatisfied")

    def test_no_score_no_class(self):
        feedback = self._feedback()
        self.assertFalse(feedback.satisfaction)
        self.assertFalse(feedback.is_scored)

    def test_manual_class_survives_score_changes(self):
        feedback = self._feedback(csat_score="2")
        feedback.write({"satisfaction_manual": True, "satisfaction": "neutral"})
        feedback.csat_score = "1"
        self.assertEqual(feedback.satisfaction, "neutral")
        feedback.satisfaction_manual = False
        self.assertEqual(feedback.satisfaction, "dissatisfied")

    def test_satisfaction_score_on_a_0_to_100_scale(self):
        self.assertEqual(self._feedback(csat_score="1").satisfaction_score, 0)
        self.assertEqual(self._feedback(csat_score="4").satisfaction_score, 75)
        self.assertEqual(self._feedback(nps_score="7").satisfaction_score, 70)
        both = self._feedback(csat_score="3", nps_score="9")
        self.assertEqual(both.satisfaction_score, 70)
        self.assertTrue(both.is_scored)
