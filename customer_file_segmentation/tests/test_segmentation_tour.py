from odoo.tests import HttpCase, new_test_user, tagged

from .common import SegmentationCase

INTERACTION_SUMMARY = "Tour: asked about the extended warranty"


@tagged("post_install", "-at_install")
class TestSegmentationTours(HttpCase, SegmentationCase):
    """A salesperson and a manager at work in the browser, in English."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("en_US")
        cls.salesperson = new_test_user(
            cls.env, "tour_salesperson", lang="en_US",
            groups="customer_file.group_customer_file_user,sales_team.group_sale_salesman",
        )
        cls.other_salesperson = new_test_user(
            cls.env, "tour_other_salesperson", groups="customer_file.group_customer_file_user",
        )
        cls.manager = new_test_user(
            cls.env, "tour_manager", lang="en_US",
            groups="customer_file.group_customer_file_manager,sales_team.group_sale_manager",
        )

    def test_salesperson_filters_by_tier_and_logs_an_interaction(self):
        # The tiers are the segmentation job's: set here as a run leaves them.
        high = self._customer("Tour High Spender", user_id=self.salesperson.id, value_tier="high")
        low = self._customer("Tour Low Spender", user_id=self.salesperson.id, value_tier="low")
        self._customer("Tour Other Salesperson's", user_id=self.other_salesperson.id,
                       value_tier="high")
        self.start_tour(
            "/odoo/action-customer_file.action_customer_file_customers",
            "customer_file_salesperson_tour", login=self.salesperson.login,
        )
        interaction = self.env["customer.interaction"].search([("partner_id", "=", high.id)])
        self.assertEqual(len(interaction), 1)
        self.assertEqual(
            (interaction.summary, interaction.interaction_type, interaction.user_id),
            (INTERACTION_SUMMARY, "visit", self.salesperson),
        )
        self.assertFalse(self.env["customer.interaction"].search([("partner_id", "=", low.id)]))

    def test_manager_recomputes_rfm_and_reads_the_segment(self):
        # Earlier customers scored by a nightly run; the newcomer, never scored, buys often,
        # much and recently: R 5 and FM 5 against their quintiles.
        for index, days_ago in enumerate((30, 90, 150, 210, 270, 330)):
            customer = self._customer(f"Tour Earlier {index}")
            for order in range(index + 1):
                self._buy(customer, days_ago + 10 * order, 50 + 10 * index)
        self._run()
        newcomer = self._customer("Tour Newcomer", user_id=self.manager.id)
        for days_ago in range(0, 84, 7):
            self._buy(newcomer, days_ago, 10000)
        self.assertFalse(newcomer.rfm_segment_id)
        self.start_tour(
            f"/odoo/action-customer_file.action_customer_file_customers/{newcomer.id}",
            "customer_file_recompute_rfm_tour", login=self.manager.login,
        )
        champions = self.env.ref("customer_file_segmentation.segment_champions")
        score = self._score(newcomer)
        self.assertEqual((score.r_score, score.fm_score, score.segment_id), (5, 5, champions))
        self.assertEqual((newcomer.rfm_segment_id, newcomer.value_tier),
                         (champions, score.value_tier))
        run = self.env["customer.rfm.run"].search([("company_id", "=", self.company.id)],
                                                  limit=1)
        self.assertEqual((run.mode, run.is_partial, run.customer_count), ("incremental", True, 1))
