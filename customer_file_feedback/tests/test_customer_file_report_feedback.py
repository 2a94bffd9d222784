from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.customer_file.tests.test_customer_file_report import REPORT, compact, render_pdf

USER = "customer_file.group_customer_file_user"


@tagged("post_install", "-at_install")
class TestCustomerFileReportFeedback(HttpCase):
    """The Customer File PDF ends with the customer's satisfaction and latest feedback."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.salesperson = new_test_user(
            cls.env, login="cf_pdf_fb_sales", lang="zh_CN",
            groups=f"base.group_user,{USER},sales_team.group_sale_salesman",
        )
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create({
            "name": "陈静", "customer_rank": 1, "user_id": cls.salesperson.id,
        })
        cls.quiet = Partner.create({
            "name": "Quiet Customer", "customer_rank": 1, "user_id": cls.salesperson.id,
        })
        now = fields.Datetime.now()
        Feedback = cls.env["customer.feedback"]
        Feedback.create({
            "partner_id": cls.customer.id, "feedback_type": "complaint",
            "summary": "包装破损", "feedback_date": now - timedelta(days=10),
        })
        Feedback.create({
            "partner_id": cls.customer.id, "feedback_type": "praise",
            "summary": "送货很快", "feedback_date": now - timedelta(days=1), "csat_score": "5",
        })

    def test_zh_cn_pdf_prints_the_latest_feedback(self):
        text = compact(render_pdf(self.env, self.salesperson, self.customer, "zh_CN"))
        self.assertIn("陈静", text)
        self.assertIn("满意度与最新反馈", text)
        self.assertIn("送货很快", text, "the latest feedback")
        self.assertNotIn("包装破损", text, "only the latest feedback is printed")
        self.assertIn("表扬", text, "its type, in Chinese")
        self.assertLess(text.index("购买概况"), text.index("满意度与最新反馈"),
                        "last of the profile, after the purchase summary")

    def test_customer_without_feedback(self):
        html = self.env["ir.actions.report"].with_user(self.salesperson).with_context(
            lang="en_US")._render_qweb_html(REPORT, self.quiet.ids)[0].decode()
        self.assertIn("Satisfaction and Latest Feedback", html)
        self.assertIn("No feedback recorded.", html)
