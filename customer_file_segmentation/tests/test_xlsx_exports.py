import base64
import datetime

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.customer_file.tests.common import read_xlsx, xlsx_rows

from .common import RolesCase

FORMULA = '=HYPERLINK("http://evil.example","Click")'



@tagged("post_install", "-at_install")
class TestSegmentationXlsxExports(RolesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.formula_customer = cls._customer(FORMULA, user_id=cls.salesman.id)
        for days in range(120, 301, 30):
            cls._buy(cls.formula_customer, days, 50)
        cls.env["customer.rfm.run"]._run_company(cls.company, "full")
        cls.scores = cls.env["customer.rfm.score"].search([
            ("partner_id", "in", (cls.mine | cls.theirs | cls.formula_customer).ids)])
        cls.warnings = cls.env["customer.churn.warning"].search([
            ("partner_id", "in", (cls.mine | cls.theirs | cls.formula_customer).ids)])

    def _label(self, model, fname):
        return self.env[model]._fields[fname]._description_string(self.env)

    def _run_action(self, xmlid, user, records):
        """The file the list's server action downloads for ``user`` on ``records``."""
        action = self.env.ref(xmlid).with_user(user).with_context(
            active_model=records._name, active_ids=records.ids, active_id=records[:1].id,
        ).run()
        export = self.env["customer.xlsx.export"].with_user(user).browse(
            int(action["url"].split("/")[4]))
        return read_xlsx(base64.b64decode(export.content))

    def assert_no_formula(self, sheets):
        for sheet in sheets.values():
            for row in sheet.iter_rows():
                for cell in row:
                    self.assertNotEqual(cell.data_type, "f", f"{sheet.title}!{cell.coordinate}")

    def test_segment_report_counts_what_the_salesman_may_read(self):
        sheets = self._run_action(
            "customer_file_segmentation.action_server_export_segment_report_xlsx",
            self.salesman, self.scores.filtered(lambda s: s.partner_id != self.theirs))
        self.assertEqual(list(sheets), ["Segments", "R × FM Grid", "Customers"])
        customer_label = self._label("customer.rfm.score", "partner_id")
        customers = xlsx_rows(sheets["Customers"])
        self.assertEqual(sorted(row[customer_label].value for row in customers),
                         sorted(["'" + FORMULA, "Mine"]))
        self.assert_no_formula(sheets)

        segments = xlsx_rows(sheets["Segments"])
        self.assertEqual(sum(row["Customers"].value for row in segments), 2)
        self.assertAlmostEqual(sum(row["Share"].value for row in segments), 1.0)
        self.assertTrue(all(row["Share"].number_format == "0.0%" for row in segments))
        currency = self.env.company.currency_id.name
        spend = sum(row[f"Spend ({currency})"].value for row in segments)
        monetary = self._label("customer.rfm.score", "monetary")
        self.assertAlmostEqual(
            spend, sum(row[f"{monetary} ({currency})"].value for row in customers))

        grid = xlsx_rows(sheets["R × FM Grid"])
        self.assertEqual(len(grid), 25)
        self.assertEqual({(row["R (recency)"].value, row["FM (frequency and monetary)"].value)
                          for row in grid},
                         {(r, fm) for r in range(1, 6) for fm in range(1, 6)})
        self.assertEqual(sum(row["Customers"].value for row in grid), 2)

        mine = next(row for row in customers if row[customer_label].value == "Mine")
        score = self._score(self.mine)
        self.assertEqual(mine[self._label("customer.rfm.score", "r_score")].value,
                         score.r_score)
        self.assertEqual(mine[self._label("customer.rfm.score", "last_purchase_date")].value,
                         datetime.datetime.combine(score.last_purchase_date, datetime.time()))
        monetary_cell = mine[f"{monetary} ({currency})"]
        self.assertEqual((monetary_cell.value, monetary_cell.number_format),
                         (score.monetary, "#,##0.00"))

    def test_a_probability_not_estimated_stays_empty(self):
        """NULL (a one-time buyer's probability alive), which the ORM reads as 0, is an empty
        cell; a probability is a percentage."""
        mine, formula = self._score(self.mine), self._score(self.formula_customer)
        self.env.cr.execute(SQL(
            "UPDATE customer_rfm_score SET probability_alive = CASE WHEN id = %s THEN 0.42 END"
            " WHERE id IN %s", mine.id, (mine.id, formula.id)))
        self.env["customer.rfm.score"].invalidate_model(["probability_alive"])
        content = self.env["customer.xlsx.export"].with_user(self.salesman)._segment_report_xlsx(
            mine | formula)
        label = self._label("customer.rfm.score", "probability_alive")
        customer_label = self._label("customer.rfm.score", "partner_id")
        cells = {row[customer_label].value: row[label]
                 for row in xlsx_rows(read_xlsx(content)["Customers"])}
        self.assertEqual((cells["Mine"].value, cells["Mine"].number_format), (0.42, "0.0%"))
        self.assertIsNone(cells["'" + FORMULA].value)

    def test_select_all_exports_the_filter_within_the_record_rules(self):
        self.env["ir.config_parameter"].set_param("web.active_ids_limit", 1)
        Export = self.env["customer.xlsx.export"]
        action = Export.with_user(self.salesman).with_context(
            active_domain=[("id", "in", self.scores.ids)],
        )._export_segment_report(self.scores[:1])
        export = Export.browse(int(action["url"].split("/")[4]))
        customers = xlsx_rows(read_xlsx(base64.b64decode(export.content))["Customers"])
        self.assertEqual(len(customers), 2, "own customers only, not the other salesman's")
        with self.assertRaises(AccessError):
            Export.with_user(self.salesman)._segment_report_xlsx(self._score(self.theirs))
        officer_rows = xlsx_rows(read_xlsx(
            Export.with_user(self.officer)._segment_report_xlsx(self.scores))["Customers"])
        self.assertEqual(len(officer_rows), 3)

    def test_churn_warnings_with_their_summary_by_cohort(self):
        self.assertEqual(len(self.warnings), 3, "the three customers lapsed")
        sheets = self._run_action(
            "customer_file_segmentation.action_server_export_churn_warnings_xlsx",
            self.salesman, self.warnings.filtered(lambda w: w.partner_id != self.theirs))
        self.assertEqual(list(sheets), ["Summary by Cohort", "Churn Warnings"])
        rows = xlsx_rows(sheets["Churn Warnings"])
        customer_label = self._label("customer.churn.warning", "partner_id")
        self.assertEqual(sorted(row[customer_label].value for row in rows),
                         sorted(["'" + FORMULA, "Mine"]))
        warning = self._warnings(self.mine)
        mine = next(row for row in rows if row[customer_label].value == "Mine")
        score = mine[self._label("customer.churn.warning", "score")]
        self.assertEqual((score.value, score.data_type), (warning.score, "n"))
        detected = mine[self._label("customer.churn.warning", "date_detected")]
        self.assertEqual(detected.value,
                         datetime.datetime.combine(warning.date_detected, datetime.time()))
        self.assertEqual(mine[self._label("customer.churn.warning", "signal_summary")].value,
                         warning.signal_summary)
        self.assert_no_formula(sheets)

        (treated,) = xlsx_rows(sheets["Summary by Cohort"])
        self.assertEqual(treated[self._label("customer.churn.warning", "cohort")].value,
                         "Treated")
        self.assertEqual((treated["Warnings"].value, treated["Open"].value), (2, 2))
        self.assertEqual(treated["Won-back Rate"].value, 0)

    def test_exports_need_the_customer_file_group(self):
        exporter = self.env["customer.xlsx.export"].with_user(self.employee)
        for method, records in (("_export_segment_report", self.scores),
                                ("_segment_report_xlsx", self.scores),
                                ("_export_churn_warnings", self.warnings),
                                ("_churn_warnings_xlsx", self.warnings)):
            with self.assertRaises(AccessError, msg=method):
                getattr(exporter, method)(records)

    def test_customer_list_has_the_segment_columns(self):
        content = self.env["customer.xlsx.export"].with_user(self.salesman)._customers_xlsx(
            self.mine)
        (row,) = xlsx_rows(read_xlsx(content)["Customers"])
        partner = self.mine.with_user(self.salesman)
        self.assertEqual(row[self._label("res.partner", "rfm_segment_id")].value,
                         partner.rfm_segment_id.name)
        stages = dict(self.env["res.partner"]._fields["lifecycle_stage"]
                      ._description_selection(self.env))
        self.assertEqual(row[self._label("res.partner", "lifecycle_stage")].value,
                         stages[partner.lifecycle_stage])
