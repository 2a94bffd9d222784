from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import SegmentationCase


@tagged("post_install", "-at_install")
class TestLifecycle(SegmentationCase):
    """Default rules: churned after 365 days, dormant after 180, won back for 90 days after a
    180-day gap, new for 90 days, at risk past 1.5 × own rhythm, regular from 4 orders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = {}
        for name, days_ago in {
            "new": [20],
            "active": [120, 10],
            "regular": [125, 95, 65, 35, 5],
            "at_risk": [150, 120, 90],
            "dormant": [300, 200],
            "churned": [500, 400],
            "won_back": [400, 10],
        }.items():
            cls.customers[name] = cls._customer(name)
            for days in days_ago:
                cls._buy(cls.customers[name], days, 100)

    def _stages(self):
        return {name: self._score(partner).lifecycle_stage
                for name, partner in self.customers.items()}

    def test_each_rule(self):
        self._run()
        self.assertEqual(self._stages(), {name: name for name in self.customers})
        self.assertEqual(
            {name: partner.lifecycle_stage for name, partner in self.customers.items()},
            {name: name for name in self.customers},
            "the partner mirrors the stage",
        )
        self.assertEqual(self._score(self.customers["at_risk"]).purchase_rhythm_days, 30.0)

    def test_transitions_remember_the_previous_stage(self):
        self._run()
        self._buy(self.customers["at_risk"], 0, 100)
        self._buy(self.customers["dormant"], 0, 100)
        self._run("incremental")
        at_risk = self._score(self.customers["at_risk"])
        self.assertEqual((at_risk.previous_lifecycle_stage, at_risk.lifecycle_stage),
                         ("at_risk", "regular"))
        dormant = self._score(self.customers["dormant"])
        self.assertEqual((dormant.previous_lifecycle_stage, dormant.lifecycle_stage),
                         ("dormant", "won_back"))

    def test_rules_are_configurable(self):
        self.config.write({"regular_min_orders": 6, "dormant_days": 100})
        self._run()
        stages = self._stages()
        self.assertEqual(stages["regular"], "active")
        self.assertEqual(stages["at_risk"], "at_risk", "90 days is not yet dormant")
        self.assertEqual(stages["dormant"], "dormant")
        self.config.dormant_days = 80
        self._run()
        self.assertEqual(self._stages()["at_risk"], "dormant")

    def test_inconsistent_rules_are_refused(self):
        with self.assertRaises(ValidationError):
            self.config.write({"dormant_days": 400})
        with self.assertRaises(ValidationError):
            self.config.write({"at_risk_ratio": 0.5})
