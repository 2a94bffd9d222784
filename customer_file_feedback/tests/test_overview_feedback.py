from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import new_test_user, tagged

from odoo.addons.customer_file.tests.test_overview import overview_items

from .common import FeedbackCase


@tagged("post_install", "-at_install")
class TestOverviewFeedback(FeedbackCase):
    """The Overview's NPS and CSAT of the last twelve months and its overdue complaints,
    among the customers the user sees; each month opens the feedback that scored it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = new_test_user(cls.env, login="ovf_other",
                                  groups="customer_file.group_customer_file_user")
        cls.manager = new_test_user(cls.env, login="ovf_manager",
                                    groups="customer_file.group_customer_file_manager")
        cls.theirs = cls._customer("Zhang Min", user=cls.other)
        now = fields.Datetime.now()
        cls.this_month = now.replace(day=1, hour=0, minute=1, second=0, microsecond=0)
        cls.two_months_ago = cls.this_month - relativedelta(months=2) + timedelta(days=14)
        Feedback = cls.env["customer.feedback"]

        def feedback(partner, date, summary, **scores):
            return Feedback.create({"partner_id": partner.id, "feedback_date": date,
                                    "summary": summary, "feedback_type": "review", **scores})

        # This month: a promoter and a detractor (NPS 0), CSAT 4 and 5 (4.5).
        feedback(cls.customer, cls.this_month, "Great", nps_score="10", csat_score="4")
        feedback(cls.customer, cls.this_month, "Poor", nps_score="3", csat_score="5")
        feedback(cls.customer, cls.this_month, "No score")
        feedback(cls.customer, cls.two_months_ago, "Fine", nps_score="9")
        feedback(cls.customer, cls.this_month - relativedelta(months=13), "Too old",
                 nps_score="0")
        feedback(cls.theirs, cls.this_month, "Not mine", nps_score="0", csat_score="1")

        def complaint(partner, days_ago, summary):
            return Feedback.create({
                "partner_id": partner.id, "feedback_type": "complaint", "summary": summary,
                "feedback_date": now - timedelta(days=days_ago),
            })

        cls.late = complaint(cls.customer, 30, "Late complaint")
        complaint(cls.customer, 0, "Fresh complaint")
        cls.their_late = complaint(cls.theirs, 30, "Their late complaint")

    def _overview(self, user, **context):
        return self.env["customer.file.overview"].with_user(user).with_context(
            **context).get_overview()

    def test_nps_and_csat_per_month(self):
        overview = self._overview(self.salesperson)
        section = next(s for s in overview["sections"] if s["key"] == "satisfaction")
        self.assertEqual((section["kind"], len(section["columns"])), ("trend", 12))
        rows = {row["key"]: row["items"] for row in section["rows"]}
        self.assertEqual([len(items) for items in rows.values()], [12, 12])
        nps, csat = rows["nps"], rows["csat"]
        self.assertEqual((nps[-1]["value"], nps[-1]["total"]), (0.0, 2))
        self.assertEqual((csat[-1]["value"], csat[-1]["total"]), (4.5, 2))
        self.assertEqual((nps[-3]["value"], nps[-3]["total"]), (100.0, 1))
        self.assertEqual((csat[-3]["value"], csat[-3]["total"]), (False, 0))
        self.assertEqual([item["value"] for item in nps[:-3]], [False] * 9,
                         "nothing the salesperson sees in those months; 13 months ago is out")

        manager_nps = {row["key"]: row["items"] for row in next(
            s for s in self._overview(self.manager)["sections"] if s["key"] == "satisfaction"
        )["rows"]}["nps"][-1]
        self.assertGreaterEqual(manager_nps["total"], 3)
        self.assertLess(manager_nps["value"], 0, "their detractor counts for the manager")

        zh_section = next(s for s in self._overview(self.salesperson, lang="zh_CN")["sections"]
                          if s["key"] == "satisfaction")
        self.assertEqual(zh_section["title"], "满意度（近 12 个月）")

    def test_each_month_opens_the_feedback_that_scored_it(self):
        Feedback = self.env["customer.feedback"].with_user(self.salesperson)
        for tz in ("UTC", "Asia/Shanghai", "America/New_York"):
            items = overview_items(self._overview(self.salesperson, tz=tz))
            for key, item in items.items():
                if not key.startswith(("nps_", "csat_")):
                    continue
                self.assertEqual(Feedback.search_count(item["action"]["domain"]),
                                 item["total"], f"{tz} {key}")
        items = overview_items(self._overview(self.salesperson, tz="UTC"))
        this_month = f"nps_{self.this_month:%Y_%m}"
        self.assertEqual(
            sorted(Feedback.search(items[this_month]["action"]["domain"]).mapped("summary")),
            ["Great", "Poor"],
        )

    def test_overdue_complaints(self):
        items = overview_items(self._overview(self.salesperson))
        self.assertEqual((items["complaints_overdue"]["value"], items["complaints_open"]["value"]),
                         (1, 2))
        Feedback = self.env["customer.feedback"].with_user(self.salesperson)
        self.assertEqual(Feedback.search(items["complaints_overdue"]["action"]["domain"]),
                         self.late)
        manager_items = overview_items(self._overview(self.manager))
        self.assertIn(self.their_late, self.env["customer.feedback"].with_user(self.manager)
                      .search(manager_items["complaints_overdue"]["action"]["domain"]))
        self.late.sudo().write({"state": "resolved"})
        self.assertEqual(overview_items(self._overview(self.salesperson))
                         ["complaints_overdue"]["value"], 0)
