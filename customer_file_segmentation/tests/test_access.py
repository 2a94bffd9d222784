from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import RolesCase


@tagged("post_install", "-at_install")
class TestSegmentationAccess(RolesCase):
    def test_salesman_sees_only_own_customers(self):
        Score = self.env["customer.rfm.score"].with_user(self.salesman)
        Warning = self.env["customer.churn.warning"].with_user(self.salesman)
        self.assertEqual(Score.search([]).partner_id, self.mine)
        self.assertEqual(Warning.search([]).partner_id, self.mine)
        theirs = self._warnings(self.theirs).with_user(self.salesman)
        with self.assertRaises(AccessError):
            theirs.read(["score"])

    def test_salesman_works_own_warning_only(self):
        mine = self._warnings(self.mine).with_user(self.salesman)
        mine.action_start()
        self.assertEqual(mine.state, "in_progress")
        Action = self.env["customer.winback.action"].with_user(self.salesman)
        Action.create({"warning_id": mine.id, "kind": "call", "outcome": "interested"})
        with self.assertRaises(AccessError):
            Action.create({"warning_id": self._warnings(self.theirs).id, "kind": "call"})
        with self.assertRaises(AccessError):
            self.env["customer.churn.warning"].with_user(self.salesman).create(
                {"partner_id": self.theirs.id}
            )

    def test_configuration_is_for_managers(self):
        with self.assertRaises(AccessError):
            self.config.with_user(self.salesman).read(["window_months"])
        with self.assertRaises(AccessError):
            self.config.with_user(self.officer).write({"window_months": 6})
        self.config.with_user(self.manager).write({"window_months": 6})
        self.assertEqual(self.config.window_months, 6)
        segment = self.env.ref("customer_file_segmentation.segment_lost")
        with self.assertRaises(AccessError):
            segment.with_user(self.officer).write({"cells": "11"})
        with self.assertRaises(AccessError):
            self.env["customer.churn.backtest"].with_user(self.officer).create(
                {"company_id": self.company.id}
            )

    def test_officer_runs_the_server_actions(self):
        action = self.env.ref("customer_file_segmentation.action_server_recompute_rfm")
        self.assertIn(self.env.ref("customer_file.group_customer_file_officer"),
                      action.group_ids)
        self._buy(self.mine, 0, 500)
        action.with_user(self.officer).with_context(
            active_model="res.partner", active_ids=self.mine.ids, active_id=self.mine.id,
        ).run()
        self.assertEqual(self._score(self.mine).recency_days, 0)
        self.assertEqual(self._score(self.theirs).recency_days, 120, "only the selection")

    def test_scores_of_another_company_are_hidden(self):
        other = self.env["res.company"].create({"name": "Other Company"})
        self._buy(self.mine, 5, 100, company=other)
        self.env["customer.rfm.run"]._run_company(other, "full")
        officer_scores = self.env["customer.rfm.score"].with_user(self.officer).search([])
        self.assertEqual(officer_scores.company_id, self.company)
        self.assertTrue(self.env["customer.rfm.score"].search([("company_id", "=", other.id)]))
