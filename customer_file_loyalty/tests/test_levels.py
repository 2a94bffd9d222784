from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import MembershipCase


@tagged("post_install", "-at_install")
class TestLevels(MembershipCase):

    def assertRefused(self, pattern, action):
        # Odoo's assertRaises rolls back to a savepoint: the refused change is not kept.
        with self.assertRaises(ValidationError) as caught:
            action()
        self.assertRegex(str(caught.exception), pattern)

    def test_overlapping_thresholds_are_refused_naming_the_levels(self):
        Level = self.env["customer.membership.level"]
        self.assertRefused("Platinum.*4000.*Gold.*5000", lambda: Level.create(
            {"name": "Platinum", "sequence": 40, "threshold": 4000}))
        self.assertRefused("Gold.*1000.*Silver.*1000",
                           lambda: self.gold.write({"threshold": 1000}))
        self.assertRefused("Silver.*Gold.*same sequence",
                           lambda: self.gold.write({"sequence": 20}))
        self.assertEqual((self.gold.threshold, self.gold.sequence), (5000, 30))
        self.assertEqual(Level.search([("name", "=", "Platinum")]), Level)

    def test_levels_of_another_company_do_not_conflict(self):
        other = self.env["res.company"].create({"name": "Other Shop"})
        level = self.env["customer.membership.level"].create(
            {"name": "Silver", "sequence": 20, "threshold": 10, "company_id": other.id})
        self.assertEqual(level.company_id, other)

    def test_bad_settings_are_refused(self):
        self.assertRefused("choose the loyalty program",
                           lambda: self.config.write({"basis": "points"}))
        self.assertRefused("day 30 of month 2",
                           lambda: self.config.write({"review_month": "2", "review_day": 30}))
        self.assertEqual(self.config.basis, "spend")

    def test_progress_to_the_next_level(self):
        self._buy(self.customer, self.today, 1200)
        self._evaluate()
        membership = self._membership()
        self.assertEqual(membership.next_level_id, self.gold)
        self.assertEqual(membership.to_next_level, 3800)
