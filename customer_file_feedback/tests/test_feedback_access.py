from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import FeedbackCase

# What a customer reads of their own complaints over RPC; every other field is internal.
PORTAL_FIELDS = {
    "name", "feedback_type", "feedback_date", "summary", "description", "state", "is_open",
    "acknowledged_date", "resolved_date", "closed_date", "partner_id", "commercial_partner_id",
    "company_id",
}
MIXIN_FIELDS = {
    "id", "display_name", "create_uid", "create_date", "write_uid", "write_date",
    "access_url", "access_token", "access_warning", "has_message",
}

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

    # ------------------------------------------------------------------ fields

    def _portal_user(self):
        portal = new_test_user(self.env, login="fb_portal_fields", groups="base.group_portal")
        portal.partner_id.parent_id = self.other_customer
        return portal

    def test_portal_user_reads_only_the_customer_fields_of_own_complaint(self):
        self.other_complaint.write({
            "root_cause": "Courier skipped the stop", "corrective_action": "Refunded",
            "preventive_action": "New courier", "resolution": "<p>Draft answer</p>",
            "csat_score": "2", "priority": "3", "satisfaction_manual": True,
        })
        self.other_complaint._escalate()
        portal = self._portal_user()
        complaint = self.other_complaint.with_user(portal)
        values = complaint.read(sorted(PORTAL_FIELDS))[0]
        self.assertEqual((values["summary"], values["state"]), ("Late delivery", "new"))
        internal = [
            name for name, field in self.env["customer.feedback"]._fields.items()
            if field.groups == "base.group_user"
        ]
        for name in ("root_cause", "corrective_action", "preventive_action", "resolution",
                     "user_id", "team_id", "escalated_date", "acknowledge_deadline",
                     "resolve_deadline", "is_overdue", "satisfaction_manual", "satisfaction",
                     "satisfaction_score", "csat_score", "nps_score", "priority", "tag_ids",
                     "measure_ids", "customer_confirmed", "channel"):
            self.assertIn(name, internal)
        Feedback = self.env["customer.feedback"].with_user(portal)
        for name in internal:
            with self.assertRaises(AccessError, msg=name):
                complaint.read([name])
            with self.assertRaises(AccessError, msg=name):
                Feedback.search_read([("id", "=", complaint.id)], [name])
        readable = {
            name for name, field in Feedback._fields.items()
            if not field.groups and not name.startswith(("message_", "activity_", "website_"))
        }
        self.assertEqual(readable - MIXIN_FIELDS, PORTAL_FIELDS)

    # ------------------------------------------------------------------ workflow

    def test_state_and_stamps_move_only_through_the_actions(self):
        complaint = self.own_complaint.with_user(self.salesperson).with_context(
            tracking_disable=False, mail_notrack=False
        )
        for vals in ({"state": "closed"}, {"acknowledged_date": fields.Datetime.now()},
                     {"escalated_date": fields.Datetime.now()},
                     {"satisfaction_score": 100.0}):
            with self.assertRaises(AccessError, msg=vals):
                complaint.write(vals)
        with self.assertRaises(AccessError):
            self.env["customer.feedback"].with_user(self.salesperson).create({
                "partner_id": self.customer.id, "summary": "Already closed", "state": "closed",
            })
        self.assertEqual(self.own_complaint.state, "new")

        complaint.action_acknowledge()
        complaint.write({"resolution": "<p>Parcel re-sent.</p>"})
        complaint.action_resolve()
        self.env.flush_all()
        self.env.cr.flush()
        self.assertEqual(self.own_complaint.state, "resolved")
        self.assertTrue(self.own_complaint.acknowledged_date)
        self.assertTrue(self.own_complaint.resolved_date)
        tracked = self.own_complaint.message_ids.filtered("tracking_value_ids")
        self.assertTrue(tracked)
        self.assertEqual(tracked.author_id, self.salesperson.partner_id,
                         "the actions write as superuser but in the user's name")

    def test_actions_need_write_access(self):
        with self.assertRaises(AccessError):
            self.other_complaint.with_user(self.salesperson).action_acknowledge()
        portal = self._portal_user()
        with self.assertRaises(AccessError):
            self.other_complaint.with_user(portal).action_acknowledge()
        self.assertEqual(self.other_complaint.state, "new")

    # ------------------------------------------------------------------ public methods

    def test_only_customer_file_users_open_a_partner_feedback(self):
        portal = self._portal_user()
        with self.assertRaises(AccessError):
            portal.partner_id.with_user(portal).action_open_feedback()
        action = self.customer.with_user(self.salesperson).action_open_feedback()
        self.assertEqual(action["res_model"], "customer.feedback")
