from freezegun import freeze_time

from odoo.tests import tagged

from .common import FeedbackCase

# Friday 2026-11-20 15:00 UTC: two working hours are left that day.
FRIDAY_3PM = "2026-11-20 15:00:00"


@tagged("post_install", "-at_install")
class TestComplaintSla(FeedbackCase):
    def test_deadlines_count_working_hours_of_the_calendar(self):
        # Normal: acknowledge within 8 working hours, resolve within 5 days of 8 hours.
        normal = self._complaint(feedback_date=FRIDAY_3PM, priority="1")
        # Fri 15-17 (2 h) + Mon 08-12 (4 h) + Mon 13-15 (2 h).
        self.assertEqual(str(normal.acknowledge_deadline), "2026-11-23 15:00:00")
        # 40 h: Fri 2 h, Mon-Thu 32 h, Fri 27th 08-12 and 13-15.
        self.assertEqual(str(normal.resolve_deadline), "2026-11-27 15:00:00")
        # Urgent: 2 hours and 1 day.
        urgent = self._complaint(feedback_date=FRIDAY_3PM, priority="3")
        self.assertEqual(str(urgent.acknowledge_deadline), "2026-11-20 17:00:00")
        self.assertEqual(str(urgent.resolve_deadline), "2026-11-23 15:00:00")

    def test_public_holidays_push_deadlines(self):
        self.env["resource.calendar.leaves"].create({
            "name": "Public holiday", "calendar_id": self.calendar.id,
            "date_from": "2026-11-23 00:00:00", "date_to": "2026-11-23 23:59:59",
        })
        urgent = self._complaint(feedback_date=FRIDAY_3PM, priority="3")
        self.assertEqual(str(urgent.resolve_deadline), "2026-11-24 15:00:00")

    def test_service_levels_are_per_priority_and_editable(self):
        level = self.config.sla_ids.filtered(lambda sla: sla.priority == "2")
        level.write({"acknowledge_hours": 1, "resolve_days": 0.5})
        high = self._complaint(feedback_date=FRIDAY_3PM, priority="2")
        self.assertEqual(str(high.acknowledge_deadline), "2026-11-20 16:00:00")
        # Half a day is 4 working hours: Fri 15-17 and Mon 08-10.
        self.assertEqual(str(high.resolve_deadline), "2026-11-23 10:00:00")

    def test_only_complaints_have_deadlines(self):
        review = self._feedback(feedback_date=FRIDAY_3PM, feedback_type="review")
        self.assertFalse(review.acknowledge_deadline)
        self.assertFalse(review.resolve_deadline)
        self.assertFalse(review.is_overdue)

    def test_overdue_until_acknowledged_then_until_resolved(self):
        complaint = self._complaint(feedback_date=FRIDAY_3PM, priority="1")
        feedback = self.env["customer.feedback"]
        with freeze_time("2026-11-23 14:59:00"):
            complaint.invalidate_recordset(["is_overdue"])
            self.assertFalse(complaint.is_overdue)
        with freeze_time("2026-11-23 15:01:00"):
            complaint.invalidate_recordset(["is_overdue"])
            self.assertTrue(complaint.is_overdue)
            self.assertIn(complaint, feedback.search([("is_overdue", "=", True)]))
            complaint.action_acknowledge()
            complaint.invalidate_recordset(["is_overdue"])
            self.assertFalse(complaint.is_overdue)
            self.assertNotIn(complaint, feedback.search([("is_overdue", "=", True)]))
            self.assertIn(complaint, feedback.search([("is_overdue", "=", False)]))
        with freeze_time("2026-11-27 15:01:00"):
            complaint.invalidate_recordset(["is_overdue"])
            self.assertTrue(complaint.is_overdue)
            complaint.resolution = "<p>Sent a new part.</p>"
            complaint.action_resolve()
            complaint.invalidate_recordset(["is_overdue"])
            self.assertFalse(complaint.is_overdue)

    def test_cron_escalates_overdue_complaints_once_to_the_team_leader(self):
        complaint = self._complaint(feedback_date=FRIDAY_3PM, priority="3")
        on_time = self._complaint(feedback_date="2026-11-23 09:00:00", priority="0")
        with freeze_time("2026-11-23 10:00:00"):
            self.env["customer.feedback"]._cron_escalate_overdue()
            activities = complaint.activity_ids
            self.assertEqual(len(activities), 1)
            self.assertEqual(activities.user_id, self.leader)
            self.assertIn("acknowledgement", activities.note)
            self.assertTrue(complaint.escalated_date)
            self.assertFalse(on_time.activity_ids)
            self.env["customer.feedback"]._cron_escalate_overdue()
            self.assertEqual(len(complaint.activity_ids), 1)

    def test_escalation_without_team_leader_goes_to_the_settings_user(self):
        self.team.user_id = False
        self.config.escalation_user_id = self.salesperson
        complaint = self._complaint(feedback_date=FRIDAY_3PM, priority="3")
        with freeze_time("2026-11-23 10:00:00"):
            self.env["customer.feedback"]._cron_escalate_overdue()
        self.assertEqual(complaint.activity_ids.user_id, self.salesperson)
