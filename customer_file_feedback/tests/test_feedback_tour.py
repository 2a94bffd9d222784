from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestFeedbackTour(HttpCase):
    """The complaint board, form and analysis work in the browser."""

    def test_acknowledge_a_complaint_from_the_board(self):
        customer = self.env["res.partner"].create({"name": "Tour Customer", "customer_rank": 1})
        complaint = self.env["customer.feedback"].create({
            "partner_id": customer.id, "feedback_type": "complaint",
            "summary": "Tour: cracked screen",
        })
        self.start_tour(
            "/odoo/action-customer_file_feedback.action_customer_complaint",
            "customer_file_feedback_complaint_tour", login="admin",
        )
        self.assertEqual(complaint.state, "acknowledged")
        self.assertTrue(complaint.acknowledged_date)

    def test_satisfaction_pivot_opens(self):
        customer = self.env["res.partner"].create({"name": "Tour Customer", "customer_rank": 1})
        self.env["customer.feedback"].create({
            "partner_id": customer.id, "summary": "Tour review", "nps_score": "9",
        })
        self.start_tour(
            "/odoo/action-customer_file_feedback.action_customer_feedback_report",
            "customer_file_feedback_analysis_tour", login="admin",
        )
