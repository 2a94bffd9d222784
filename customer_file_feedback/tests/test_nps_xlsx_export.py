import base64
import datetime
import io

import openpyxl
from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.customer_file.tests.common import xlsx_rows

from .common import FeedbackCase

FORMULA = "@SUM(A1:A9)"



@tagged("post_install", "-at_install")
class TestNpsReportXlsx(FeedbackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.outsider = new_test_user(cls.env, login="fb_xlsx_outsider",
                                     groups="customer_file.group_customer_file_user")
        cls.employee = new_test_user(cls.env, login="fb_xlsx_employee",
                                     groups="base.group_user,sales_team.group_sale_salesman")
        cls.formula_customer = cls._customer(FORMULA)
        cls.outsiders_customer = cls._customer("Not in the team", user=cls.outsider)
        january = "2026-01-15 10:00:00"
        february = "2026-02-03 10:00:00"
        feedback = [
            cls._feedback(nps_score="10", csat_score="5", channel="survey",
                          feedback_date=january),
            cls._feedback(nps_score="0", channel="survey", feedback_date=january),
            *(cls._feedback(nps_score=score, channel="survey", feedback_date=february)
              for score in ("10", "9", "7")),
            cls._feedback(cls.formula_customer, channel="email",
                          feedback_date="2026-02-10 10:00:00"),
            cls._feedback(cls.outsiders_customer, nps_score="0", channel="survey",
                          feedback_date=february),
        ]
        cls.complaint = cls._complaint(channel="phone", feedback_date=february,
                                       resolution="<p>Replaced the unit.</p>")
        with freeze_time("2026-02-03 14:00:00"):
            cls.complaint.action_resolve()
        cls.feedback = cls.env["customer.feedback"].union(*feedback, cls.complaint)
        cls.reports = cls.env["customer.feedback.report"].search(
            [("feedback_id", "in", cls.feedback.ids)])

    def _export(self, user):
        action = self.env.ref(
            "customer_file_feedback.action_server_export_nps_report_xlsx",
        ).with_user(user).with_context(
            active_model=self.reports._name, active_ids=self.reports.ids,
            active_id=self.reports[0].id,
            # "Select all": the action widens the selection to the list's filter.
            active_domain=[("id", "in", self.reports.ids)],
        ).run()
        export = self.env["customer.xlsx.export"].with_user(user).browse(
            int(action["url"].split("/")[4]))
        workbook = openpyxl.load_workbook(io.BytesIO(base64.b64decode(export.content)))
        return {sheet.title: sheet for sheet in workbook.worksheets}

    def test_nps_csat_and_complaints_by_month_and_channel(self):
        self.env["ir.config_parameter"].set_param("web.active_ids_limit", 1)
        sheets = self._export(self.salesperson)
        self.assertEqual(list(sheets), ["By Month", "By Channel", "Feedback"])
        january, february = xlsx_rows(sheets["By Month"])
        self.assertEqual(january["Month"].value, datetime.datetime(2026, 1, 1))
        self.assertEqual(january["Month"].number_format, "yyyy-mm")
        self.assertEqual((january["Feedback"].value, january["NPS Responses"].value,
                          january["Promoters"].value, january["Detractors"].value),
                         (2, 2, 1, 1))
        self.assertEqual(january["NPS"].value, 0)
        self.assertEqual((january["CSAT Responses"].value, january["CSAT"].value), (1, 5))
        self.assertIsNone(january["Average Hours to Resolve"].value)
        # February: 10, 9 and 7 (the outsider's 0 is not the salesperson's to read), a
        # complaint resolved in 4 hours and a feedback without a score.
        self.assertEqual((february["Feedback"].value, february["NPS Responses"].value,
                          february["Passives"].value, february["Complaints"].value),
                         (5, 3, 1, 1))
        self.assertAlmostEqual(february["NPS"].value, 200 / 3)
        self.assertEqual(february["NPS"].data_type, "n")
        self.assertAlmostEqual(february["Average Hours to Resolve"].value, 4.0)
        self.assertIsNone(february["CSAT"].value)

        by_channel = {row["Channel"].value: row for row in xlsx_rows(sheets["By Channel"])}
        self.assertEqual(set(by_channel), {"Survey", "Phone", "Email"})
        self.assertEqual(by_channel["Survey"]["Feedback"].value, 5)

        rows = xlsx_rows(sheets["Feedback"])
        self.assertEqual(len(rows), 7)
        customers = {row["Customer"].value for row in rows}
        self.assertEqual(customers, {"Li Wei", "'" + FORMULA})
        for row in rows:
            self.assertNotEqual(row["Customer"].data_type, "f")
            self.assertIsInstance(row["Received"].value, datetime.datetime)
        groups = sorted(row["NPS Group"].value for row in rows if row["NPS Group"].value)
        self.assertEqual(groups, ["Detractor", "Passive", "Promoter", "Promoter", "Promoter"])
        (complaint,) = [row for row in rows if row["Type"].value == "Complaint"]
        self.assertAlmostEqual(complaint["Hours to Resolve"].value, 4.0)
        self.assertAlmostEqual(complaint["Hours to Acknowledge"].value, 4.0)
        unresolved = [row for row in rows if row["Type"].value != "Complaint"]
        self.assertTrue(all(row["Hours to Resolve"].value is None for row in unresolved))
        self.assertEqual(sorted(row["CSAT"].value for row in rows if row["CSAT"].value), [5])

    def test_the_leader_sees_the_team_and_others_are_refused(self):
        rows = xlsx_rows(self._export(self.leader)["Feedback"])
        self.assertEqual(len(rows), 8, "an officer reads every customer's feedback")
        Export = self.env["customer.xlsx.export"]
        with self.assertRaises(AccessError):
            Export.with_user(self.employee)._export_nps_report(self.reports)
        with self.assertRaises(AccessError):
            Export.with_user(self.employee)._nps_report_xlsx(self.reports)
        with self.assertRaises(AccessError, msg="the outsider's feedback is not theirs"):
            Export.with_user(self.salesperson)._nps_report_xlsx(self.reports)
