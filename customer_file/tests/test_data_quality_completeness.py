from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command
from odoo.tests import TransactionCase, new_test_user, tagged

USER = "customer_file.group_customer_file_user"


@tagged("post_install", "-at_install")
class TestCompleteness(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(cls.env, login="dq_user", groups=f"base.group_user,{USER}")
        cls.config = cls.env["customer.data.quality.config"]._for_company(cls.env.company)
        cls.region = cls.env["customer.tag"].create({"name": "华东", "kind": "region"})
        cls._weigh(cls.config, {"email": 50, "phone": 30, "region_tag_ids": 20})

    @classmethod
    def _weigh(cls, config, weights):
        Field = cls.env["ir.model.fields"]
        config.write({"completeness_weight_ids": [Command.clear()] + [
            Command.create({"field_id": Field._get("res.partner", name).id, "weight": weight})
            for name, weight in weights.items()
        ]})

    def _customer(self, **values):
        return self.env["res.partner"].create({
            "name": "李雷", "customer_rank": 1, "user_id": self.user.id,
            "company_id": self.env.company.id, **values,
        })

    def test_new_companies_get_the_default_weights(self):
        company = self.env["res.company"].create({"name": "Second Shop"})
        config = self.env["customer.data.quality.config"]._for_company(company)
        weights = {line.field_id.name: line.weight for line in config.completeness_weight_ids}
        self.assertEqual(sum(weights.values()), 100)
        self.assertIn("email", weights)
        self.assertIn("contact_point_ids", weights)

    def test_score_and_missing_fields_follow_the_customer(self):
        customer = self._customer(email="lilei@example.com")
        self.assertEqual(customer.completeness, 50)
        self.assertEqual(customer.with_user(self.user).completeness_missing, "Phone, Regions")
        customer.phone = "+86 138 0013 8000"
        self.assertEqual(customer.completeness, 80)
        customer.region_tag_ids = [Command.link(self.region.id)]
        self.assertEqual(customer.completeness, 100)
        self.assertFalse(customer.completeness_missing)
        customer.email = "  "
        self.assertEqual(customer.completeness, 50, "a blank value is not filled")

    def test_changing_the_weights_recomputes_every_customer(self):
        email_only = self._customer(email="a@example.com")
        phone_only = self._customer(phone="+86 138 0013 8001")
        line = self.config.completeness_weight_ids.filtered(
            lambda line: line.field_id.name == "email")
        line.weight = 10
        self.assertEqual((email_only.completeness, phone_only.completeness), (17, 50))
        self.config.write({"completeness_weight_ids": [Command.unlink(line.id)]})
        self.assertEqual((email_only.completeness, phone_only.completeness), (0, 60))

    def test_each_company_weighs_its_own_customers(self):
        other = self.env["res.company"].create({"name": "Other Shop"})
        self._weigh(self.env["customer.data.quality.config"]._for_company(other),
                    {"phone": 1})
        ours = self._customer(email="x@example.com")
        theirs = self._customer(email="x@example.com", company_id=other.id)
        shared = self._customer(email="x@example.com", company_id=False)
        self.assertEqual((ours.completeness, theirs.completeness, shared.completeness),
                         (50, 0, 50), "a customer without company has the first company's")

    def test_users_cannot_write_the_score(self):
        customer = self._customer()
        with self.assertRaises(AccessError):
            customer.with_user(self.user).write({"completeness": 100})
        self.assertEqual(customer.completeness, 0)

    def test_only_stored_fields_weigh(self):
        Field = self.env["ir.model.fields"]
        for name in ("is_company", "completeness_missing"):
            with self.assertRaises(ValidationError, msg=name):
                self.env["customer.completeness.weight"].create({
                    "config_id": self.config.id,
                    "field_id": Field._get("res.partner", name).id, "weight": 5,
                })

    def test_users_read_the_weights_but_do_not_change_them(self):
        weights = self.config.completeness_weight_ids.with_user(self.user)
        self.assertEqual(len(weights.read(["weight"])), 3)
        with self.assertRaises(AccessError):
            weights[:1].write({"weight": 99})

    def test_the_incomplete_customers_entry_counts_them(self):
        complete = self._customer(email="c@example.com", phone="+86 138 0013 8002",
                                  region_tag_ids=[Command.link(self.region.id)])
        incomplete = self._customer(email="i@example.com")
        action = self.env["res.partner"].with_user(self.user)._action_data_quality(
            "incomplete")
        found = self.env["res.partner"].with_user(self.user).search(action["domain"])
        self.assertIn(incomplete, found)
        self.assertNotIn(complete, found)
        self.assertIn(f"({len(found)} below 70%)", action["name"])

    def test_views_show_the_score(self):
        views = self.env["res.partner"].with_user(self.user).get_views(
            [(self.env.ref("customer_file.res_partner_view_kanban_customer_file").id,
              "kanban"), (False, "form")])["views"]
        self.assertIn('name="completeness"', views["kanban"]["arch"])
        self.assertIn('name="completeness_missing"', views["form"]["arch"])
