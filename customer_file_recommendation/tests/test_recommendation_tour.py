from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

USER = "customer_file.group_customer_file_user"


@tagged("post_install", "-at_install")
class TestRecommendationTour(HttpCase):
    """A salesperson quoting a customer adds the recommended product from the quotation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("en_US")
        cls.env["customer.recommendation.config"]._for_company(cls.env.company).write(
            {"min_support": 3, "window_months": 24, "recent_days": 30}
        )
        Product = cls.env["product.product"]
        cls.phone = Product.create({"name": "Reco Tour Phone"})
        cls.case = Product.create({"name": "Reco Tour Case"})
        cable = Product.create({"name": "Reco Tour Cable"})
        cls.salesman = new_test_user(
            cls.env, login="reco_tour_salesman", name="Reco Tour Salesman", lang="en_US",
            groups=f"{USER},sales_team.group_sale_salesman",
        )
        Partner = cls.env["res.partner"]
        pair_buyers = Partner.create([{"name": f"Reco Tour Pair {index}"} for index in range(5)])
        # Customers of another product: the phone and the case are bought together more
        # often than chance would have it.
        cable_buyers = Partner.create([{"name": f"Reco Tour Cable {index}"} for index in range(10)])
        cls.customer = Partner.create({
            "name": "Reco Tour Customer", "user_id": cls.salesman.id, "lang": "en_US",
        })
        day = fields.Date.context_today(cls.customer) - timedelta(days=200)
        purchases = [(partner, product) for partner in pair_buyers
                     for product in (cls.phone, cls.case)] + [(cls.customer, cls.phone)]
        purchases += [(partner, cable) for partner in cable_buyers]
        cls.env["customer.purchase.line"].create([
            {
                "partner_id": partner.id, "product_id": product.id, "date": day,
                "source": "import", "external_ref": f"RECOTOUR/{partner.id}/{product.id}",
                "document_ref": f"RECOTOUR/{partner.id}", "document_name": "RECOTOUR",
                "quantity": 1, "amount": 10,
            }
            for partner, product in purchases
        ])
        cls.env["customer.recommendation"]._rebuild_company(cls.env.company)

    def test_salesperson_adds_the_recommended_product_to_the_quotation(self):
        first = self.env["customer.recommendation"].search(
            [("partner_id", "=", self.customer.id)], order="rank", limit=1
        )
        self.assertEqual((first.product_id, first.reason), (self.case, "co_purchase"))
        order = self.env["sale.order"].with_user(self.salesman).create({
            "partner_id": self.customer.id,
        })
        self.start_tour(
            f"/odoo/action-sale.action_quotations/{order.id}",
            "customer_file_recommendation_quotation_tour", login=self.salesman.login,
        )
        self.assertEqual(order.order_line.product_id, self.case)
        self.assertEqual(order.order_line.product_uom_qty, 1)
