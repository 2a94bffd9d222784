from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import FeedbackCase

GLANCE_FIELDS = ("satisfaction_average", "satisfaction_trend", "satisfaction_response_count",
                 "open_complaint_count")


@tagged("post_install", "-at_install")
class TestCustomerGlanceFeedback(FeedbackCase):
    """The customer at a glance shows satisfaction and open complaints to Customer File
    users, and nothing of them to other employees."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.employee = new_test_user(cls.env, "fb_glance_employee",
                                     "base.group_user,sales_team.group_sale_salesman")

    def _form_glance(self, user):
        arch = etree.fromstring(self.env["res.partner"].with_user(user).get_views(
            [(False, "form")])["views"]["form"]["arch"])
        return arch.xpath("//div[@name='customer_file_glance']")

    def test_glance_values(self):
        self._feedback(csat_score="4", feedback_date="2026-01-05")
        self._feedback(nps_score="10", feedback_date="2026-02-05")
        self._complaint()
        self._complaint().write({"state": "closed"})
        values = self.customer.with_user(self.salesperson).read(list(GLANCE_FIELDS))[0]
        self.assertEqual(
            {name: values[name] for name in GLANCE_FIELDS},
            {"satisfaction_average": 87.5, "satisfaction_trend": "up",
             "satisfaction_response_count": 2, "open_complaint_count": 1},
        )

    def test_glance_shows_them_to_customer_file_users_only(self):
        glance = self._form_glance(self.salesperson)
        self.assertEqual(len(glance), 1)
        spans = [span.get("name") for span in glance[0].iterchildren("div")]
        self.assertLess(spans.index("customer_file_glance_satisfaction"),
                        spans.index("customer_file_glance_purchases"))
        self.assertLess(spans.index("customer_file_glance_complaints"),
                        spans.index("customer_file_glance_purchases"))
        shown = {node.get("name") for node in glance[0].iter("field")}
        self.assertLessEqual(set(GLANCE_FIELDS), shown)
        self.assertFalse(self._form_glance(self.employee))
        for name in GLANCE_FIELDS:
            with self.assertRaises(AccessError):
                self.customer.with_user(self.employee).read([name])

    def test_reading_the_glance_of_50_customers_costs_what_5_cost(self):
        customers = self.env["res.partner"].create([
            {"name": f"Glance {number}", "customer_rank": 1, "user_id": self.salesperson.id}
            for number in range(60)
        ])
        self.env["customer.feedback"].create([
            {"partner_id": customer.id, "summary": "Glance", "csat_score": "3",
             "feedback_type": kind}
            for customer in customers for kind in ("review", "complaint")
        ])
        fnames = sorted({node.get("name") for node in self._form_glance(self.salesperson)[0]
                         .iter("field")})

        def read(partners):
            self.env.invalidate_all()
            return partners.with_user(self.salesperson).read(fnames)

        read(customers[:5])  # warm the caches of rules and groups
        self.env.flush_all()
        start = self.env.cr.sql_log_count
        few = read(customers[5:10])
        queries_for_5 = self.env.cr.sql_log_count - start
        with self.assertQueryCount(queries_for_5):
            many = read(customers[10:])
        self.assertEqual(len(many), 50)
        self.assertTrue(all(values["open_complaint_count"] == 1 for values in few + many))
