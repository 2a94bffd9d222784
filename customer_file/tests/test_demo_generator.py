import random
from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.customer_file.tools import demo_data


@tagged("post_install", "-at_install")
class TestDemoGenerator(TransactionCase):
    def _generate(self, seed):
        with self.env.cr.savepoint(flush=True) as savepoint:
            partners = self.env["customer.file.demo.generator"]._generate_demo(
                customers=25, seed=seed, sale_order_customers=3
            )
            lines = self.env["customer.purchase.line"].search([("partner_id", "in", partners.ids)])
            summary = {
                "names": partners.mapped("name"),
                "lines": len(lines),
                "spend": round(sum(lines.mapped("amount")), 2),
                "aggregates": [
                    (p.purchase_order_count, round(p.lifetime_spend, 2)) for p in partners
                ],
                "interactions": len(partners.interaction_ids),
            }
            savepoint.rollback()
        return summary

    def test_same_seed_same_data(self):
        first = self._generate(7)
        self.assertEqual(first, self._generate(7))
        self.assertNotEqual(first["names"], self._generate(8)["names"])

    def test_generated_customers_have_a_consistent_file(self):
        partners = self.env["customer.file.demo.generator"]._generate_demo(
            customers=40, seed=11, sale_order_customers=5
        )
        self.assertEqual(len(partners), 40)
        self.assertTrue(any(name.isascii() for name in partners.mapped("name")))
        self.assertTrue(any(not name.isascii() for name in partners.mapped("name")))
        Line = self.env["customer.purchase.line"]
        for partner in partners.filtered("purchase_order_count")[:10]:
            lines = Line.search([("commercial_partner_id", "=", partner.id)])
            self.assertAlmostEqual(partner.lifetime_spend, sum(lines.mapped("amount")), places=2)
            self.assertEqual(
                partner.last_purchase_date,
                max(lines.filtered(lambda line: not line.is_refund).mapped("date")),
            )
        self.assertTrue(
            Line.search_count([("partner_id", "in", partners.ids), ("source", "=", "sale")])
        )
        self.assertTrue(partners.owned_product_ids)
        self.assertTrue(partners.contact_point_ids)
        self.assertTrue(partners.preference_ids.filtered(lambda pref: pref.source == "inferred"))

    def test_purchase_rhythm_has_regulars_and_customers_who_stop(self):
        rnd = random.Random(3)
        today = fields.Date.today()
        histories = [demo_data.purchase_dates(rnd, today) for _n in range(300)]
        self.assertTrue(all(history == sorted(history) for history in histories))
        lapsed = [h for h in histories if h and h[-1] < today - timedelta(days=365)]
        regulars = [h for h in histories if len(h) >= 10]
        self.assertGreater(len(lapsed), 20, "some customers stop buying")
        self.assertGreater(len(regulars), 20, "others keep buying at their rhythm")
