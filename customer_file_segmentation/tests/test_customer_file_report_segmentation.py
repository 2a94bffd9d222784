from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.customer_file.tests.test_customer_file_report import REPORT, compact, render_pdf

USER = "customer_file.group_customer_file_user"


@tagged("post_install", "-at_install")
class TestCustomerFileReportSegmentation(HttpCase):
    """The Customer File PDF prints the customer's segment, value tier and lifecycle stage,
    and the open churn warning with its three heaviest reasons, after the purchase summary."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.salesperson = new_test_user(
            cls.env, login="cf_pdf_seg_sales", lang="zh_CN",
            groups=f"base.group_user,{USER},sales_team.group_sale_salesman",
        )
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create({
            "name": "李娜", "customer_rank": 1, "user_id": cls.salesperson.id,
        })
        cls.calm = Partner.create({
            "name": "Calm Customer", "customer_rank": 1, "user_id": cls.salesperson.id,
        })
        # The scoring runs write these; the report only reads them.
        (cls.customer | cls.calm).sudo().write({
            "rfm_segment_id": cls.env.ref("customer_file_segmentation.segment_champions").id,
            "value_tier": "high",
            "lifecycle_stage": "at_risk",
        })
        warning = cls.env["customer.churn.warning"].sudo().create({
            "partner_id": cls.customer.id, "company_id": cls.env.company.id, "score": 72,
            "severity": "high", "user_id": cls.salesperson.id,
        })
        reasons = (("signal_overdue", 2.5, 30), ("signal_spend_drop", 40.0, 20),
                   ("signal_frequency_drop", 35.0, 10), ("signal_recency", 200.0, 5))
        cls.env["customer.churn.signal"].sudo().create([{
            "warning_id": warning.id,
            "type_id": cls.env.ref(f"customer_file_segmentation.{xmlid}").id,
            "value": value, "points": points,
        } for xmlid, value, points in reasons])

    def test_zh_cn_pdf_prints_segment_and_top_churn_reasons(self):
        text = compact(render_pdf(self.env, self.salesperson, self.customer, "zh_CN"))
        self.assertIn("李娜", text)
        self.assertIn("冠军客户", text, "the segment, in Chinese")
        self.assertIn("高价值", text)
        self.assertIn("有流失风险", text)
        self.assertIn("72%", text)
        for reason in ("超出自身购买节奏", "消费金额下降", "购买频次下降"):
            self.assertIn(reason, text)
        self.assertNotIn("距上次购买天数", text, "only the three heaviest reasons")
        self.assertLess(text.index("购买概况"), text.index("冠军客户"),
                        "the segment comes after the purchase summary")

    def test_customer_without_open_warning(self):
        html = self.env["ir.actions.report"].with_user(self.salesperson).with_context(
            lang="en_US")._render_qweb_html(REPORT, self.calm.ids)[0].decode()
        self.assertIn("Champions", html)
        self.assertIn("No open churn warning.", html)
