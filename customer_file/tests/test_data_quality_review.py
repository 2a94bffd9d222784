from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import SQL

USER = "customer_file.group_customer_file_user"


@tagged("post_install", "-at_install")
class TestReview(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner = new_test_user(cls.env, login="rv_owner", groups=f"base.group_user,{USER}")
        cls.other = new_test_user(cls.env, login="rv_other", groups=f"base.group_user,{USER}")
        cls.employee = new_test_user(cls.env, login="rv_employee", groups="base.group_user")
        cls.config = cls.env["customer.data.quality.config"]._for_company(cls.env.company)
        cls.config.write({"review_months_high": 3, "review_months_default": 12,
                          "review_activity_limit": 500})
        cls.type = cls.env.ref("customer_file.mail_activity_type_customer_review")
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        Partner = cls.env["res.partner"]
        cls.high = Partner.create({"name": "High Value", "customer_rank": 1,
                                   "user_id": cls.owner.id})
        cls.plain = Partner.create({"name": "No Tier", "customer_rank": 1,
                                    "user_id": cls.owner.id})
        cls.orphan = Partner.create({"name": "Nobody's", "customer_rank": 1})
        cls.supplier = Partner.create({"name": "Supplier", "user_id": cls.owner.id})
        cls.high.sudo().write({"value_tier": "high"})
        cls._created_ago(cls.high | cls.plain | cls.orphan | cls.supplier, days=200)

    @classmethod
    def _created_ago(cls, partners, days):
        cls.env.flush_all()
        cls.env.cr.execute(SQL(
            "UPDATE res_partner SET create_date = NOW() - make_interval(days => %s)"
            " WHERE id = ANY(%s)", days, partners.ids,
        ))
        partners.invalidate_recordset()

    def _review_activities(self, partners):
        return self.env["mail.activity"].search([
            ("res_model", "=", "res.partner"), ("res_id", "in", partners.ids),
            ("activity_type_id", "=", self.type.id),
        ])

    def test_next_review_follows_the_value_tier(self):
        created = self.high.create_date.date()
        self.assertEqual(self.high.next_review_date, fields.Date.add(created, months=3))
        self.assertEqual(self.plain.next_review_date, fields.Date.add(created, months=12))
        self.assertTrue(self.high.review_overdue)
        self.assertFalse(self.plain.review_overdue)
        self.config.review_months_default = 6
        self.plain.invalidate_recordset(["next_review_date", "review_overdue"])
        self.assertTrue(self.plain.review_overdue)
        overdue = self.env["res.partner"].search([("review_overdue", "=", True)])
        self.assertIn(self.high, overdue)
        self.assertIn(self.plain, overdue)
        self.assertNotIn(self.supplier, overdue, "only customers are reviewed")

    def test_cron_schedules_one_activity_per_overdue_customer(self):
        self.env["res.partner"]._cron_schedule_reviews()
        activities = self._review_activities(self.high | self.plain | self.orphan)
        self.assertEqual(activities.mapped("res_id"), [self.high.id])
        self.assertEqual(activities.user_id, self.owner)
        self.env["res.partner"]._cron_schedule_reviews()
        self.assertEqual(len(self._review_activities(self.high)), 1, "never two")

    def test_the_daily_number_is_capped_oldest_first(self):
        self.config.write({"review_months_default": 1, "review_activity_limit": 1})
        self._created_ago(self.plain, days=400)
        self.env["res.partner"]._cron_schedule_reviews()
        self.assertEqual(self._review_activities(self.high | self.plain).mapped("res_id"),
                         [self.plain.id])
        self.env["res.partner"]._cron_schedule_reviews()
        self.assertEqual(len(self._review_activities(self.high | self.plain)), 2)

    def test_mark_reviewed_closes_the_review(self):
        self.env["res.partner"]._cron_schedule_reviews()
        self.high.with_user(self.owner).action_mark_reviewed()
        self.assertEqual(self.high.last_review_date, self.today)
        self.assertEqual(self.high.last_review_user_id, self.owner)
        self.assertFalse(self._review_activities(self.high))
        self.high.invalidate_recordset(["next_review_date", "review_overdue"])
        self.assertEqual(self.high.next_review_date, fields.Date.add(self.today, months=3))
        self.assertFalse(self.high.review_overdue)
        self.env["res.partner"]._cron_schedule_reviews()
        self.assertFalse(self._review_activities(self.high))

    def test_who_may_mark_reviewed(self):
        with self.assertRaises(AccessError):
            self.high.with_user(self.employee).action_mark_reviewed()
        with self.assertRaises(AccessError, msg="someone else's customer"):
            self.high.with_user(self.other).action_mark_reviewed()
        with self.assertRaises(AccessError, msg="set by the button only"):
            self.high.with_user(self.owner).write({"last_review_date": self.today})
        self.assertFalse(self.high.last_review_date)

    def test_the_overdue_reviews_entry_counts_them(self):
        action = self.env["res.partner"].with_user(self.owner)._action_data_quality("overdue")
        found = self.env["res.partner"].with_user(self.owner).search(action["domain"])
        self.assertEqual(found, self.high)
        self.assertIn("(1)", action["name"])

    def test_marking_the_activity_done_reviews_the_customer(self):
        self.env["res.partner"]._cron_schedule_reviews()
        activity = self._review_activities(self.high)
        activity.with_user(self.owner).action_feedback(feedback="Called, all up to date")
        self.assertEqual(self.high.last_review_date, self.today)
        self.assertEqual(self.high.last_review_user_id, self.owner)
        self.high.invalidate_recordset(["review_overdue"])
        self.assertFalse(self.high.review_overdue)
