from odoo.tests import new_test_user, tagged

from .common import MembershipCase


@tagged("post_install", "-at_install")
class TestGroupByLevel(MembershipCase):
    """The customers list groups, filters and sorts by the level of the user's current
    company, for a salesperson as for a manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gold_customer = cls._customer("Gold Buyer")
        cls.idle = cls._customer("No Purchase")
        cls.buyer = cls._customer("Zhou Min (buyer)", parent_id=cls.gold_customer.id)
        other_salesperson = new_test_user(cls.env, login="lv_grp_other",
                                          groups="customer_file.group_customer_file_user")
        cls.theirs = cls._customer("Someone Else's", user_id=other_salesperson.id)
        cls.mine = cls.customer | cls.gold_customer | cls.idle | cls.buyer
        cls._buy(cls.customer, cls.today, 1500)
        cls._buy(cls.gold_customer, cls.today, 6000)
        cls._buy(cls.theirs, cls.today, 6000)
        cls.env["customer.membership"]._evaluate_company(cls.company, cls.today, notify=False)

    def _groups(self, user, company=None):
        Partner = self.env["res.partner"].with_user(user)
        if company:
            Partner = Partner.with_company(company)
        groups = Partner.formatted_read_group(
            [("id", "in", (self.mine | self.theirs).ids)], ["membership_level_id"], ["__count"]
        )
        return {(group["membership_level_id"] or (False,))[0]: group for group in groups}

    def test_salesperson_groups_own_customers_by_level(self):
        groups = self._groups(self.salesperson)
        self.assertEqual(
            {level: group["__count"] for level, group in groups.items()},
            {self.silver.id: 1, self.gold.id: 2, False: 1},
            "the buyer counts with their company's level; the other's customer is not seen",
        )
        self.assertEqual(groups[self.gold.id]["membership_level_id"][1], "Gold")
        # Opening a group (what the list does) finds its customers.
        Partner = self.env["res.partner"].with_user(self.salesperson)
        for level, customers in ((self.gold.id, self.gold_customer | self.buyer),
                                 (self.silver.id, self.customer), (False, self.idle)):
            self.assertEqual(
                Partner.search(groups[level]["__extra_domain"]
                               + [("id", "in", (self.mine | self.theirs).ids)]),
                customers, level,
            )

    def test_field_is_groupable_and_sortable_in_the_list(self):
        description = self.env["res.partner"].with_user(self.salesperson).fields_get(
            ["membership_level_id"], ["groupable", "sortable", "searchable"]
        )["membership_level_id"]
        self.assertEqual(description, {"groupable": True, "sortable": True, "searchable": True})
        ordered = self.env["res.partner"].with_user(self.salesperson).search(
            [("id", "in", (self.customer | self.gold_customer).ids)],
            order="membership_level_id desc",
        )
        self.assertEqual(ordered.ids, [self.gold_customer.id, self.customer.id],
                         "by the levels' rank, Gold first")

    def test_members_filter(self):
        Partner = self.env["res.partner"].with_user(self.salesperson)
        mine = [("id", "in", self.mine.ids)]
        self.assertEqual(Partner.search(mine + [("membership_level_id", "!=", False)]),
                         self.mine - self.idle)
        self.assertEqual(Partner.search(mine + [("membership_level_id", "=", False)]), self.idle)
        self.assertEqual(Partner.search(mine + [("membership_level_id", "in", self.gold.ids)]),
                         self.gold_customer | self.buyer)

    def test_groups_follow_the_current_company(self):
        other = self.env["res.company"].create({"name": "Branch Shop"})
        self.salesperson.company_ids |= other
        branch_gold = self.env["customer.membership.level"].create(
            {"name": "Branch Gold", "sequence": 10, "threshold": 0, "company_id": other.id})
        # The Silver customer of the main company is Branch Gold in the branch.
        self.env["customer.membership"].create({
            "partner_id": self.customer.id, "company_id": other.id,
            "level_id": branch_gold.id,
        })
        branch = self._groups(self.salesperson, other)
        self.assertEqual({level: group["__count"] for level, group in branch.items()},
                         {branch_gold.id: 1, False: 3})
        main = self._groups(self.salesperson, self.company)
        self.assertEqual(main[self.silver.id]["__count"], 1)
        self.assertEqual(
            self.customer.with_user(self.salesperson).with_company(other).membership_level_id,
            branch_gold,
        )
