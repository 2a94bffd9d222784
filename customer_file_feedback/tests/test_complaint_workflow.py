from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import FeedbackCase


@tagged("post_install", "-at_install")
class TestComplaintWorkflow(FeedbackCase):
    def test_full_cycle_stamps_each_stage(self):
        with freeze_time("2026-11-23 09:00:00"):
            complaint = self._complaint()
        self.assertEqual(complaint.state, "new")
        self.assertTrue(complaint.name.startswith("FB/"))
        self.assertEqual(complaint.team_id, self.team)
        with freeze_time("2026-11-23 10:30:00"):
            complaint.action_acknowledge()
        self.assertEqual(str(complaint.acknowledged_date), "2026-11-23 10:30:00")
        complaint.action_start()
        complaint.resolution = "<p>Replaced the door seal.</p>"
        with freeze_time("2026-11-24 16:00:00"):
            complaint.action_resolve()
        self.assertEqual(complaint.state, "resolved")
        self.assertEqual(str(complaint.resolved_date), "2026-11-24 16:00:00")
        self.assertFalse(complaint.is_open)
        with freeze_time("2026-11-25 09:00:00"):
            complaint.customer_confirmed = True
            complaint.action_close()
        self.assertEqual(complaint.state, "closed")
        self.assertEqual(str(complaint.customer_confirmed_date), "2026-11-25")
        self.assertEqual(str(complaint.closed_date), "2026-11-25 09:00:00")

    def test_starting_a_new_complaint_acknowledges_it(self):
        complaint = self._complaint()
        complaint.action_start()
        self.assertEqual(complaint.state, "in_progress")
        self.assertTrue(complaint.acknowledged_date)

    def test_resolving_needs_a_resolution(self):
        complaint = self._complaint()
        complaint.action_start()
        with self.assertRaisesRegex(UserError, "Write the resolution"):
            complaint.action_resolve()
        self.assertEqual(complaint.state, "in_progress")

    def test_forbidden_moves_say_where_it_can_go(self):
        complaint = self._complaint()
        with self.assertRaisesRegex(UserError, "cannot become Closed.*Acknowledged"):
            complaint.action_close()
        with self.assertRaisesRegex(UserError, "cannot become Reopened"):
            complaint.action_reopen()
        self.assertEqual(complaint.state, "new")

    def test_reopening_clears_resolution_stamps_and_escalation(self):
        complaint = self._complaint(resolution="<p>Refunded the delivery fee.</p>")
        complaint.action_resolve()
        complaint.write({"customer_confirmed": True, "escalated_date": "2026-11-20 10:00:00"})
        complaint.action_close()
        complaint.action_reopen()
        self.assertEqual(complaint.state, "reopened")
        self.assertTrue(complaint.is_open)
        self.assertFalse(complaint.resolved_date)
        self.assertFalse(complaint.closed_date)
        self.assertFalse(complaint.escalated_date)
        self.assertFalse(complaint.customer_confirmed)
        self.assertFalse(complaint.customer_confirmed_date)
        complaint.action_start()
        complaint.action_resolve()
        self.assertEqual(complaint.state, "resolved")

    def test_open_filter_matches_open_states(self):
        open_complaint = self._complaint()
        done = self._complaint(resolution="<p>Done</p>")
        done.action_resolve()
        found = self.env["customer.feedback"].search([
            ("id", "in", (open_complaint | done).ids), ("is_open", "=", True),
        ])
        self.assertEqual(found, open_complaint)
        found = self.env["customer.feedback"].search([
            ("id", "in", (open_complaint | done).ids), ("is_open", "=", False),
        ])
        self.assertEqual(found, done)

    def test_other_feedback_closes_without_a_resolution(self):
        praise = self._feedback(feedback_type="praise", summary="Friendly staff")
        praise.action_close()
        self.assertEqual(praise.state, "closed")
        self.assertTrue(praise.acknowledged_date)
        self.assertTrue(praise.closed_date)
        complaint = self._complaint()
        with self.assertRaisesRegex(UserError, "cannot become Closed"):
            complaint.action_close()
