from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import SQL

PRIVACY = "customer_file.group_customer_file_privacy_officer"


@tagged("post_install", "-at_install")
class TestRetention(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(
            cls.env, login="ret_privacy", groups=f"base.group_user,{PRIVACY}",
        )
        cls.user = new_test_user(
            cls.env, login="ret_officer",
            groups="base.group_user,customer_file.group_customer_file_officer",
        )
        now = fields.Datetime.now()
        cls.long_ago = now - relativedelta(years=5)
        Partner = cls.env["res.partner"]
        cls.old_customer = Partner.create({"name": "Old Customer", "customer_rank": 1,
                                           "email": "old@example.com"})
        cls.new_customer = Partner.create({"name": "New Customer", "customer_rank": 1})
        cls.recent_buyer = Partner.create({"name": "Old but in touch", "customer_rank": 1})
        cls.env.flush_all()
        cls.env.cr.execute(SQL(
            "UPDATE res_partner SET create_date = %s WHERE id IN %s",
            cls.long_ago, (cls.old_customer.id, cls.recent_buyer.id),
        ))
        cls.env.invalidate_all()
        Interaction = cls.env["customer.interaction"]
        cls.old_interaction = Interaction.create({
            "partner_id": cls.old_customer.id, "summary": "Old call", "date": cls.long_ago,
        })
        cls.new_interaction = Interaction.create({
            "partner_id": cls.recent_buyer.id, "summary": "New call",
        })
        Service = cls.env["customer.service.record"]
        cls.old_service = Service.create({
            "partner_id": cls.new_customer.id, "received_date": cls.long_ago.date(),
            "fault_description": "Dropped it in the bath", "outcome": "Replaced the screen",
        })
        cls.old_service.action_done()
        cls.open_old_service = Service.create({
            "partner_id": cls.new_customer.id, "received_date": cls.long_ago.date(),
            "fault_description": "Still open",
        })
        cls.new_service = Service.create({
            "partner_id": cls.new_customer.id, "fault_description": "Recent fault",
        })
        cls.new_service.action_done()
        Policy = cls.env["customer.retention.policy"]
        cls.policies = {
            category: Policy.create({"category": category, "keep_years": 3})
            for category in ("interactions", "service_records", "feedback",
                             "consent_evidence", "inactive_customers")
        }
        cls.has_feedback = "customer.feedback" in cls.env
        if cls.has_feedback:
            Feedback = cls.env["customer.feedback"]
            cls.old_review = Feedback.create({
                "partner_id": cls.new_customer.id, "summary": "Old review",
                "feedback_type": "review", "feedback_date": cls.long_ago,
            })
            cls.old_open_complaint = Feedback.create({
                "partner_id": cls.new_customer.id, "summary": "Old open complaint",
                "feedback_type": "complaint", "feedback_date": cls.long_ago,
            })
            cls.new_review = Feedback.create({
                "partner_id": cls.new_customer.id, "summary": "New review",
                "feedback_type": "review",
            })

    def test_preview_counts_without_changing_anything(self):
        policies = self.env["customer.retention.policy"].browse(
            [policy.id for policy in self.policies.values()]
        )
        policies.with_user(self.officer).action_preview()
        counts = {category: policy.preview_count for category, policy in self.policies.items()}
        self.assertEqual(counts["interactions"], 1)
        self.assertEqual(counts["service_records"], 1)
        self.assertEqual(counts["inactive_customers"], 1)
        self.assertEqual(counts["consent_evidence"], 0)
        self.assertEqual(counts["feedback"], 1 if self.has_feedback else 0)
        self.assertTrue(self.old_interaction.exists())
        self.assertEqual(self.old_customer.name, "Old Customer")
        action = self.policies["inactive_customers"].with_user(self.officer).action_open_records()
        self.assertEqual(action["domain"], [("id", "in", self.old_customer.ids)])

    def test_apply_deletes_blanks_and_anonymizes_old_records_only(self):
        policies = self.env["customer.retention.policy"].browse(
            [policy.id for policy in self.policies.values()]
        )
        policies._apply(commit=False, batch_size=1)
        self.assertFalse(self.old_interaction.exists())
        self.assertTrue(self.new_interaction.exists())
        self.assertTrue(self.old_service.exists())
        self.assertFalse(self.old_service.fault_description)
        self.assertFalse(self.old_service.outcome)
        self.assertEqual(self.open_old_service.fault_description, "Still open")
        self.assertEqual(self.new_service.fault_description, "Recent fault")
        self.assertEqual(self.old_customer.name, f"Erased customer {self.old_customer.id}")
        self.assertFalse(self.old_customer.email)
        self.assertFalse(self.old_customer.with_context(active_test=False).active)
        self.assertEqual(self.new_customer.name, "New Customer")
        self.assertEqual(self.recent_buyer.name, "Old but in touch")
        if self.has_feedback:
            self.assertFalse(self.old_review.exists())
            self.assertTrue(self.old_open_complaint.exists())
            self.assertTrue(self.new_review.exists())
        self.assertEqual(self.policies["interactions"].last_run_count, 1)
        log = self.env["customer.access.log"].search([
            ("action", "=", "subject_erasure"), ("partner_id", "=", self.old_customer.id),
        ])
        self.assertEqual(len(log), 1)
        # A second run finds nothing more.
        policies.with_user(self.officer).action_preview()
        self.assertEqual(sum(policy.preview_count for policy in policies), 0)

    def test_job_is_off_and_only_privacy_officers_preview(self):
        cron = self.env.ref("customer_file.cron_apply_retention_policies")
        self.assertFalse(cron.active)
        with self.assertRaises(AccessError):
            self.policies["interactions"].with_user(self.user).action_preview()
        with self.assertRaises(AccessError):
            self.env["customer.retention.policy"].with_user(self.user).create(
                {"category": "interactions", "keep_years": 2}
            )
