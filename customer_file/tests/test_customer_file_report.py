import re
import subprocess
import tempfile
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged

USER = "customer_file.group_customer_file_user"
SENSITIVE = "customer_file.group_customer_file_sensitive"
REPORT = "customer_file.action_report_customer_file"


def pdf_text(pdf):
    """The text of ``pdf`` as pdftotext (Debian's poppler-utils) reads it, one page per
    form feed."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        return subprocess.run(
            ["pdftotext", "-enc", "UTF-8", file.name, "-"],
            capture_output=True, check=True, text=True,
        ).stdout


def compact(text):
    """``text`` without whitespace (pdftotext may break a line or space out CJK glyphs)."""
    return re.sub(r"\s+", "", text)


def render_pdf(env, user, partners, lang):
    """The Customer File PDF of ``partners`` printed by ``user`` in ``lang``, as wkhtmltopdf
    makes it (tests get the HTML unless forced)."""
    pdf, report_type = env["ir.actions.report"].with_user(user).with_context(
        lang=lang, force_report_rendering=True,
    )._render_qweb_pdf(REPORT, partners.ids)
    assert report_type == "pdf" and pdf.startswith(b"%PDF"), "wkhtmltopdf made no PDF"
    return pdf_text(pdf)


@tagged("post_install", "-at_install")
class TestCustomerFileReport(HttpCase):
    """The Customer File PDF rendered by Debian's wkhtmltopdf and read back with pdftotext:
    the profile in zh_CN and en_US, contact points masked for users outside Sensitive Data,
    a selection on consecutive pages with the company and print date in the body, and no
    PDF for users outside the Customer File groups."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.salesperson = new_test_user(
            cls.env, login="cf_pdf_sales", name="Sales Zhang", lang="zh_CN",
            groups=f"base.group_user,{USER},sales_team.group_sale_salesman",
        )
        cls.sensitive = new_test_user(
            cls.env, login="cf_pdf_sensitive", name="Officer Li",
            groups=f"base.group_user,customer_file.group_customer_file_officer,{SENSITIVE}",
        )
        cls.outsider = new_test_user(cls.env, login="cf_pdf_outsider",
                                     groups="base.group_user,sales_team.group_sale_salesman")
        cls.other_salesperson = new_test_user(cls.env, login="cf_pdf_sales_2",
                                              groups=f"base.group_user,{USER}")
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create({
            "name": "王小明", "phone": "+86 138 1234 5678", "email": "xiaoming@example.com",
            "customer_rank": 1, "user_id": cls.salesperson.id, "gender": "male",
            "city": "上海",
        })
        cls.second = Partner.create({
            "name": "Lucy Wilson", "customer_rank": 1, "user_id": cls.salesperson.id,
        })
        cls.theirs = Partner.create({
            "name": "Not Mine", "customer_rank": 1, "user_id": cls.other_salesperson.id,
        })
        cls.env["customer.contact.point"].create([
            {"partner_id": cls.customer.id, "kind": "phone", "value": "+86 137 5555 6666"},
            {"partner_id": cls.customer.id, "kind": "email", "value": "wang.xm@example.cn"},
        ])
        cls.product = cls.env["product.product"].create({
            "name": "Espresso Machine", "type": "consu", "taxes_id": [Command.clear()],
        })
        owned = cls.env["customer.owned.product"].create({
            "partner_id": cls.customer.id, "product_id": cls.product.id,
            "serial_number": "SN-PDF-0001",
        })
        cls.env["customer.service.record"].create({
            "owned_product_id": owned.id, "method": "repair",
        })
        cls.today = cls.env.company._customer_file_today()
        # This month 300, two months ago 150 and a refund of 60 five months ago.
        for index, (months_ago, amount) in enumerate(((0, 300.0), (2, 150.0), (5, -60.0))):
            day = cls.today.replace(day=1) - relativedelta(months=months_ago)
            cls._buy(cls.customer, day, amount, f"pdf-test-{index}")

    @classmethod
    def _buy(cls, partner, day, amount, ref):
        return cls.env["customer.purchase.line"].sudo().create({
            "partner_id": partner.id, "company_id": cls.env.company.id, "date": day,
            "source": "import", "external_ref": ref, "document_ref": ref,
            "document_name": ref, "product_id": cls.product.id,
            "quantity": 1 if amount > 0 else -1, "amount": amount, "is_refund": amount < 0,
        })

    def test_zh_cn_pdf_masks_contact_points_for_users_outside_sensitive_data(self):
        text = compact(render_pdf(self.env, self.salesperson, self.customer, "zh_CN"))
        self.assertIn("王小明", text)
        self.assertIn("上海", text)
        for heading in ("客户档案", "身份与人口统计信息", "联系方式", "拥有产品", "服务历史",
                        "购买概况"):
            self.assertIn(heading, text, "the headings are printed in Chinese")
        self.assertIn("男", text, "selection values are printed in Chinese")
        for masked in ("+86138****5678", "x***@example.com", "+86137****6666",
                       "w***@example.cn"):
            self.assertIn(masked, text)
        for plain in ("12345678", "xiaoming@example.com", "55556666", "wang.xm@example.cn"):
            self.assertNotIn(plain, text)
        self.assertIn("SN-PDF-0001", text, "owned products are printed")
        self.assertIn(self.env.company.name.replace(" ", ""), text,
                      "the company is printed in the body, not in a header")

    def test_copied_text_holds_the_characters_printed(self):
        # Common surnames whose glyphs Noto Sans CJK shares with a CJK radical: a PDF printed
        # with it names them by the radical (⾼ ⾦ ⻢ ⻩ ⻓), which a search or a copy misses.
        names = ("高明", "金莉", "马龙", "黄山", "长城")
        partners = self.env["res.partner"].create([
            {"name": name, "customer_rank": 1, "user_id": self.salesperson.id} for name in names
        ])
        text = compact(render_pdf(self.env, self.salesperson, partners, "zh_CN"))
        for name in names:
            self.assertIn(name, text)
        self.assertFalse([char for char in text if 0x2E80 <= ord(char) <= 0x2FDF],
                         "no CJK radical in the text layer")

    def test_en_us_selection_prints_each_customer_from_a_new_page(self):
        text = render_pdf(self.env, self.salesperson, self.customer | self.second, "en_US")
        pages = text.split("\f")
        first = next(index for index, page in enumerate(pages) if "王小明" in compact(page))
        second = next(index for index, page in enumerate(pages) if "Lucy Wilson" in page)
        self.assertLess(first, second)
        self.assertNotIn("王小明", compact("".join(pages[second:])))
        for page in (pages[first], pages[second]):
            self.assertIn("Customer File", page)
            self.assertIn("Printed on", page)
            self.assertIn(self.env.company.name, page)
        for heading in ("Identity and Demographics", "Contact Points", "Owned Products",
                        "Service History", "Purchase Summary"):
            self.assertIn(heading, pages[first])
        self.assertIn("No purchases in the last 24 months.", pages[second])
        self.assertIn("+86 138****5678", pages[first])

    def test_sensitive_data_members_read_contact_points_plain(self):
        html = self.env["ir.actions.report"].with_user(self.sensitive)._render_qweb_html(
            REPORT, self.customer.ids,
        )[0].decode()
        self.assertIn("+86 138 1234 5678", html)
        self.assertIn("+86 137 5555 6666", html)
        self.assertIn("wang.xm@example.cn", html)

    def test_chart_is_the_net_spend_of_each_month(self):
        values = self.env["report.customer_file.report_customer_file"].with_user(
            self.salesperson)._get_report_values(self.customer.ids)
        chart = values["charts"][self.customer.id]
        bars = chart["bars"]
        self.assertEqual(len(bars), 24)
        self.assertEqual(bars[-1]["month"], f"{self.today.month:02d}")
        # The tallest month fills the positive part, the refund month goes below the axis.
        self.assertEqual(chart["up_height"] + chart["down_height"], 110)
        self.assertEqual(bars[-1]["up"], chart["up_height"])
        self.assertAlmostEqual(bars[-3]["up"], chart["up_height"] / 2, delta=1)
        self.assertGreater(bars[-6]["down"], 0)
        self.assertEqual(bars[-6]["up"], 0)
        self.assertEqual(sum(1 for bar in bars if bar["up"] or bar["down"]), 3)

    def test_owned_products_latest_fifty_of_the_organisation(self):
        colleague = self.env["res.partner"].create({
            "name": "王小红", "parent_id": self.second.id,
        })
        self.env["customer.owned.product"].create([{
            "partner_id": (self.second if unit % 2 else colleague).id,
            "product_id": self.product.id, "serial_number": f"SN-MANY-{unit:03d}",
            "purchase_date": self.today - timedelta(days=unit),
        } for unit in range(51)])
        values = self.env["report.customer_file.report_customer_file"].with_user(
            self.salesperson)._get_report_values((self.second | colleague).ids)
        for partner in (self.second, colleague):
            owned = values["owned_products"][partner.id]
            self.assertEqual(values["owned_product_counts"][partner.id], 51,
                             "a contact person prints the products of the organisation")
            self.assertEqual(len(owned), 50)
            self.assertEqual(owned[0].serial_number, "SN-MANY-000", "the latest first")
            self.assertNotIn("SN-MANY-050", owned.mapped("serial_number"))

    def test_report_values_cost_no_query_per_purchase_line(self):
        Report = self.env["report.customer_file.report_customer_file"].with_user(
            self.salesperson)

        def count_queries():
            self.env.invalidate_all()
            self.env.flush_all()
            before = self.cr.sql_log_count
            Report._get_report_values(self.customer.ids)
            return self.cr.sql_log_count - before

        count_queries()  # fills the caches of groups and record rules
        few = count_queries()
        for index in range(60):
            day = self.today - timedelta(days=10 * index)
            self._buy(self.customer, day, 10.0 + index, f"pdf-more-{index}")
        self.env.flush_all()
        self.assertEqual(count_queries(), few)

    def test_users_outside_the_customer_file_get_no_pdf(self):
        Report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        with self.assertRaises(AccessError):
            Report.with_user(self.outsider)._render_qweb_pdf(REPORT, self.customer.ids)
        with self.assertRaises(AccessError, msg="another salesperson's customer"):
            Report.with_user(self.salesperson)._render_qweb_pdf(REPORT, self.theirs.ids)
        bindings = self.env["ir.actions.actions"].with_user(self.outsider).get_bindings(
            "res.partner")
        self.assertNotIn(self.env.ref(REPORT).id,
                         [action["id"] for action in bindings.get("report", [])])
        bindings = self.env["ir.actions.actions"].with_user(self.salesperson).get_bindings(
            "res.partner")
        self.assertIn(self.env.ref(REPORT).id,
                      [action["id"] for action in bindings.get("report", [])])
