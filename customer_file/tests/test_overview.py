from odoo.exceptions import AccessError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import SQL

USER = "customer_file.group_customer_file_user"
OFFICER = "customer_file.group_customer_file_officer"
MANAGER = "customer_file.group_customer_file_manager"


def overview_items(overview):
    """{key: item} of every number of the page, trend cells included."""
    items = {}
    for section in overview["sections"]:
        for item in section.get("items", []):
            items[item["key"]] = item
        for row in section.get("rows", []):
            for item in row["items"]:
                items[item["key"]] = item
    return items


class OverviewCase(TransactionCase):
    """A salesperson with three customers (one complete, one due for review), another
    salesperson with two, and a manager who sees all of them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(cls.env, login="ov_salesman",
                                     groups=f"base.group_user,{USER}")
        cls.other = new_test_user(cls.env, login="ov_other", groups=f"base.group_user,{USER}")
        cls.manager = new_test_user(cls.env, login="ov_manager",
                                    groups=f"base.group_user,{MANAGER}")
        cls.env["customer.data.quality.config"]._for_company(cls.env.company).write(
            {"completeness_threshold": 20, "review_months_default": 12})
        Partner = cls.env["res.partner"]
        cls.complete = Partner.create({
            "name": "Overview Complete", "customer_rank": 1, "user_id": cls.salesman.id,
            "email": "complete@example.com", "phone": "+86 138 0000 0001",
        })
        cls.mine = cls.complete | Partner.create([
            {"name": f"Overview Mine {index}", "customer_rank": 1, "user_id": cls.salesman.id}
            for index in (1, 2)
        ])
        cls.theirs = Partner.create([
            {"name": f"Overview Theirs {index}", "customer_rank": 1, "user_id": cls.other.id}
            for index in (1, 2)
        ])
        # A contact of a customer and a supplier are not customers.
        Partner.create({"name": "Overview Contact", "parent_id": cls.complete.id,
                        "user_id": cls.salesman.id})
        Partner.create({"name": "Overview Supplier", "user_id": cls.salesman.id})
        cls.due = cls.mine[1] | cls.theirs[0]
        cls.env.flush_all()
        cls.env.cr.execute(SQL(
            "UPDATE res_partner SET create_date = NOW() - INTERVAL '400 days'"
            " WHERE id = ANY(%s)", cls.due.ids,
        ))
        Partner.invalidate_model(["create_date"])

    def _overview(self, user):
        return self.env["customer.file.overview"].with_user(user).get_overview()


@tagged("post_install", "-at_install")
class TestOverview(OverviewCase):

    def test_salesman_counts_own_customers_only(self):
        items = overview_items(self._overview(self.salesman))
        self.assertEqual(
            {key: items[key]["value"] for key in ("customers", "incomplete", "overdue_reviews")},
            {"customers": 3, "incomplete": 2, "overdue_reviews": 1},
        )
        Partner = self.env["res.partner"].with_user(self.salesman)
        self.assertEqual(Partner.search(items["customers"]["action"]["domain"]), self.mine)
        self.assertEqual(Partner.search(items["incomplete"]["action"]["domain"]),
                         self.mine - self.complete)
        self.assertEqual(Partner.search(items["overdue_reviews"]["action"]["domain"]),
                         self.mine[1])

    def test_salesman_counts_a_colleague_who_is_a_customer(self):
        """Every User reads the partners of internal users (the rule's branch for
        colleagues): one who buys from another salesperson is counted as the list shows."""
        self.other.partner_id.write({"customer_rank": 1, "user_id": self.other.id})
        items = overview_items(self._overview(self.salesman))
        self.assertEqual(items["customers"]["value"], 4)
        self.assertEqual(
            self.env["res.partner"].with_user(self.salesman).search(
                items["customers"]["action"]["domain"]),
            self.mine | self.other.partner_id,
        )

    def test_manager_counts_every_customer(self):
        items = overview_items(self._overview(self.manager))
        Partner = self.env["res.partner"].with_user(self.manager)
        customers = Partner.search(items["customers"]["action"]["domain"])
        self.assertLessEqual(self.mine | self.theirs, customers)
        self.assertEqual(items["customers"]["value"], len(customers))
        self.assertLessEqual(self.due, Partner.search(
            items["overdue_reviews"]["action"]["domain"]))
        self.assertGreaterEqual(items["customers"]["value"],
                                overview_items(self._overview(self.salesman))["customers"]
                                ["value"] + 2)

    def test_each_number_opens_the_list_of_what_it_counts(self):
        for user in (self.salesman, self.manager):
            for key, item in overview_items(self._overview(user)).items():
                if item["format"] != "integer":
                    continue
                action = item["action"]
                self.assertEqual(action["type"], "ir.actions.act_window", key)
                self.assertIn("list", [mode for _view, mode in action["views"]], key)
                self.assertEqual(
                    self.env[action["res_model"]].with_user(user).search_count(
                        action["domain"]),
                    item["value"], f"{user.login}: {key}",
                )

    def test_another_rule_widening_the_customers_is_followed(self):
        """The Overview narrows a salesperson's counts to their salespeople's customers only
        when the Customer File's rule is the only one narrowing them."""
        Overview = self.env["customer.file.overview"]
        # Only the Customer File's rules apply to begin with (other addons, such as key
        # accounts, may add rules of their own).
        customer_file_rules = self.env["ir.model.data"].search([
            ("module", "=", "customer_file"), ("model", "=", "ir.rule"),
        ]).mapped("res_id")
        self.env["ir.rule"].search([
            ("model_id.model", "=", "res.partner"), ("groups", "!=", False),
            ("id", "not in", customer_file_rules),
        ]).active = False
        self.assertFalse(Overview.with_user(self.salesman)._overview_count_hint().is_true())
        self.assertTrue(Overview.with_user(self.manager)._overview_count_hint().is_true())
        group = self.env["res.groups"].create({"name": "Sees every partner"})
        self.env["ir.rule"].create({
            "name": "every partner", "model_id": self.env["ir.model"]._get_id("res.partner"),
            "domain_force": "[(1, '=', 1)]", "groups": [group.id],
        })
        self.salesman.group_ids = [(4, group.id)]
        self.assertTrue(Overview.with_user(self.salesman)._overview_count_hint().is_true())
        items = overview_items(self._overview(self.salesman))
        Partner = self.env["res.partner"].with_user(self.salesman)
        customers = Partner.search(items["customers"]["action"]["domain"])
        self.assertLessEqual(self.mine | self.theirs, customers)
        self.assertEqual(items["customers"]["value"], len(customers))

    def test_duplicate_suspects_for_officers_only(self):
        self.assertNotIn("duplicate_suspects", overview_items(self._overview(self.salesman)))
        officer = new_test_user(self.env, login="ov_officer", groups=f"base.group_user,{OFFICER}")
        Pair = self.env["customer.duplicate.suspect"].sudo()
        Pair.create({"partner_a_id": self.mine[1].id, "partner_b_id": self.mine[2].id,
                     "company_id": self.env.company.id, "score": 80})
        self.env["customer.duplicate.group"].sudo()._regroup()
        item = overview_items(self._overview(officer))["duplicate_suspects"]
        groups = self.env["customer.duplicate.group"].with_user(officer).search(
            item["action"]["domain"])
        self.assertTrue(groups)
        self.assertEqual(item["value"], len(groups))

    def test_in_chinese(self):
        overview = self.env["customer.file.overview"].with_user(self.salesman).with_context(
            lang="zh_CN").get_overview()
        titles = {section["key"]: section["title"] for section in overview["sections"]}
        self.assertEqual((titles["customers"], titles["data_quality"]), ("客户", "数据质量"))
        self.assertEqual(overview_items(overview)["incomplete"]["label"], "资料不完整的客户")

    def test_refused_outside_the_customer_file(self):
        employee = new_test_user(self.env, login="ov_employee", groups="base.group_user")
        portal = new_test_user(self.env, login="ov_portal", groups="base.group_portal")
        for user in (employee, portal):
            with self.assertRaises(AccessError):
                self._overview(user)

    def test_app_opens_on_the_overview(self):
        root = self.env.ref("customer_file.menu_customer_file_root")
        first = self.env["ir.ui.menu"].with_user(self.salesman).search(
            [("parent_id", "=", root.id)], limit=1)
        self.assertEqual(first, self.env.ref("customer_file.menu_customer_file_overview"))
        action = self.env.ref("customer_file.action_customer_file_overview")
        self.assertEqual(first.action, action)
        self.assertEqual((action.tag, action.path), ("customer_file.overview",
                                                     "customer-overview"))


@tagged("post_install", "-at_install")
class TestOverviewTour(HttpCase):
    """The dashboard opens in the browser and its numbers lead to their lists."""

    def test_a_number_leads_to_its_list(self):
        salesman = new_test_user(self.env, login="ov_tour", groups=f"base.group_user,{USER}")
        self.env["customer.data.quality.config"]._for_company(self.env.company).write(
            {"completeness_threshold": 20})
        Partner = self.env["res.partner"]
        Partner.create([{"name": f"Tour Customer {index}", "customer_rank": 1,
                         "user_id": salesman.id} for index in range(3)])
        Partner.create({"name": "Tour Complete", "customer_rank": 1, "user_id": salesman.id,
                        "email": "tour@example.com", "phone": "+86 138 0000 0002"})
        items = overview_items(self.env["customer.file.overview"].with_user(salesman)
                               .get_overview())
        self.assertEqual((items["customers"]["value"], items["incomplete"]["value"]), (4, 3))
        self.start_tour("/odoo/customer-overview", "customer_file_overview_tour",
                        login=salesman.login)
