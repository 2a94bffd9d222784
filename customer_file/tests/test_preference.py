from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestPreference(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        cls.phones = Category.create({"name": "Phones"})
        cls.cases = Category.create({"name": "Cases"})
        cls.cables = Category.create({"name": "Cables"})
        Product = cls.env["product.product"]
        cls.phone = Product.create({"name": "Phone", "categ_id": cls.phones.id})
        cls.case = Product.create({"name": "Case", "categ_id": cls.cases.id})
        cls.cable = Product.create({"name": "Cable", "categ_id": cls.cables.id})
        cls.customer = cls.env["res.partner"].create({"name": "黄磊"})
        cls.cheap = cls.env["res.partner"].create({"name": "Cheap buyer"})
        today = fields.Date.today()
        lines = [
            # 黄磊: phones 700 of 1000 net, cases 250, cables 50; bought right after launch.
            (cls.customer, cls.phone, 1, 700, today),
            (cls.customer, cls.case, 5, 250, today),
            (cls.customer, cls.cable, 1, 50, today),
            # Cheap buyer: many cables long after launch.
            (cls.cheap, cls.cable, 10, 30, today + timedelta(days=90)),
        ]
        cls.env["customer.purchase.line"].create([
            {"partner_id": partner.id, "date": day, "external_ref": f"pref:{index}",
             "document_ref": f"pref:{index}", "document_name": f"P{index}",
             "product_id": product.id, "quantity": qty, "amount": amount}
            for index, (partner, product, qty, amount, day) in enumerate(lines)
        ])
        cls.Preference = cls.env["customer.preference"]

    def _inferred(self, partner, preference_type):
        return self.Preference.search([("partner_id", "=", partner.id), ("source", "=", "inferred"),
                                       ("preference_type", "=", preference_type)])

    def test_categories_with_a_large_share_of_spend_are_inferred(self):
        self.Preference._infer_from_purchase_history([self.customer.id])
        categories = self._inferred(self.customer, "category")
        self.assertEqual(
            {(pref.product_category_id.name, pref.strength) for pref in categories},
            {("Phones", 70), ("Cases", 25)},
            "cables hold 5% of the spend: below the 20% threshold",
        )

    def test_price_band_and_launch_habit(self):
        self.Preference._infer_from_purchase_history([self.customer.id, self.cheap.id])
        # Average unit price 266.67 (700, 50, 50) against all unit prices (700, 50, 50, 3):
        # above the third quartile (212.5), below the 95th percentile (602.5).
        self.assertEqual(self._inferred(self.customer, "price_band").price_band, "premium")
        self.assertEqual(self._inferred(self.cheap, "price_band").price_band, "budget")
        habit = self._inferred(self.customer, "habit")
        self.assertEqual((habit.habit, habit.strength), ("buys_at_launch", 100))
        self.assertFalse(self._inferred(self.cheap, "habit"))

    def test_reinference_replaces_inferred_and_keeps_declared(self):
        declared = self.Preference.create({"partner_id": self.customer.id,
                                           "preference_type": "brand", "brand": "Huawei",
                                           "source": "declared", "strength": 90})
        self.customer.action_infer_preferences()
        count = len(self.customer.preference_ids)
        self.customer.action_infer_preferences()
        self.assertEqual(len(self.customer.preference_ids), count, "no duplicates")
        self.assertIn(declared, self.customer.preference_ids)
        self.assertEqual(declared.display_name, "Brand: Huawei (90%)")

    def test_a_preference_needs_its_value(self):
        with self.assertRaisesRegex(ValidationError, "needs its"):
            self.Preference.create({"partner_id": self.customer.id, "preference_type": "brand"})

    def test_price_bands_are_per_company_and_currency(self):
        yen = self.env["res.currency"].with_context(active_test=False).search(
            [("name", "=", "JPY")])
        yen.active = True
        japan = self.env["res.company"].create({"name": "Customer File Japan",
                                                "currency_id": yen.id})
        buyers = self.env["res.partner"].create([{"name": f"Tokyo buyer {n}"} for n in range(4)])
        # In yen a phone is 5,000-7,000; 500 is the cheap end there (and would be a luxury
        # price among the other company's amounts).
        self.env["customer.purchase.line"].create([
            {"partner_id": buyer.id, "company_id": japan.id, "date": fields.Date.today(),
             "external_ref": f"jp:{index}", "document_ref": f"jp:{index}",
             "document_name": f"JP{index}", "product_id": self.phone.id, "quantity": 1,
             "amount": amount}
            for index, (buyer, amount) in enumerate(zip(buyers, (5000, 6000, 7000, 500),
                                                        strict=True))
        ])
        self.Preference._infer_from_purchase_history((buyers | self.customer).ids)
        band = self._inferred(buyers[3], "price_band")
        self.assertEqual((band.price_band, band.company_id), ("budget", japan))
        self.assertEqual(self._inferred(self.customer, "price_band").price_band, "premium",
                         "yen amounts do not move the bands of the other company")
