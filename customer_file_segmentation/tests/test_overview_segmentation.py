from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.customer_file.tests.test_overview import overview_items

USER = "customer_file.group_customer_file_user"
MANAGER = "customer_file.group_customer_file_manager"


@tagged("post_install", "-at_install")
class TestOverviewSegmentation(TransactionCase):
    """The Overview's customers by value tier, RFM segment and lifecycle stage, its open
    churn warnings and the won-back rate of treated customers against the control group,
    each counted among the customers the user sees."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(cls.env, login="ovs_salesman",
                                     groups=f"base.group_user,{USER}")
        cls.other = new_test_user(cls.env, login="ovs_other", groups=f"base.group_user,{USER}")
        cls.manager = new_test_user(cls.env, login="ovs_manager",
                                    groups=f"base.group_user,{MANAGER}")
        cls.champions = cls.env.ref("customer_file_segmentation.segment_champions")
        cls.lost = cls.env.ref("customer_file_segmentation.segment_lost")
        Partner = cls.env["res.partner"]

        def customer(name, user, tier, segment, stage):
            partner = Partner.create({"name": name, "customer_rank": 1, "user_id": user.id})
            # The scoring runs write these.
            partner.sudo().write({"value_tier": tier, "rfm_segment_id": segment.id,
                                  "lifecycle_stage": stage})
            return partner

        cls.champion_a = customer("Ovs Champion A", cls.salesman, "high", cls.champions,
                                  "active")
        cls.champion_b = customer("Ovs Champion B", cls.salesman, "high", cls.champions,
                                  "regular")
        cls.gone = customer("Ovs Gone", cls.salesman, "low", cls.lost, "churned")
        cls.unscored = customer("Ovs Unscored", cls.salesman, False,
                                cls.env["customer.rfm.segment"], False)
        cls.theirs = customer("Ovs Theirs", cls.other, "medium", cls.lost, "at_risk")

        def warning(partner, cohort, state, severity="medium"):
            return cls.env["customer.churn.warning"].sudo().create({
                "partner_id": partner.id, "company_id": cls.env.company.id, "score": 60,
                "severity": severity, "cohort": cohort, "state": state,
                "won_back_percent": 100 if state == "won_back" else 0,
                "user_id": partner.user_id.id,
            })

        warning(cls.champion_a, "treated", "won_back")
        warning(cls.champion_b, "treated", "lost")
        cls.open_warning = warning(cls.gone, "treated", "new", severity="high")
        warning(cls.champion_a, "control", "lost")
        warning(cls.unscored, "control", "won_back")
        cls.their_warning = warning(cls.theirs, "control", "new", severity="critical")

    def _items(self, user):
        return overview_items(self.env["customer.file.overview"].with_user(user).get_overview())

    def test_customers_by_tier_segment_and_stage(self):
        items = self._items(self.salesman)
        self.assertEqual(
            {key: item["value"] for key, item in items.items()
             if key.startswith(("value_tier_", "rfm_segment_", "lifecycle_stage_"))},
            {"value_tier_high": 2, "value_tier_low": 1, "value_tier_none": 1,
             f"rfm_segment_{self.champions.id}": 2, f"rfm_segment_{self.lost.id}": 1,
             "rfm_segment_none": 1,
             "lifecycle_stage_active": 1, "lifecycle_stage_regular": 1,
             "lifecycle_stage_churned": 1, "lifecycle_stage_none": 1},
        )
        self.assertEqual(items[f"rfm_segment_{self.champions.id}"]["color"], self.champions.color)
        Partner = self.env["res.partner"].with_user(self.salesman)
        self.assertEqual(Partner.search(items["value_tier_high"]["action"]["domain"]),
                         self.champion_a | self.champion_b)
        self.assertEqual(Partner.search(items[f"rfm_segment_{self.lost.id}"]["action"]["domain"]),
                         self.gone)
        self.assertEqual(Partner.search(items["lifecycle_stage_none"]["action"]["domain"]),
                         self.unscored)

    def test_manager_sees_every_customer(self):
        items = self._items(self.manager)
        Partner = self.env["res.partner"].with_user(self.manager)
        self.assertIn(self.theirs, Partner.search(items["value_tier_medium"]["action"]["domain"]))
        self.assertGreaterEqual(items[f"rfm_segment_{self.lost.id}"]["value"], 2)
        self.assertGreaterEqual(items["churn_open"]["value"], 2)

    def test_segment_section_links_to_the_rfm_map(self):
        overview = self.env["customer.file.overview"].with_user(self.salesman).get_overview()
        section = next(s for s in overview["sections"] if s["key"] == "rfm_segments")
        self.assertEqual(section["link"]["action"],
                         "customer_file_segmentation.action_customer_rfm_map")
        self.assertEqual(self.env.ref(section["link"]["action"]).tag,
                         "customer_file_segmentation.rfm_map")
        zh_items = overview_items(self.env["customer.file.overview"].with_user(
            self.salesman).with_context(lang="zh_CN").get_overview())
        self.assertEqual((zh_items["won_back_control"]["label"], zh_items["value_tier_none"]
                          ["label"]), ("挽回率（对照组）", "未评分"))

    def test_churn_warnings_and_won_back_rates(self):
        items = self._items(self.salesman)
        self.assertEqual((items["churn_open"]["value"], items["churn_severe"]["value"]), (1, 1))
        Warning = self.env["customer.churn.warning"].with_user(self.salesman)
        self.assertEqual(Warning.search(items["churn_open"]["action"]["domain"]),
                         self.open_warning)
        self.assertAlmostEqual(items["won_back_treated"]["value"], 1 / 3)
        self.assertAlmostEqual(items["won_back_control"]["value"], 1 / 2)
        for key, total in (("won_back_treated", 3), ("won_back_control", 2)):
            item = items[key]
            self.assertEqual((item["format"], item["total"]), ("percent", total))
            self.assertEqual(Warning.search_count(item["action"]["domain"]), total, key)

        manager_items = self._items(self.manager)
        manager_warnings = self.env["customer.churn.warning"].with_user(self.manager)
        self.assertIn(self.their_warning,
                      manager_warnings.search(manager_items["churn_severe"]["action"]["domain"]))

    def test_each_number_opens_the_list_of_what_it_counts(self):
        for user in (self.salesman, self.manager):
            for key, item in self._items(user).items():
                if item["format"] == "decimal":
                    continue
                # A rate is measured on the records its list shows.
                expected = item["total"] if item["format"] == "percent" else item["value"]
                action = item["action"]
                self.assertEqual(
                    self.env[action["res_model"]].with_user(user).search_count(
                        action["domain"]),
                    expected, f"{user.login}: {key}",
                )

    def test_no_warning_no_rate(self):
        self.env["customer.churn.warning"].sudo().search([]).unlink()
        items = self._items(self.salesman)
        self.assertEqual((items["churn_open"]["value"], items["won_back_treated"]["value"],
                          items["won_back_control"]["value"]), (0, False, False))
