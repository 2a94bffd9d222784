from odoo.tests import TransactionCase, tagged
from odoo.tools.safe_eval import safe_eval


@tagged("post_install", "-at_install")
class TestClassification(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        cls.electronics = Category.create({"name": "Electronics"})
        cls.phones = Category.create({"name": "Phones", "parent_id": cls.electronics.id})
        cls.books = Category.create({"name": "Books"})
        cls.phone_buyer, cls.book_buyer, cls.refunder = cls.env["res.partner"].create(
            [{"name": "Phone buyer"}, {"name": "Book buyer"}, {"name": "Refunded only"}]
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Their buyer", "parent_id": cls.book_buyer.id}
        )
        cls.env["customer.purchase.line"].create([
            cls._line(cls.phone_buyer, cls.phones, 1, 500),
            cls._line(cls.contact, cls.books, 2, 30),
            cls._line(cls.refunder, cls.phones, 3, -500, is_refund=True),
        ])

    @staticmethod
    def _line(partner, category, ref, amount, **extra):
        return {"partner_id": partner.id, "date": "2026-03-01", "external_ref": f"class:{ref}",
                "document_ref": f"class:{ref}", "document_name": f"C{ref}",
                "product_categ_id": category.id, "quantity": 1, "amount": amount, **extra}

    def _search(self, domain):
        return self.env["res.partner"].search(
            domain + [("id", "in", (self.phone_buyer | self.book_buyer | self.refunder).ids)]
        )

    def test_customers_by_bought_product_line_include_sub_categories(self):
        self.assertEqual(
            self._search([("purchased_category_id", "in", self.electronics.ids)]), self.phone_buyer
        )
        by_name = self._search([("purchased_category_id", "ilike", "Books")])
        self.assertEqual(by_name, self.book_buyer)

    def test_customers_by_owned_product_line(self):
        phone = self.env["product.product"].create({"name": "P", "categ_id": self.phones.id})
        self.env["customer.owned.product"].create(
            {"partner_id": self.book_buyer.id, "product_id": phone.id}
        )
        domain = [("owned_product_ids.product_categ_id", "child_of", self.electronics.id)]
        self.assertEqual(self._search(domain), self.book_buyer)

    def test_value_tier_and_region_group_bys(self):
        self.phone_buyer.value_tier = "high"
        groups = dict(self.env["res.partner"]._read_group(
            [("id", "in", (self.phone_buyer | self.book_buyer).ids)], ["value_tier"], ["__count"]
        ))
        self.assertEqual(groups, {"high": 1, False: 1})

    def test_saved_filters_for_sales_teams_run(self):
        action = self.env.ref("customer_file.action_customer_file_customers")
        filters = self.env["ir.filters"].search([("action_id", "=", action.id)])
        self.assertGreaterEqual(len(filters), 3)
        self.phone_buyer.write({"value_tier": "high", "user_id": self.env.uid})
        mine = self.env.ref("customer_file.filter_customers_high_value_mine")
        domain = safe_eval(mine.domain, {"uid": self.env.uid})
        self.assertIn(self.phone_buyer, self.env["res.partner"].search(domain))
        for saved in filters:
            self.env["res.partner"].search(safe_eval(saved.domain, {"uid": self.env.uid}))
