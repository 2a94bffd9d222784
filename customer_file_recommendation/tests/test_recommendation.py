from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

USER = "customer_file.group_customer_file_user"
OFFICER = "customer_file.group_customer_file_officer"
MANAGER = "customer_file.group_customer_file_manager"


@tagged("post_install", "-at_install")
class TestRecommendation(TransactionCase):
    """A planted history: 30 customers bought A and B (the pair), 20 bought only A, 40 bought
    the twelve "noise" products N1-N12 (more buyers than B, so B is not among the most
    popular), 10 bought only C."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        cls.company = cls.env.company
        cls.config = cls.env["customer.recommendation.config"]._for_company(cls.company)
        cls.config.write({"min_support": 3, "window_months": 24, "recent_days": 30,
                          "recommendations_per_customer": 10, "related_per_product": 20})
        Category = cls.env["product.category"]
        cls.phones = Category.create({"name": "Reco Phones"})
        cls.cases = Category.create({"name": "Reco Cases"})
        cls.noise_category = Category.create({"name": "Reco Noise"})
        Product = cls.env["product.product"]
        cls.product_a = Product.create({"name": "Reco A", "categ_id": cls.phones.id})
        cls.product_b = Product.create({"name": "Reco B", "categ_id": cls.cases.id})
        cls.product_c = Product.create({"name": "Reco C", "categ_id": cls.phones.id})
        cls.lonely = Product.create({"name": "Reco Lonely", "categ_id": cls.phones.id})
        cls.noise = Product.create([
            {"name": f"Reco N{index}", "categ_id": cls.noise_category.id}
            for index in range(1, 13)
        ])
        cls.salesman = new_test_user(
            cls.env, login="reco_salesman",
            groups=f"{USER},sales_team.group_sale_salesman",
        )
        cls.other_salesman = new_test_user(cls.env, login="reco_other", groups=USER)
        cls.officer = new_test_user(cls.env, login="reco_officer", groups=OFFICER)
        cls.manager = new_test_user(cls.env, login="reco_manager", groups=MANAGER)
        Partner = cls.env["res.partner"]
        cls.pair_customers = Partner.create([
            {"name": f"Reco Pair {index}", "user_id": cls.other_salesman.id}
            for index in range(30)
        ])
        cls.a_only = Partner.create([
            {"name": f"Reco A-only {index}", "user_id": cls.salesman.id} for index in range(20)
        ])
        cls.noise_customers = Partner.create([
            {"name": f"Reco Noise {index}"} for index in range(40)
        ])
        cls.c_only = Partner.create([{"name": f"Reco C-only {index}"} for index in range(10)])
        cls.cutoff = cls.today - timedelta(days=100)
        cls.before = cls.cutoff - timedelta(days=200)

    def _buy(self, pairs):
        """Ledger lines for (partner, product, date) triples."""
        self.env["customer.purchase.line"].create([
            {
                "partner_id": partner.id, "product_id": product.id, "date": day,
                "source": "import", "external_ref": f"RECO/{partner.id}/{product.id}/{day}",
                "document_ref": f"RECO/{partner.id}/{day}", "document_name": "RECO",
                "quantity": 1, "amount": 10,
            }
            for partner, product, day in pairs
        ])

    def _plant_history(self, day, extra_pair_products=()):
        purchases = []
        for partner in self.pair_customers:
            purchases += [(partner, self.product_a, day), (partner, self.product_b, day)]
            purchases += [(partner, product, day) for product in extra_pair_products]
        purchases += [(partner, self.product_a, day) for partner in self.a_only]
        purchases += [(partner, product, day) for partner in self.noise_customers
                      for product in self.noise]
        purchases += [(partner, self.product_c, day) for partner in self.c_only]
        self._buy(purchases)

    def _recommendations(self, partner):
        return self.env["customer.recommendation"].search(
            [("partner_id", "=", partner.id)], order="rank"
        )

    # ------------------------------------------------------------------ pairs

    def test_planted_pair_found_with_support_confidence_lift(self):
        self._plant_history(self.before)
        self.env["customer.recommendation"]._rebuild_company(self.company)
        pair = self.env["customer.product.affinity"].search([
            ("product_id", "=", self.product_a.id), ("related_product_id", "=", self.product_b.id),
        ])
        self.assertEqual(pair.support, 30)
        # 30 of A's 50 buyers bought B; 100 customers, B has 30 buyers: lift 30*100/(50*30).
        self.assertAlmostEqual(pair.confidence, 60.0, places=3)
        self.assertAlmostEqual(pair.lift, 2.0, places=3)
        self.assertEqual(pair.rank, 1)
        # A bought with N1 never: no pair; noise products pair with each other.
        self.assertFalse(self.env["customer.product.affinity"].search([
            ("product_id", "=", self.product_a.id), ("related_product_id", "in", self.noise.ids),
        ]))
        first = self._recommendations(self.a_only[0])[:1]
        self.assertEqual(first.product_id, self.product_b)
        self.assertEqual(first.reason, "co_purchase")
        self.assertEqual(first.source_product_id, self.product_a)
        self.assertIn("Reco A", first.explanation)

    def test_pair_below_minimum_support_is_not_kept(self):
        self.config.min_support = 31
        self._plant_history(self.before)
        self.env["customer.product.affinity"]._rebuild(self.company)
        self.assertFalse(self.env["customer.product.affinity"].search([
            ("product_id", "=", self.product_a.id),
        ]))

    def test_refunds_do_not_make_pairs(self):
        self._plant_history(self.before)
        self.env["customer.purchase.line"].search([
            ("product_id", "=", self.product_b.id),
        ]).write({"is_refund": True, "quantity": -1, "amount": -10})
        self.env["customer.product.affinity"]._rebuild(self.company)
        self.assertFalse(self.env["customer.product.affinity"].search([
            ("related_product_id", "=", self.product_b.id),
        ]))

    # ------------------------------------------------------------------ exclusions

    def test_owned_and_recently_bought_products_are_not_recommended(self):
        self._plant_history(self.before)
        recent_buyer, owner = self.a_only[0], self.a_only[1]
        self._buy([(recent_buyer, self.product_b, self.today - timedelta(days=5))])
        self.env["customer.owned.product"].create({
            "partner_id": owner.id, "product_id": self.product_b.id,
            "purchase_date": self.before,
        })
        self.env["customer.recommendation"]._rebuild_company(self.company)
        self.assertNotIn(self.product_b, self._recommendations(recent_buyer).product_id)
        self.assertNotIn(self.product_b, self._recommendations(owner).product_id)
        self.assertEqual(self._recommendations(self.a_only[2])[:1].product_id, self.product_b)
        # A was bought long ago: it may be bought again, bought recently it may not.
        self.assertNotIn(self.product_b, self._recommendations(recent_buyer).product_id)

    def test_disliked_category_excluded_and_liked_category_first(self):
        self._plant_history(self.before)
        disliking, liking = self.a_only[0], self.c_only[0]
        self.env["customer.preference"].create([
            {"partner_id": disliking.id, "preference_type": "category",
             "product_category_id": self.cases.id, "is_dislike": True, "strength": 80},
            {"partner_id": liking.id, "preference_type": "category",
             "product_category_id": self.phones.id, "strength": 90},
        ])
        self.env["customer.recommendation"]._rebuild_company(self.company)
        recommended = self._recommendations(disliking)
        self.assertTrue(recommended)
        self.assertFalse(recommended.filtered(lambda rec: rec.product_categ_id == self.cases))
        # C has no product bought together: its buyer who likes phones gets the popular
        # phones first (A, never bought by them), and the row says why.
        first = self._recommendations(liking)[:1]
        self.assertEqual(first.product_id, self.product_a)
        self.assertEqual(first.reason, "preferred_category")
        self.assertEqual(first.source_categ_id, self.phones)
        self.assertIn("Reco Phones", first.explanation)

    def test_product_without_co_purchase_falls_back_to_popular(self):
        self._plant_history(self.before)
        loner = self.env["res.partner"].create({"name": "Reco Loner"})
        self._buy([(loner, self.lonely, self.before)])
        self.env["customer.recommendation"]._rebuild_company(self.company)
        self.assertFalse(self.env["customer.product.affinity"].search([
            ("product_id", "=", self.lonely.id),
        ]))
        recommended = self._recommendations(loner)
        self.assertEqual(len(recommended), 10)
        self.assertEqual(set(recommended.mapped("reason")), {"popular"})
        # Most buyers first: A (50), then noise products (40 each); never their own product.
        self.assertEqual(recommended[0].product_id, self.product_a)
        self.assertNotIn(self.lonely, recommended.product_id)
        self.assertIn("No product bought together", recommended[0].explanation)

    # ------------------------------------------------------------------ evaluation

    def test_evaluation_beats_most_popular_on_planted_pairs(self):
        self._plant_history(self.before)
        self._buy([(partner, self.product_b, self.cutoff + timedelta(days=10))
                   for partner in self.a_only])
        evaluation = self.env["customer.recommendation.evaluation"].with_user(
            self.manager).create({"cutoff_date": self.cutoff, "horizon_days": 90})
        evaluation.action_run()
        self.assertEqual(evaluation.state, "done")
        self.assertEqual(evaluation.customer_count, 20)
        self.assertEqual(evaluation.hit_rate_5, 100.0)
        self.assertEqual(evaluation.popular_hit_rate_10, 0.0)
        self.assertTrue(evaluation.co_purchase_wins)
        self.assertIn("beat", evaluation.verdict)

    def test_evaluation_trains_on_data_before_the_cutoff_only(self):
        # The pair exists only after the cutoff: nothing to learn from before it.
        self._buy([(partner, self.product_a, self.before) for partner in self.a_only])
        self._buy([(partner, product, self.before) for partner in self.noise_customers
                   for product in self.noise])
        self._buy([(partner, product, self.cutoff + timedelta(days=10))
                   for partner in self.pair_customers
                   for product in (self.product_a, self.product_b)])
        self._buy([(partner, self.product_b, self.cutoff + timedelta(days=20))
                   for partner in self.a_only])
        evaluation = self.env["customer.recommendation.evaluation"].create(
            {"cutoff_date": self.cutoff, "horizon_days": 90})
        evaluation.action_run()
        self.assertEqual(evaluation.pair_count, 132)  # the noise products among themselves
        self.assertEqual(evaluation.hit_rate_10, 0.0)
        self.assertFalse(evaluation.co_purchase_wins)

    def test_evaluation_says_when_it_loses(self):
        niche = self.env["product.product"].create([
            {"name": f"Reco R{index}", "categ_id": self.cases.id} for index in range(12)
        ])
        self._plant_history(self.before, extra_pair_products=niche)
        self._buy([(partner, self.noise[0], self.cutoff + timedelta(days=10))
                   for partner in self.a_only])
        evaluation = self.env["customer.recommendation.evaluation"].create(
            {"cutoff_date": self.cutoff, "horizon_days": 90})
        evaluation.action_run()
        self.assertEqual(evaluation.hit_rate_10, 0.0)
        self.assertEqual(evaluation.popular_hit_rate_5, 100.0)
        self.assertFalse(evaluation.co_purchase_wins)
        self.assertIn("LOSE", evaluation.verdict)

    def test_evaluation_without_outcome_names_the_evaluation(self):
        self._plant_history(self.before)
        evaluation = self.env["customer.recommendation.evaluation"].create(
            {"cutoff_date": self.cutoff, "horizon_days": 90})
        with self.assertRaisesRegex(UserError, "no customer bought"):
            evaluation.action_run()
        self.assertEqual(evaluation.state, "draft")

    # ------------------------------------------------------------------ access

    def test_salesperson_sees_recommendations_of_own_customers_only(self):
        self._plant_history(self.before)
        self.env["customer.recommendation"]._rebuild_company(self.company)
        Recommendation = self.env["customer.recommendation"]
        seen = Recommendation.with_user(self.salesman).search([])
        self.assertTrue(seen)
        self.assertEqual(seen.partner_id, self.a_only)
        self.assertEqual(Recommendation.with_user(self.officer).search_count(
            [("partner_id", "in", self.c_only.ids)]), 100)
        rows = Recommendation.with_user(self.salesman).search_read(
            [("partner_id", "in", self.c_only.ids)], ["product_id"])
        self.assertFalse(rows)

    def test_job_tables_are_not_writable_by_users(self):
        self._plant_history(self.before)
        self.env["customer.recommendation"]._rebuild_company(self.company)
        recommendation = self._recommendations(self.a_only[0])[:1]
        for user in (self.salesman, self.manager):
            with self.assertRaises(AccessError):
                recommendation.with_user(user).write({"rank": 99})
            with self.assertRaises(AccessError):
                self.env["customer.recommendation"].with_user(user).create({
                    "partner_id": self.a_only[0].id, "company_id": self.company.id,
                    "product_id": self.product_c.id, "reason": "popular",
                })
            with self.assertRaises(AccessError):
                self.env["customer.product.affinity"].search([], limit=1).with_user(
                    user).write({"lift": 10})
        with self.assertRaises(AccessError):
            self.env["customer.product.affinity"].with_user(self.salesman).action_rebuild()

    def test_evaluation_results_come_from_running_it(self):
        Evaluation = self.env["customer.recommendation.evaluation"]
        with self.assertRaises(AccessError):
            Evaluation.with_user(self.officer).create({"cutoff_date": self.cutoff})
        evaluation = Evaluation.with_user(self.manager).create({"cutoff_date": self.cutoff})
        with self.assertRaises(UserError):
            evaluation.write({"hit_rate_5": 99.0})
        with self.assertRaises(UserError):
            Evaluation.with_user(self.manager).create(
                {"cutoff_date": self.cutoff, "co_purchase_wins": True})
        with self.assertRaises(AccessError):
            evaluation.with_user(self.officer).action_run()

    # ------------------------------------------------------------------ quoting

    def test_quotation_offers_and_adds_a_recommended_product(self):
        self._plant_history(self.before)
        self.env["customer.recommendation"]._rebuild_company(self.company)
        customer = self.a_only[0]
        order = self.env["sale.order"].with_user(self.salesman).create({
            "partner_id": customer.id,
        })
        offered = order.customer_recommendation_ids
        self.assertEqual(offered[:1].product_id, self.product_b)
        offered[:1].with_context(recommendation_order_id=order.id).action_add_to_order()
        self.assertEqual(order.order_line.product_id, self.product_b)
        self.assertEqual(order.order_line.product_uom_qty, 1)
        order.invalidate_recordset(["customer_recommendation_ids"])
        self.assertNotIn(self.product_b, order.customer_recommendation_ids.product_id)
        other_order = self.env["sale.order"].with_user(self.salesman).create({
            "partner_id": self.a_only[1].id,
        })
        with self.assertRaisesRegex(UserError, "not to the customer"):
            offered[1].with_user(self.salesman).with_context(
                recommendation_order_id=other_order.id).action_add_to_order()

    # ------------------------------------------------------------------ weekly refresh

    def _stored(self, partners):
        return {
            (rec.partner_id.id, rec.product_id.id): (
                rec.id, rec.rank, rec.score, rec.reason, rec.source_product_id.id,
            )
            for rec in self.env["customer.recommendation"].search(
                [("partner_id", "in", partners.ids)])
        }

    def test_refresh_keeps_unchanged_rows_and_recomputes_buyers(self):
        self._plant_history(self.before)
        Recommendation = self.env["customer.recommendation"]
        Recommendation._rebuild_company(self.company)
        bystander, buyer = self.a_only[0], self.a_only[1]
        before = self._stored(bystander)
        self.assertEqual(self._recommendations(buyer)[:1].product_id, self.product_b)
        # Since the last run, one customer bought B.
        self._buy([(buyer, self.product_b, self.today - timedelta(days=2))])
        Recommendation._rebuild(self.company)
        # Nothing changed for the bystander: the very same rows, same ranks and scores.
        self.assertEqual(self._stored(bystander), before)
        self.assertNotIn(self.product_b, self._recommendations(buyer).product_id)
        self.assertEqual(self._recommendations(buyer).mapped("rank"), list(range(1, 11)))
        # A new customer bought A: they get B first, bought together with A.
        newcomer = self.env["res.partner"].create({"name": "Reco Newcomer"})
        self._buy([(newcomer, self.product_a, self.today - timedelta(days=2))])
        Recommendation._rebuild(self.company)
        first = self._recommendations(newcomer)[:1]
        self.assertEqual((first.product_id, first.reason), (self.product_b, "co_purchase"))
        # Each customer still has one row per recommended product.
        self.env.cr.execute(
            "SELECT COUNT(*) FROM (SELECT partner_id, product_id FROM customer_recommendation"
            " GROUP BY partner_id, product_id HAVING COUNT(*) > 1) twice")
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_refreshed_pairs_rescore_every_customer_in_place(self):
        self._plant_history(self.before)
        Recommendation = self.env["customer.recommendation"]
        Recommendation._rebuild_company(self.company)
        customer = self.a_only[0]
        before = self._stored(customer)
        # Ten more customers bought A and B: B is now bought with A by 40 of 60 buyers.
        more = self.env["res.partner"].create([
            {"name": f"Reco More {index}"} for index in range(10)
        ])
        self._buy([(partner, product, self.before) for partner in more
                   for product in (self.product_a, self.product_b)])
        Recommendation._rebuild_company(self.company)
        after = self._stored(customer)
        row_id, rank, score, reason, source = after[customer.id, self.product_b.id]
        self.assertEqual((rank, reason, source), (1, "co_purchase", self.product_a.id))
        self.assertAlmostEqual(score, 40 / 60, places=6)
        # The same recommendation, updated in place with its new score.
        self.assertEqual(row_id, before[customer.id, self.product_b.id][0])
        self.assertNotAlmostEqual(before[customer.id, self.product_b.id][2], score, places=6)
        # Every other customer who bought A is rescored too, not only those who bought since.
        for partner in self.a_only:
            first = self._recommendations(partner)[:1]
            self.assertEqual(first.product_id, self.product_b)
            self.assertAlmostEqual(first.score, 40 / 60, places=6)

    def test_a_score_move_nobody_sees_keeps_the_row(self):
        self._plant_history(self.before)
        Recommendation = self.env["customer.recommendation"]
        Recommendation._rebuild_company(self.company)
        customer = self.a_only[0]
        before = self._stored(customer)[customer.id, self.product_b.id]
        self.assertAlmostEqual(before[2], 30 / 50, places=6)
        # One more buyer of A and B, one more of A alone: B is bought with A by 31 of 52
        # (0.596), shown as 0.60 like before.
        one_pair, one_a = self.env["res.partner"].create([{"name": "Reco Pair 2"},
                                                          {"name": "Reco A 2"}])
        self._buy([(one_pair, self.product_a, self.before), (one_pair, self.product_b,
                                                             self.before),
                   (one_a, self.product_a, self.before)])
        Recommendation._rebuild_company(self.company)
        self.assertEqual(self._stored(customer)[customer.id, self.product_b.id], before)
        # The new buyer of A alone gets the same recommendation with today's exact score.
        self.assertAlmostEqual(self._recommendations(one_a)[:1].score, 31 / 52, places=6)

    def test_customers_alike_share_a_list_and_a_stated_preference_gets_its_own(self):
        self._plant_history(self.before)
        liking = self.a_only[3]
        self.env["customer.preference"].create({
            "partner_id": liking.id, "preference_type": "category",
            "product_category_id": self.noise_category.id, "strength": 50,
        })
        self.env["customer.recommendation"]._rebuild_company(self.company)

        def listed(partner):
            return [(rec.product_id, rec.reason, round(rec.score, 9))
                    for rec in self._recommendations(partner)]

        self.assertEqual(listed(self.a_only[0]), listed(self.a_only[2]))
        self.assertNotEqual(listed(liking), listed(self.a_only[0]))
        # Same basket, but the noise products come from the liked category, their share
        # of buyers (40 of 100) raised by half.
        noise_rows = self._recommendations(liking).filtered(
            lambda rec: rec.product_id in self.noise)
        self.assertTrue(noise_rows)
        self.assertEqual(set(noise_rows.mapped("reason")), {"preferred_category"})
        for rec in noise_rows:
            self.assertAlmostEqual(rec.score, 0.4 * 1.5, places=6)
