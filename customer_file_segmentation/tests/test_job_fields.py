from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import RolesCase


@tagged("post_install", "-at_install")
class TestJobFields(RolesCase):
    """Fields that only the runs and the workflow actions write; signals follow their
    warning."""

    def test_warning_figures_and_cohort_are_not_written_by_users(self):
        mine = self._warnings(self.mine)
        self.assertEqual(mine.cohort, "treated")
        for user in (self.salesman, self.manager):
            warning = mine.with_user(user)
            for values in ({"cohort": "control"}, {"score": 5}, {"state": "lost"},
                           {"won_back_percent": 100}, {"partner_id": self.theirs.id}):
                with self.assertRaises(AccessError):
                    warning.write(values)
        self.assertEqual((mine.cohort, mine.state, mine.partner_id), ("treated", "new", self.mine))
        mine.with_user(self.salesman).write({"user_id": self.other_salesman.id})
        self.assertEqual(mine.user_id, self.other_salesman, "the owner is the users' to set")
        with self.assertRaises(AccessError):
            self.env["customer.churn.warning"].with_user(self.manager).create({
                "partner_id": self.mine.id, "score": 90, "cohort": "control",
            })

    def test_stage_and_segment_of_customers_are_not_written_by_users(self):
        stage, segment = self.mine.lifecycle_stage, self.mine.rfm_segment_id
        other_stage = "active" if stage != "active" else "churned"
        other_segment = self.env["customer.rfm.segment"].search([("id", "!=", segment.id)],
                                                                limit=1)
        for values in ({"lifecycle_stage": other_stage}, {"rfm_segment_id": other_segment.id}):
            with self.assertRaises(AccessError):
                self.mine.with_user(self.manager).write(values)
        self.assertEqual((self.mine.lifecycle_stage, self.mine.rfm_segment_id), (stage, segment))
        self.mine.with_user(self.manager).write({"lifecycle_stage": stage})

    def test_workflow_actions_still_work_for_the_owner(self):
        mine = self._warnings(self.mine)
        mine.with_user(self.salesman).action_start()
        self.assertEqual(mine.state, "in_progress")
        self.assertEqual(mine.write_uid, self.salesman, "written as superuser, by the user")
        mine.with_user(self.salesman).action_mark_lost()
        self.assertEqual((mine.state, mine.date_closed), ("lost", self.today))
        with self.assertRaises(AccessError):
            self._warnings(self.theirs).with_user(self.salesman).action_mark_false_alarm()
        self.assertEqual(self._warnings(self.theirs).state, "new")

    def test_winback_action_starts_the_warning(self):
        mine = self._warnings(self.mine)
        self.env["customer.winback.action"].with_user(self.salesman).create(
            {"warning_id": mine.id, "kind": "call"}
        )
        self.assertEqual(mine.state, "in_progress")

    def test_scores_are_read_only_for_every_user(self):
        score = self._score(self.mine)
        for user in (self.salesman, self.manager):
            with self.assertRaises(AccessError):
                score.with_user(user).write({"churn_score": 5})
        self.assertNotEqual(score.churn_score, 5)

    def test_signals_follow_their_warning(self):
        theirs = self._warnings(self.theirs)
        self.assertTrue(theirs.signal_ids)
        Signal = self.env["customer.churn.signal"].with_user(self.salesman)
        self.assertEqual(Signal.search([]).warning_id, self._warnings(self.mine))
        with self.assertRaises(AccessError):
            theirs.signal_ids.with_user(self.salesman).read(["value"])
        self.assertEqual(
            self.env["customer.churn.signal"].with_user(self.officer).search([]).warning_id,
            self._warnings(self.mine) | theirs,
        )

    def test_officer_does_not_see_another_company(self):
        other = self.env["res.company"].create({"name": "Other Company"})
        self.env["customer.rfm.config"]._for_company(other).control_group_percent = 0
        for days in range(120, 301, 30):
            self._buy(self.mine, days, 100, company=other)
        self.env["customer.rfm.run"]._run_company(other, "full")
        elsewhere = self._warnings(self.mine, company=other)
        self.assertTrue(elsewhere.signal_ids)
        Warning = self.env["customer.churn.warning"].with_user(self.officer)
        Signal = self.env["customer.churn.signal"].with_user(self.officer)
        self.assertEqual(Warning.search([]).company_id, self.company)
        self.assertEqual(Signal.search([]).warning_id.company_id, self.company)
        self.assertFalse(Signal.search([("warning_id", "=", elsewhere.id)]))
        with self.assertRaises(AccessError):
            elsewhere.with_user(self.officer).read(["score"])
        with self.assertRaises(AccessError):
            elsewhere.signal_ids.with_user(self.officer).read(["value"])
        with self.assertRaises(AccessError):
            elsewhere.with_user(self.officer).action_mark_lost()
