from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestCustomerFileAccess(TransactionCase):
    """Who sees which customers and which purchases, per Customer File group."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        user_group = "customer_file.group_customer_file_user"
        cls.alice = new_test_user(cls.env, login="cf_alice", groups=user_group)
        cls.bob = new_test_user(cls.env, login="cf_bob", groups=user_group)
        cls.carol = new_test_user(cls.env, login="cf_carol", groups=user_group)
        cls.officer = new_test_user(
            cls.env, login="cf_officer", groups="customer_file.group_customer_file_officer"
        )
        cls.manager = new_test_user(
            cls.env, login="cf_manager", groups="customer_file.group_customer_file_manager"
        )
        team = cls.env["crm.team"].create({"name": "East"})
        cls.env["crm.team.member"].create([
            {"crm_team_id": team.id, "user_id": cls.alice.id},
            {"crm_team_id": team.id, "user_id": cls.carol.id},
        ])
        Partner = cls.env["res.partner"]
        cls.alice_customer = Partner.create(
            {"name": "Alice's customer", "user_id": cls.alice.id, "customer_rank": 1}
        )
        cls.alice_contact = Partner.create(
            {"name": "Their buyer", "parent_id": cls.alice_customer.id}
        )
        cls.bob_customer = Partner.create(
            {"name": "Bob's customer", "user_id": cls.bob.id, "customer_rank": 1}
        )
        cls.supplier = Partner.create({"name": "A supplier, not a customer"})
        Line = cls.env["customer.purchase.line"]
        cls.alice_line, cls.bob_line = Line.create([
            {"partner_id": partner.id, "date": "2026-01-05", "source": "import",
             "external_ref": f"acl:{partner.id}", "document_ref": f"acl:{partner.id}",
             "document_name": "ACL", "quantity": 1, "amount": 10}
            for partner in (cls.alice_customer, cls.bob_customer)
        ])

    def _visible(self, user, records):
        return records.with_user(user).search([("id", "in", records.ids)])

    def test_user_sees_own_and_team_customers_only(self):
        customers = self.alice_customer | self.alice_contact | self.bob_customer | self.supplier
        self.assertEqual(
            self._visible(self.alice, customers),
            self.alice_customer | self.alice_contact | self.supplier,
        )
        # Carol is in Alice's team.
        self.assertIn(self.alice_customer, self._visible(self.carol, customers))
        self.assertEqual(self._visible(self.bob, customers), self.bob_customer | self.supplier)
        with self.assertRaises(AccessError):
            self.bob_customer.with_user(self.alice).read(["name"])
        with self.assertRaises(AccessError):
            self.bob_customer.with_user(self.alice).write({"occupation": "Engineer"})
        self.alice_customer.with_user(self.alice).write({"occupation": "Engineer"})

    def test_colleagues_of_other_teams_stay_readable(self):
        """res.users inherits the partners' rules: a colleague outside the salesperson's
        teams (here Bob, who even has a customer rank and a salesperson of his own) is
        still readable, as user and as partner, while his customers are not."""
        self.bob.partner_id.write({"customer_rank": 1, "user_id": self.bob.id})
        team = self.env["crm.team"].create({"name": "West"})
        self.env["crm.team.member"].create({"crm_team_id": team.id, "user_id": self.bob.id})
        self.assertEqual(self.bob.with_user(self.alice).read(["name"])[0]["name"],
                         self.bob.name)
        self.assertEqual(self._visible(self.alice, self.bob.partner_id), self.bob.partner_id)
        self.assertEqual(team.with_user(self.alice).member_ids, self.bob)
        self.assertEqual(self._visible(self.alice, self.bob_customer), self.bob_customer.browse())
        portal = new_test_user(self.env, login="cf_portal_customer", groups="base.group_portal")
        portal.partner_id.write({"customer_rank": 1, "user_id": self.bob.id})
        self.assertFalse(self._visible(self.alice, portal.partner_id))

    def test_officer_and_manager_see_every_customer(self):
        customers = self.alice_customer | self.bob_customer
        self.assertEqual(self._visible(self.officer, customers), customers)
        self.assertEqual(self._visible(self.manager, customers), customers)

    def test_purchase_history_follows_customer_visibility(self):
        lines = self.alice_line | self.bob_line
        self.assertEqual(self._visible(self.alice, lines), self.alice_line)
        self.assertEqual(self._visible(self.bob, lines), self.bob_line)
        self.assertEqual(self._visible(self.officer, lines), lines)
        with self.assertRaises(AccessError):
            self.bob_line.with_user(self.alice).read(["amount"])

    def test_only_officers_write_and_only_managers_delete_purchases(self):
        with self.assertRaises(AccessError):
            self.alice_line.with_user(self.alice).write({"amount": 1})
        self.alice_line.with_user(self.officer).write({"amount": 12})
        with self.assertRaises(AccessError):
            self.alice_line.with_user(self.officer).unlink()
        self.alice_line.with_user(self.manager).unlink()

    def test_purchases_of_another_company_are_hidden(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        line = self.env["customer.purchase.line"].create({
            "partner_id": self.alice_customer.id, "company_id": other_company.id,
            "date": "2026-02-01", "external_ref": "acl:other", "document_ref": "acl:other",
            "document_name": "OTHER", "amount": 5,
        })
        self.assertFalse(self._visible(self.officer, line))
        self.officer.company_ids |= other_company
        self.assertEqual(
            self.env["customer.purchase.line"].with_user(self.officer)
            .with_context(allowed_company_ids=[self.officer.company_id.id, other_company.id])
            .search([("id", "=", line.id)]),
            line,
        )

    def test_employees_outside_the_groups_do_not_get_the_history(self):
        employee = new_test_user(self.env, login="cf_employee", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.alice_line.with_user(employee).read(["amount"])
        self.assertEqual(self.alice_customer.with_user(employee).name, "Alice's customer")

    def test_own_customers_do_not_depend_on_the_customer_rank(self):
        Partner = self.env["res.partner"]
        imported = Partner.with_context(customer_file_customer=True).create(
            {"name": "Imported, never invoiced", "user_id": self.bob.id}
        )
        self.assertTrue(imported.customer_code)
        self.assertFalse(imported.customer_rank)
        unowned_buyer = Partner.create({"name": "Walk-in buyer"})
        self.env["customer.purchase.line"].create({
            "partner_id": unowned_buyer.id, "date": "2026-01-06", "source": "import",
            "external_ref": "acl:walk-in", "document_ref": "acl:walk-in",
            "document_name": "POS", "quantity": 1, "amount": 5,
        })
        self.assertTrue(unowned_buyer.customer_code, "every buyer gets a customer code")
        visible = self._visible(self.alice, imported | unowned_buyer | self.supplier)
        self.assertEqual(visible, self.supplier)
        self.assertEqual(self._visible(self.bob, imported), imported)
        filtered = Partner.with_user(self.bob).search(
            [("id", "in", (imported | self.supplier).ids), ("customer_code", "!=", False)]
        )
        self.assertEqual(filtered, imported, "the Customers filter finds uninvoiced customers")

    def test_team_leader_sees_the_customers_of_the_team(self):
        leader = new_test_user(self.env, login="cf_leader",
                               groups="customer_file.group_customer_file_user")
        team = self.env["crm.team"].create({"name": "West", "user_id": leader.id})
        self.assertFalse(self._visible(leader, self.bob_customer))
        self.env["crm.team.member"].create({"crm_team_id": team.id, "user_id": self.bob.id})
        self.assertEqual(self._visible(leader, self.bob_customer), self.bob_customer)
        self.assertFalse(self._visible(self.bob, self.alice_customer),
                         "a member does not see the leader's other teams")
        team.user_id = self.carol
        self.assertFalse(self._visible(leader, self.bob_customer))

    def test_customer_file_methods_check_the_group(self):
        employee = new_test_user(self.env, login="cf_employee_2",
                                 groups="base.group_user,sales_team.group_sale_salesman")
        partner = self.supplier.with_user(employee)
        for method in ("action_open_purchase_history", "action_open_owned_products",
                       "action_open_service_records", "action_open_interactions",
                       "action_infer_preferences"):
            with self.assertRaises(AccessError, msg=method):
                getattr(partner, method)()
        self.assertEqual(
            self.alice_customer.with_user(self.alice).action_open_purchase_history()["domain"],
            [("commercial_partner_id", "=", self.alice_customer.id)],
        )

    def test_figures_the_jobs_compute_cannot_be_written(self):
        self.alice_customer.invalidate_recordset()
        spend = self.alice_customer.lifetime_spend
        self.assertEqual(spend, 10)
        mine = self.alice_customer.with_user(self.manager)
        for values in ({"lifetime_spend": 1e9}, {"value_tier": "high"},
                       {"purchase_order_count": 99}, {"age_band": "under_25"}):
            with self.assertRaises(AccessError, msg=values):
                mine.write(values)
        mine.write({"lifetime_spend": spend, "occupation": "Engineer"})
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.manager).create(
                {"name": "Forged", "spend_12m": 500}
            )
        copied = self.alice_customer.copy()
        self.assertEqual((copied.lifetime_spend, copied.customer_code), (0, False))
