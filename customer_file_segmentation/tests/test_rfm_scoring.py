from odoo.fields import Command
from odoo.tests import tagged

from .common import SegmentationCase


@tagged("post_install", "-at_install")
class TestRfmScoring(SegmentationCase):
    """Five scored customers of the main company, worked out by hand.

    ============  =====================  =====  ======  ========  ==============
    customer      purchases (days ago)   F      M       R, F, M   segment (R×FM)
    ============  =====================  =====  ======  ========  ==============
    alice         10 (500), 40 (300)     2      800     3, 4, 4   34 Loyal
    bob           10 (800)               1      800     3, 1, 4   33 Potential L.
    carol         100, 200, 300 (100)    3      300     2, 5, 2   24 At Risk
    dave          200 (1000), refund     1      600     1, 1, 3   12 Hibernating
                  150 (-400)
    erin          today, EUR 400 at 2.0  1      200     5, 1, 1   51 New
    ============  =====================  =====  ======  ========  ==============

    Quintile score = 1 + 5 × (rank − 1) // 5, equal values sharing the rank of the first:
    alice and bob tie on recency (rank 3) and on monetary value (rank 4). FM is
    (F + M + 1) // 2. Frank has no purchases, Gina is archived, Hank buys only in the
    second company, where Alice also buys.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config.write({
            "weight_recency": 1, "weight_frequency": 1, "weight_monetary": 1,
            "tier_high_min": 4, "tier_medium_min": 3,
        })
        cls.second_company = cls.env["res.company"].create({"name": "Shenzhen Branch"})
        cls.alice = cls._customer("Alice")
        cls.bob = cls._customer("Bob")
        cls.carol = cls._customer("Carol")
        cls.dave = cls._customer("Dave")
        cls.erin = cls._customer("Erin")
        cls.frank = cls._customer("Frank")
        cls.gina = cls._customer("Gina")
        cls.hank = cls._customer("Hank")
        cls._buy(cls.alice, 10, 500)
        cls._buy(cls.alice, 40, 300)
        cls._buy(cls.bob, 10, 800)
        for days in (100, 200, 300):
            cls._buy(cls.carol, days, 100)
        cls._buy(cls.dave, 200, 1000)
        cls._buy(cls.dave, 150, 400, refund=True)
        cls._buy(cls.gina, 5, 5000)
        cls.gina.active = False
        cls._buy(cls.hank, 20, 50, company=cls.second_company)
        cls._buy(cls.alice, 30, 70, company=cls.second_company)
        euro = cls.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        pricelist = cls.env["product.pricelist"].create(
            {"name": "EUR", "currency_id": euro.id}
        )
        order = cls.env["sale.order"].create({
            "partner_id": cls.erin.id,
            "pricelist_id": pricelist.id,
            "order_line": [Command.create({
                "product_id": cls.product.id, "product_uom_qty": 1, "price_unit": 400,
            })],
        })
        order.action_confirm()

    def _codes(self):
        return {
            partner.name: self._score(partner).rfm_code
            for partner in (self.alice, self.bob, self.carol, self.dave, self.erin)
        }

    def test_quintiles_by_hand(self):
        run = self._run()
        self.assertEqual(run.customer_count, 5)
        self.assertEqual(self._codes(), {
            "Alice": "344", "Bob": "314", "Carol": "252", "Dave": "113", "Erin": "511",
        })
        erin = self._score(self.erin)
        self.assertEqual(erin.monetary, 200.0, "EUR 400 at rate 2.0 is 200 in company currency")
        dave = self._score(self.dave)
        self.assertEqual(dave.monetary, 600.0, "the refund nets the spend")
        self.assertEqual(dave.frequency, 1, "a credit note is not an order")
        self.assertEqual(dave.recency_days, 200, "a refund is not a purchase date")
        segments = {
            partner.name: self._score(partner).segment_id
            for partner in (self.alice, self.bob, self.carol, self.dave, self.erin)
        }
        ref = self.env.ref
        self.assertEqual(segments, {
            "Alice": ref("customer_file_segmentation.segment_loyal"),
            "Bob": ref("customer_file_segmentation.segment_potential_loyalists"),
            "Carol": ref("customer_file_segmentation.segment_at_risk"),
            "Dave": ref("customer_file_segmentation.segment_hibernating"),
            "Erin": ref("customer_file_segmentation.segment_new"),
        })
        # weighted = (R + F + M) / 3: 3.67, 2.67, 3.0, 1.67, 2.33
        self.assertEqual(
            [self._score(p).value_tier for p in (self.alice, self.bob, self.carol, self.dave,
                                                 self.erin)],
            ["medium", "low", "medium", "low", "low"],
        )
        self.assertAlmostEqual(self._score(self.alice).weighted_score, 11 / 3, places=2)
        self.assertEqual(run.boundaries["recency"], [100, 10, 0, 0])
        self.assertEqual(run.boundaries["frequency"], [2, 2, 2, 3])
        self.assertEqual(run.boundaries["monetary"], [300.0, 600.0, 800.0, None])

    def test_customers_without_purchases_archived_or_elsewhere_are_not_scored(self):
        self._run()
        self.assertFalse(self._score(self.frank))
        self.assertFalse(self._score(self.gina))
        self.assertFalse(self._score(self.hank))
        self.assertEqual(self.frank.lifecycle_stage, "prospect")
        self.assertFalse(self.frank.value_tier)

    def test_each_company_scores_its_own_purchases(self):
        self._run()
        self._run(company=self.second_company)
        alice_there = self._score(self.alice, self.second_company)
        self.assertEqual((alice_there.frequency, alice_there.monetary), (1, 70.0))
        self.assertEqual(self._score(self.hank, self.second_company).monetary, 50.0)
        self.assertEqual(self._score(self.alice).monetary, 800.0)
        self.assertEqual(self.alice.value_tier, self._score(self.alice).value_tier,
                         "the partner shows the company where the customer spends most")
        self.assertEqual(self.alice.rfm_segment_id,
                         self.env.ref("customer_file_segmentation.segment_loyal"))

    def test_the_partner_follows_the_company_where_the_customer_spends_most(self):
        self._run()
        self._run(company=self.second_company)
        here, there = self._score(self.alice), self._score(self.alice, self.second_company)
        scores_there = (there.segment_id, there.value_tier, there.lifecycle_stage)
        self.assertNotEqual(scores_there[:2], (here.segment_id, here.value_tier))
        self.assertEqual(self.alice.rfm_segment_id, here.segment_id)
        line = self.env["customer.purchase.line"].sudo().search([
            ("partner_id", "=", self.alice.id), ("company_id", "=", self.second_company.id),
        ])
        line.amount = 5000
        self._run("incremental", company=self.second_company, partner_ids=self.alice.ids)
        self.assertEqual(there.monetary, 5000.0)
        self.assertEqual((there.segment_id, there.value_tier, there.lifecycle_stage),
                         scores_there, "only the spend moved there")
        self.assertEqual(
            (self.alice.rfm_segment_id, self.alice.value_tier, self.alice.lifecycle_stage),
            scores_there, "the partner now shows the company where the customer spends most",
        )

    def test_gross_spend_when_refunds_are_not_netted(self):
        self.config.net_refunds = False
        self._run()
        # M by spend 200, 300, 800, 800, 1000: Dave moves to the top.
        self.assertEqual(self._score(self.dave).m_score, 5)
        self.assertEqual(self._score(self.alice).m_score, 3)
        self.assertEqual(self._score(self.dave).monetary, 1000.0)

    def test_excluded_source_does_not_count(self):
        self.config.include_sale = False
        run = self._run()
        self.assertEqual(run.customer_count, 4)
        self.assertFalse(self._score(self.erin))
        self.assertEqual(self.erin.lifecycle_stage, "prospect")

    def test_fixed_thresholds(self):
        self.config.write({
            "scoring_method": "threshold",
            "recency_days_5": 5, "recency_days_4": 30, "recency_days_3": 120,
            "recency_days_2": 250,
            "frequency_min_5": 5, "frequency_min_4": 4, "frequency_min_3": 3,
            "frequency_min_2": 2,
            "monetary_min_5": 1000, "monetary_min_4": 700, "monetary_min_3": 500,
            "monetary_min_2": 250,
        })
        self._run()
        self.assertEqual(self._codes(), {
            "Alice": "424", "Bob": "414", "Carol": "332", "Dave": "213", "Erin": "511",
        })

    def test_incremental_rescores_only_new_buyers_against_the_last_full_run(self):
        self._committed_earlier()
        full = self._run()
        bob_before = self._row_version(self._score(self.bob))
        self._buy(self.carol, 0, 100)
        incremental = self._run("incremental")
        self.assertEqual(incremental.customer_count, 1)
        self.assertEqual(incremental.boundaries, full.boundaries)
        carol = self._score(self.carol)
        # Against the full run's limits: 0 days → R5, 4 orders → F5, 400 → M2 (≥ 300).
        self.assertEqual(carol.rfm_code, "552")
        self.assertEqual(carol.segment_id,
                         self.env.ref("customer_file_segmentation.segment_champions"))
        self.assertEqual(carol.segment_movement, "At Risk → Champions")
        self.assertEqual(self._row_version(self._score(self.bob)), bob_before,
                         "others keep their scores, not rewritten")
        self.assertEqual(self.carol.rfm_segment_id, carol.segment_id)

    def test_each_run_counts_segment_sizes(self):
        first = self._run()
        snapshots = self.env["customer.rfm.snapshot"].search([("run_id", "=", first.id)])
        self.assertEqual(sum(snapshots.mapped("customer_count")), 5)
        loyal = snapshots.filtered(
            lambda s: s.segment_id == self.env.ref("customer_file_segmentation.segment_loyal")
        )
        self.assertEqual((loyal.customer_count, loyal.value_tier, loyal.monetary),
                         (1, "medium", 800.0))
        self.bob.active = False
        second = self._run()
        self.assertFalse(self._score(self.bob), "archived customers leave the scores")
        self.assertEqual(sum(self.env["customer.rfm.snapshot"].search(
            [("run_id", "=", second.id)]).mapped("customer_count")), 4)
        self.assertEqual(sum(snapshots.exists().mapped("customer_count")), 5, "history stays")

    def test_incremental_run_moves_its_customers_in_the_snapshot(self):
        self._run()
        self._buy(self.carol, 0, 100)
        incremental = self._run("incremental")
        counts = {
            (snapshot.segment_id, snapshot.value_tier): snapshot.customer_count
            for snapshot in self.env["customer.rfm.snapshot"].search(
                [("run_id", "=", incremental.id)])
        }
        ref = self.env.ref
        self.assertEqual(sum(counts.values()), 5, "everybody is still counted")
        self.assertNotIn(ref("customer_file_segmentation.segment_at_risk"),
                         {segment for segment, _tier in counts},
                         "Carol left At Risk")
        self.assertEqual(counts[ref("customer_file_segmentation.segment_champions"),
                                self._score(self.carol).value_tier], 1)

    def test_second_full_run_keeps_one_row_per_customer(self):
        self._run()
        self._run()
        self.assertEqual(self.env["customer.rfm.score"].search_count(
            [("company_id", "=", self.company.id),
             ("partner_id", "in", (self.alice | self.bob | self.carol).ids)]), 3)
        self.assertEqual(self._score(self.alice).segment_movement, "Loyal")
