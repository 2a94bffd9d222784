from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import MembershipCase


@tagged("post_install", "-at_install")
class TestAccess(MembershipCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_salesperson = new_test_user(
            cls.env, login="lv_other", groups="customer_file.group_customer_file_user")
        cls.theirs = cls._customer("Other's Customer", user_id=cls.other_salesperson.id)

    def setUp(self):
        super().setUp()
        self._buy(self.customer, self.today, 1500)
        self._buy(self.theirs, self.today, 1500)
        self._evaluate(notify=False)

    def test_users_see_levels_of_their_own_customers(self):
        Membership = self.env["customer.membership"].with_user(self.salesperson)
        self.assertEqual(Membership.search([]).partner_id, self.customer)
        History = self.env["customer.membership.level.history"].with_user(self.salesperson)
        self.assertEqual(History.search([]).partner_id, self.customer)
        self.assertEqual(
            self.env["res.partner"].with_user(self.salesperson).search_read(
                [("id", "=", self.customer.id)], ["membership_level_id"]
            )[0]["membership_level_id"][0],
            self.silver.id,
        )
        self.assertEqual(
            self.env["res.partner"].with_user(self.manager).search(
                [("membership_level_id", "=", self.silver.id),
                 ("id", "in", (self.customer | self.theirs).ids)]),
            self.customer | self.theirs,
        )
        self.assertEqual(
            self.env["customer.membership.level"].with_user(self.salesperson).search(
                [("id", "=", self.silver.id)]).name, "Silver")

    def test_levels_are_the_job_s_not_the_users(self):
        membership = self._membership()
        for user in (self.salesperson, self.manager):
            with self.assertRaises(AccessError):
                membership.with_user(user).write({"level_id": self.gold.id})
            with self.assertRaises(AccessError):
                self.env["customer.membership"].with_user(user).create({
                    "partner_id": self.theirs.id, "company_id": self.company.id,
                    "level_id": self.gold.id,
                })
            with self.assertRaises(AccessError):
                self.customer.with_user(user).write({"membership_level_id": self.gold.id})
            with self.assertRaises(AccessError):
                self.customer.membership_history_ids[:1].with_user(user).unlink()
        self.assertEqual(self._membership().level_id, self.silver)

    def test_only_managers_change_levels_and_recompute(self):
        with self.assertRaises(AccessError):
            self.silver.with_user(self.salesperson).write({"threshold": 10})
        with self.assertRaises(AccessError):
            self.env["customer.membership"].with_user(self.salesperson)._action_evaluate_now()
        self._buy(self.customer, self.today, 4000)
        action = self.env["customer.membership"].with_user(self.manager)._action_evaluate_now()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(self._membership().level_id, self.gold)
        self.silver.with_user(self.manager).write({"points_multiplier": 1.5})
        self.assertEqual(self.silver.points_multiplier, 1.5)
