from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import FeedbackCase


@tagged("post_install", "-at_install")
class TestFeedbackAccess(FeedbackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_user = new_test_user(
            cls.env, login="fb_other", groups="customer_file.group_customer_file_user"
        )
        cls.manager = new_test_user(
            cls.env, login="fb_manager", groups="customer_file.group_customer_file_manager"
        )
        cls.other_customer = cls._customer("Zhang Min", user=cls.other_user)
        cls.own_complaint = cls._complaint()
        cls.other_complaint = cls._complaint(cls.other_customer)
        cls.other_review = cls._feedback(cls.other_customer, feedback_type="review")

    def test_user_sees_feedback_of_own_and_team_customers(self):
        visible = self.env["customer.feedback"].with_user(self.salesperson).search([
            ("id", "in", (self.own_complaint | self.other_complaint).ids),
        ])
        self.assertEqual(visible, self.own_complaint)
        with self.assertRaises(AccessError):
            self.other_complaint.with_user(self.salesperson).read(["summary"])

    def test_officer_sees_all_and_user_cannot_delete(self):
        visible = self.env["customer.feedback"].with_user(self.leader).search([
            ("id", "in", (self.own_complaint | self.other_complaint).ids),
        ])
        self.assertEqual(len(visible), 2)
        with self.assertRaises(AccessError):
            self.own_complaint.with_user(self.salesperson).unlink()
        self.own_complaint.with_user(self.manager).unlink()
        self.assertFalse(self.own_complaint.exists())

    def test_user_logs_feedback_for_own_customer(self):
        feedback = self.env["customer.feedback"].with_user(self.salesperson).create({
            "partner_id": self.customer.id, "summary": "Likes the new store", "csat_score": "5",
        })
        self.assertEqual(feedback.user_id, self.salesperson)

    def test_only_managers_change_settings(self):
        with self.assertRaises(AccessError):
            self.config.with_user(self.leader).write({"survey_throttle_days": 1})
        with self.assertRaises(AccessError):
            self.config.sla_ids[:1].with_user(self.leader).write({"acknowledge_hours": 1})
        self.config.with_user(self.manager).write({"survey_throttle_days": 7})
        self.assertEqual(self.config.survey_throttle_days, 7)

    def test_portal_user_reads_only_own_complaints(self):
        portal = new_test_user(self.env, login="fb_portal", groups="base.group_portal")
        portal.partner_id.parent_id = self.other_customer
        feedback = self.env["customer.feedback"].with_user(portal)
        self.assertEqual(feedback.search([]), self.other_complaint)
        with self.assertRaises(AccessError):
            self.own_complaint.with_user(portal).read(["summary"])
        with self.assertRaises(AccessError):
            self.other_complaint.with_user(portal).write({"summary": "Changed"})

    def test_other_company_feedback_is_hidden(self):
        other_company = self.env["res.company"].create({"name": "Other Company"})
        foreign = self._complaint(company_id=other_company.id)
        visible = self.env["customer.feedback"].with_user(self.leader).search([
            ("id", "=", foreign.id),
        ])
        self.assertFalse(visible)

    def test_settings_are_one_record_per_company_opened_from_the_menu(self):
        Config = self.env["customer.feedback.config"]
        self.assertEqual(Config._for_company(self.company), self.config)
        other_company = self.env["res.company"].create({"name": "Settings Company"})
        other = Config._for_company(other_company)
        self.assertNotEqual(other, self.config)
        self.assertEqual(Config._for_company(other_company), other)
        self.assertEqual(len(other.sla_ids), 4, "created with the default service levels")
        action = Config.with_user(self.manager)._action_open_for_company()
        self.assertEqual((action["res_model"], action["res_id"]),
                         ("customer.feedback.config", self.config.id))
