from odoo.tests import tagged

from .common import KeyAccountCase


@tagged("post_install", "-at_install")
class TestComplaints(KeyAccountCase):

    def _complaint(self, partner, priority="1", **values):
        return self.env["customer.feedback"].create({
            "partner_id": partner.id, "feedback_type": "complaint", "summary": "Broken",
            "priority": priority, **values,
        })

    def test_key_account_complaints_are_one_priority_higher(self):
        key_account, other = self._customers(1), self._customers(1, tier="low")
        self._assign()
        normal = self._complaint(key_account, "1")
        self.assertEqual(normal.priority, "2")
        self.assertEqual(self._complaint(other, "1").priority, "1")
        self.assertEqual(self._complaint(key_account, "3").priority, "3", "the top stays")
        review = self._complaint(key_account, "1", feedback_type="review")
        self.assertEqual(review.priority, "1", "only complaints")
        # The service levels follow the raised priority.
        config = self.env["customer.feedback.config"]._for_company(normal.company_id)
        self.assertEqual(
            (normal.acknowledge_deadline, normal.resolve_deadline),
            config._deadlines("2", normal.feedback_date),
        )

    def test_complaints_in_one_batch_and_of_contacts(self):
        key_account = self._customers(1, is_company=True)
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": key_account.id})
        self._assign()
        complaints = self.env["customer.feedback"].create([
            {"partner_id": partner.id, "feedback_type": "complaint", "summary": "Late",
             "priority": priority}
            for partner, priority in ((key_account, "0"), (contact, "1"), (contact, "2"))
        ])
        self.assertEqual(complaints.mapped("priority"), ["1", "2", "3"])

    def test_open_complaints_keep_the_priority_they_were_received_with(self):
        partner = self._customers(1)
        complaint = self._complaint(partner, "1")
        deadlines = (complaint.acknowledge_deadline, complaint.resolve_deadline)
        self._assign()
        self.assertTrue(partner.key_account_manager_id)
        self.assertEqual(complaint.priority, "1")
        self.assertEqual((complaint.acknowledge_deadline, complaint.resolve_deadline), deadlines)

    def test_complaint_entered_by_the_account_manager(self):
        partner = self._customers(1)
        self._assign()
        manager = partner.key_account_manager_id
        complaint = self.env["customer.feedback"].with_user(manager).create({
            "partner_id": partner.id, "feedback_type": "complaint", "summary": "Scratched",
            "priority": "0",
        })
        self.assertEqual(complaint.sudo().priority, "1")
