import base64
import datetime
import io
import json

import openpyxl

from odoo import http
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from odoo.addons.customer_file.tools.xlsx import neutralize_formula

from .common import read_xlsx, xlsx_header, xlsx_rows

USER = "customer_file.group_customer_file_user"
OFFICER = "customer_file.group_customer_file_officer"
SENSITIVE = "customer_file.group_customer_file_sensitive"
FORMULAS = ('=HYPERLINK("http://evil.example","Click")', "+1 555 0100", "@SUM(A1:A9)",
            "-2+3")



def assert_no_formula(case, sheets):
    for sheet in sheets.values():
        for row in sheet.iter_rows():
            for cell in row:
                case.assertNotEqual(cell.data_type, "f", f"{sheet.title}!{cell.coordinate}")


def download(env, action):
    """The file an export action downloads, as its user reads it."""
    record_id = int(action["url"].split("/")[4])
    export = env["customer.xlsx.export"].browse(record_id)
    return export.name, base64.b64decode(export.content)


@tagged("post_install", "-at_install")
class TestCustomerListXlsx(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(cls.env, login="xlsx_sales", groups=USER)
        cls.other_salesman = new_test_user(cls.env, login="xlsx_sales_2", groups=USER)
        cls.officer = new_test_user(cls.env, login="xlsx_officer", groups=OFFICER)
        cls.sensitive = new_test_user(cls.env, login="xlsx_sensitive",
                                      groups=f"{OFFICER},{SENSITIVE}")
        cls.employee = new_test_user(cls.env, login="xlsx_employee",
                                     groups="base.group_user,sales_team.group_sale_salesman")
        Partner = cls.env["res.partner"]
        cls.region = cls.env["customer.tag"].create({"name": "华东", "kind": "region"})
        cls.customer = Partner.create({
            "name": "王芳", "customer_rank": 1, "user_id": cls.salesman.id, "city": "上海",
            "phone": "+86 138 1234 1234", "email": "wang.fang@example.com",
            "birthdate": "1985-04-12", "region_tag_ids": [(6, 0, cls.region.ids)],
        })
        cls.formula_customers = Partner.create([
            {"name": name, "customer_rank": 1, "user_id": cls.salesman.id}
            for name in FORMULAS
        ])
        cls.theirs = Partner.create({"name": "Someone else's", "customer_rank": 1,
                                     "user_id": cls.other_salesman.id})
        cls.env["customer.purchase.line"].create([
            {"partner_id": cls.customer.id, "date": date, "source": "import",
             "external_ref": f"xlsx:{index}", "document_ref": f"xlsx:{index}",
             "document_name": f"X{index}", "quantity": 1, "amount": amount}
            for index, (date, amount) in enumerate((("2026-01-05", 1200.5),
                                                    ("2026-03-20", 99.5)))
        ])
        cls.everyone = cls.customer | cls.formula_customers | cls.theirs

    def _exporter(self, user, **context):
        return self.env["customer.xlsx.export"].with_user(user).with_context(**context)

    def _export(self, user, partners):
        return read_xlsx(self._exporter(user)._customers_xlsx(partners))

    def test_headers_types_and_formats(self):
        sheets = self._export(self.officer, self.everyone)
        sheet = sheets["Customers"]
        header, rows = xlsx_header(sheet), xlsx_rows(sheet)
        currency = self.env.company.currency_id.name
        for label in ("Customer Code", "Name", "Regions", "City", "Salesperson",
                      "Completeness (%)", "Last Purchase Date", "Orders",
                      f"Lifetime Spend ({currency})"):
            self.assertIn(label, header)
        self.assertEqual(sheet.freeze_panes, "C2", "header and code + name stay in view")
        self.assertEqual(sheet.auto_filter.ref, f"A1:{sheet.cell(1, len(header)).column_letter}"
                                                f"{len(self.everyone) + 1}")
        row = next(row for row in rows if row["Name"].value == "王芳")
        self.assertTrue(row["Customer Code"].value)
        self.assertEqual(row["Regions"].value, self.region.display_name)
        self.assertEqual(row["City"].value, "上海")
        self.assertEqual(row["Salesperson"].value, self.salesman.name)
        self.assertEqual(row["Orders"].value, 2)
        self.assertEqual(row["Orders"].data_type, "n")
        self.assertEqual(row[f"Lifetime Spend ({currency})"].value, 1300.0)
        self.assertEqual(row[f"Lifetime Spend ({currency})"].number_format, "#,##0.00")
        self.assertIsInstance(row["Completeness (%)"].value, int)
        self.assertEqual(row["Last Purchase Date"].value, datetime.datetime(2026, 3, 20))
        self.assertEqual(row["Last Purchase Date"].number_format, "yyyy-mm-dd")
        self.assertEqual(row["Customer Since"].value, datetime.datetime(2026, 1, 5))

    def test_text_that_looks_like_a_formula_is_written_as_text(self):
        sheets = self._export(self.officer, self.formula_customers)
        rows = xlsx_rows(sheets["Customers"])
        names = {row["Name"].value: row["Name"].data_type for row in rows}
        self.assertEqual(names, {"'" + name: "s" for name in FORMULAS})
        assert_no_formula(self, sheets)

    def test_masked_values_stay_masked_and_sensitive_fields_need_their_group(self):
        rows = xlsx_rows(self._export(self.officer, self.customer)["Customers"])
        (row,) = rows
        self.assertEqual(row["Phone"].value, "'+86 138****1234")
        self.assertEqual(row["Email"].value, "w***@example.com")
        self.assertNotIn("Birthdate", row)
        rows = xlsx_rows(self._export(self.sensitive, self.customer)["Customers"])
        (row,) = rows
        self.assertEqual(row["Phone"].value, "'+86 138 1234 1234")
        self.assertEqual(row["Email"].value, "wang.fang@example.com")
        self.assertEqual(row["Birthdate"].value, datetime.datetime(1985, 4, 12))

    def test_in_chinese(self):
        sheets = read_xlsx(self._exporter(self.officer, lang="zh_CN")._customers_xlsx(
            self.customer))
        self.assertEqual(list(sheets), ["客户"])
        header, (row,) = xlsx_header(sheets["客户"]), xlsx_rows(sheets["客户"])
        Partner = self.env["res.partner"].with_context(lang="zh_CN")
        city = Partner._fields["city"]._description_string(Partner.env)
        self.assertIn(city, header)
        self.assertEqual(row[city].value, "上海")

    def test_a_user_without_the_group_is_refused(self):
        exporter = self._exporter(self.employee)
        with self.assertRaises(AccessError):
            exporter._export_customers(self.everyone)
        with self.assertRaises(AccessError):
            exporter._customers_xlsx(self.everyone)
        action = self.env.ref("customer_file.action_server_export_customers_xlsx")
        self.assertEqual(action.group_ids, self.env.ref(USER))

    def test_a_salesman_exports_what_record_rules_let_them_read(self):
        # "Select all" on a list hands the action the list's domain with the first ids.
        self.env["ir.config_parameter"].set_param("web.active_ids_limit", 1)
        domain = [("id", "in", self.everyone.ids)]
        action = self._exporter(self.salesman, active_domain=domain)._export_customers(
            self.customer)
        file_name, content = download(self.env(user=self.salesman), action)
        self.assertTrue(file_name.endswith(".xlsx"))
        rows = xlsx_rows(read_xlsx(content)["Customers"])
        self.assertEqual(sorted(row["Name"].value for row in rows),
                         sorted(["王芳", *("'" + name for name in FORMULAS)]))
        with self.assertRaises(AccessError):
            self._exporter(self.salesman)._customers_xlsx(self.theirs)

    def test_a_selection_is_exported_as_selected(self):
        action = self._exporter(
            self.officer, active_domain=[("id", "in", self.everyone.ids)],
        )._export_customers(self.customer | self.theirs)
        _name, content = download(self.env(user=self.officer), action)
        rows = xlsx_rows(read_xlsx(content)["Customers"])
        self.assertEqual([row["Name"].value for row in rows],
                         ["王芳", "Someone else's"])

    def test_the_export_is_logged_and_its_file_is_its_users_only(self):
        action = self._exporter(self.salesman)._export_customers(self.customer)
        log = self.env["customer.access.log"].search(
            [("action", "=", "export"), ("user_id", "=", self.salesman.id)])
        self.assertEqual((log.record_count, log.res_ids), (1, str(self.customer.id)))
        self.assertIn("phone", log.field_names)
        record_id = int(action["url"].split("/")[4])
        self.assertTrue(self.env["customer.xlsx.export"].with_user(self.salesman)
                        .browse(record_id).content)
        with self.assertRaises(AccessError):
            self.env["customer.xlsx.export"].with_user(self.other_salesman).browse(
                record_id).read(["content"])


@tagged("post_install", "-at_install")
class TestXlsxDownloads(HttpCase):
    def test_download_and_odoo_list_export_neutralize_formulas(self):
        user = new_test_user(self.env, login="xlsx_http", password="xlsx_http_pw1",
                             groups=f"{OFFICER},base.group_allow_export")
        partners = self.env["res.partner"].create([
            {"name": name, "customer_rank": 1, "user_id": user.id} for name in FORMULAS
        ])
        self.authenticate("xlsx_http", "xlsx_http_pw1")
        action = self.env["customer.xlsx.export"].with_user(user)._export_customers(partners)
        response = self.url_open(action["url"])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"],
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        self.assertIn("attachment", response.headers["Content-Disposition"])
        rows = xlsx_rows(read_xlsx(response.content)["Customers"])
        self.assertEqual(len(rows), len(FORMULAS))

        # Odoo's own list export follows the same rule.
        response = self.url_open("/web/export/xlsx", data={
            "data": json.dumps({
                "model": "res.partner", "fields": [{"name": "name", "label": "Name"}],
                "ids": partners.ids, "domain": [], "groupby": [], "import_compat": False,
            }),
            "csrf_token": http.Request.csrf_token(self),
        })
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        values = {sheet.cell(row, 1).value: sheet.cell(row, 1).data_type
                  for row in range(2, 2 + len(FORMULAS))}
        self.assertEqual(values, {neutralize_formula(name): "s" for name in FORMULAS})
        self.assertEqual(set(values), {"'" + name for name in FORMULAS})

        self.authenticate("admin", "admin")
        response = self.url_open(action["url"])
        self.assertNotEqual(response.status_code, 200, "another user cannot download it")
