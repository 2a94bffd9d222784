from odoo.tests import new_test_user, tagged

from .common import FeedbackCase


@tagged("post_install", "-at_install")
class TestCustomerSatisfactionTrend(FeedbackCase):
    def _history(self, partner, scores):
        """Feedback on consecutive days, oldest first; a score is (field, value)."""
        for day, (field, value) in enumerate(scores, start=1):
            self._feedback(partner, feedback_date=f"2026-03-{day:02d} 10:00:00", **{field: value})

    def test_trend_up_down_stable_and_none(self):
        up, down, stable, single, empty = (
            self._customer(name) for name in ("Up", "Down", "Stable", "Single", "Empty")
        )
        # earlier 50 and 50, last 100: improving
        self._history(up, [("csat_score", "3"), ("csat_score", "3"), ("csat_score", "5")])
        # earlier 75 and 75, last 25: declining
        self._history(down, [("csat_score", "4"), ("csat_score", "4"), ("csat_score", "2")])
        # earlier 50 and 60 (average 55), last 60: within 5 points
        self._history(stable, [("nps_score", "5"), ("nps_score", "6"), ("nps_score", "6")])
        self._history(single, [("nps_score", "9")])
        partners = up | down | stable | single | empty
        partners.invalidate_recordset()
        self.assertEqual(partners.mapped("satisfaction_trend"),
                         ["up", "down", "stable", "none", "none"])
        self.assertEqual(partners.mapped("satisfaction_last"), [100.0, 25.0, 60.0, 90.0, 0.0])
        self.assertAlmostEqual(up.satisfaction_average, 200 / 3, places=1)
        self.assertAlmostEqual(down.satisfaction_average, 175 / 3, places=1)
        self.assertAlmostEqual(stable.satisfaction_average, 170 / 3, places=1)
        self.assertEqual(single.satisfaction_average, 90.0)
        self.assertEqual(partners.mapped("satisfaction_response_count"), [3, 3, 3, 1, 0])

    def test_unscored_feedback_is_ignored_and_latest_scored_counts(self):
        self._history(self.customer, [
            ("csat_score", "2"),    # 25
            ("csat_score", "5"),    # 100, the latest scored
            ("summary", "No score given"),
        ])
        self.customer.invalidate_recordset()
        self.assertEqual(self.customer.satisfaction_last, 100.0)
        self.assertEqual(self.customer.satisfaction_average, 62.5)
        self.assertEqual(self.customer.satisfaction_trend, "up")
        self.assertEqual(self.customer.feedback_count, 3)

    def test_contacts_share_their_company_figures(self):
        company = self._customer("Huawei Retail", is_company=True)
        buyer = self.env["res.partner"].create({"name": "Buyer", "parent_id": company.id})
        self._feedback(buyer, csat_score="1")
        self._complaint(buyer)
        self._complaint(company, csat_score="3", resolution="<p>Fixed</p>").action_resolve()
        for partner in (company, buyer):
            partner.invalidate_recordset()
            self.assertEqual(partner.feedback_count, 3)
            self.assertEqual(partner.open_complaint_count, 1)
            self.assertEqual(partner.satisfaction_average, 25.0)

    def test_figures_for_many_customers_in_one_query(self):
        customers = self.env["res.partner"].create([
            {"name": f"Customer {number}", "customer_rank": 1, "user_id": self.salesperson.id}
            for number in range(5)
        ])
        for customer in customers:
            self._feedback(customer, nps_score="8")
        customers.invalidate_recordset()
        customers.mapped("commercial_partner_id")
        self.assertTrue(self.env.companies)  # looked up once per environment
        with self.assertQueryCount(1):
            self.assertEqual(customers.mapped("feedback_count"), [1] * 5)
            self.assertEqual(customers.mapped("satisfaction_last"), [80.0] * 5)

    def test_action_opens_the_customers_feedback(self):
        company = self._customer("Xiaomi Store", is_company=True)
        buyer = self.env["res.partner"].create({"name": "Store Buyer", "parent_id": company.id})
        feedback = self._feedback(buyer) | self._feedback(company)
        self._feedback()
        action = buyer.action_open_feedback()
        self.assertEqual(action["res_model"], "customer.feedback")
        self.assertEqual(action["context"]["default_partner_id"], buyer.id)
        self.assertEqual(self.env["customer.feedback"].search(action["domain"]), feedback)

    def test_salesperson_reads_the_figures(self):
        self._history(self.customer, [("csat_score", "4"), ("csat_score", "5")])
        customer = self.customer.with_user(self.salesperson)
        customer.invalidate_recordset()
        self.assertEqual(customer.feedback_count, 2)
        self.assertEqual(customer.satisfaction_trend, "up")

    def test_partner_form_shows_the_trend_to_customer_file_users_only(self):
        arch = self.env["res.partner"].with_user(self.salesperson).get_views(
            [(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="satisfaction_trend"', arch)
        self.assertIn('name="action_open_feedback"', arch)
        employee = new_test_user(self.env, login="fb_trend_employee", groups="base.group_user")
        arch = self.env["res.partner"].with_user(employee).get_views(
            [(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("satisfaction_trend", arch)
        self.assertNotIn("feedback_count", arch)
