from datetime import timedelta

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import SegmentationCase


@tagged("post_install", "-at_install")
class TestChurnWarning(SegmentationCase):
    """Without any model (nobody to learn from, no BG/NBD fit) the overdue heuristic gives
    the probability of no purchase within the 90-day horizon: alive with e^-(overdue - 1)
    once past the own rhythm, buying at that rhythm if alive. Sandra bought every 30 days
    until 120 days ago: 4 × overdue, 1 - e^-3 × (1 - e^-3) = 95%, a critical warning.
    Steve still buys every month: 1 - (1 - e^-3) = 5%."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = cls.env["res.users"].create({
            "name": "Zhang Wei", "login": "zhang.wei.churn",
            "group_ids": [(6, 0, [cls.env.ref("customer_file.group_customer_file_user").id])],
        })
        cls.sandra = cls._customer("Sandra", user_id=cls.salesman.id)
        cls.steve = cls._customer("Steve")
        for days in range(120, 301, 30):
            cls._buy(cls.sandra, days, 100)
        for days in range(10, 191, 30):
            cls._buy(cls.steve, days, 100)

    def test_warning_explains_its_signals(self):
        run = self._run()
        warning = self._warnings(self.sandra)
        self.assertEqual(len(warning), 1)
        self.assertEqual(run.warning_count, 1)
        self.assertFalse(self._warnings(self.steve))
        self.assertEqual((warning.state, warning.score, warning.severity),
                         ("new", 95, "critical"))
        self.assertEqual(
            {signal.type_id.code: round(signal.value, 2) for signal in warning.signal_ids},
            {"low_probability_alive": 0.05, "overdue": 4.0},
        )
        self.assertEqual(
            [(signal.type_id.code, signal.value_display, signal.points)
             for signal in warning.signal_ids],
            [("low_probability_alive", "5%", 95), ("overdue", "4.0 × own rhythm", 0)],
        )
        self.assertEqual(warning.user_id, self.salesman)
        self.assertEqual(self._score(self.sandra).churn_score, 95)
        self.assertEqual(self._score(self.steve).churn_score, 5)

    def test_owner_gets_an_activity(self):
        self.config.control_group_percent = 0
        self._run()
        warning = self._warnings(self.sandra)
        self.assertEqual(warning.activity_ids.user_id, self.salesman)
        self.assertEqual(warning.activity_ids.date_deadline, self.today + timedelta(days=3))

    def test_one_open_warning_per_customer(self):
        first_run = self._run()
        first = self._warnings(self.sandra)
        first.action_start()
        self._run("churn")
        self.assertEqual(self._warnings(self.sandra), first, "updated, not duplicated")
        self.assertEqual(first.run_id, first_run, "the score did not change")
        self.assertEqual(first.state, "in_progress")
        self.assertEqual(len(first.signal_ids), 2)
        self.env.ref("customer_file_segmentation.signal_overdue").active = False
        third_run = self._run("churn")
        self.assertEqual(self._warnings(self.sandra), first)
        self.assertEqual((first.score, first.run_id), (95, third_run))
        self.assertEqual(len(first.signal_ids), 1)
        self.assertEqual(first.last_evaluation_date, self.today)

    def test_actions_on_selected_customers_evaluate_only_them(self):
        self._run()
        runs = self.env["customer.rfm.run"]
        self.sandra.action_evaluate_churn()
        evaluated = runs.search([("company_id", "=", self.company.id)], limit=1)
        self.assertEqual((evaluated.mode, evaluated.customer_count), ("churn", 1))
        self.assertEqual(len(self._warnings(self.sandra)), 1)
        self.steve.action_recompute_rfm()
        rescored = runs.search([("company_id", "=", self.company.id)], limit=1)
        self.assertEqual((rescored.mode, rescored.customer_count), ("incremental", 1))

    def test_signals_are_measured_again_when_they_change(self):
        """A warning's signals are those the run that last changed its score or the set of
        signals measured (``run_id``): later runs finding the same signals keep them as
        they are; a change of the set measures them again."""
        first_run = self._run()
        warning = self._warnings(self.sandra)
        self.assertEqual(warning.score, 95)
        rows = {signal.id: self._row_version(signal) for signal in warning.signal_ids}
        self._run("churn")
        self.assertEqual(warning.run_id, first_run)
        self.assertEqual(
            {signal.id: self._row_version(signal) for signal in warning.signal_ids}, rows,
            "the same signals are kept as they are, not rewritten",
        )
        alive = warning.signal_ids.filtered(
            lambda signal: signal.type_id.code == "low_probability_alive")
        alive.value = 0.5
        self.env.ref("customer_file_segmentation.signal_overdue").active = False
        third_run = self._run("churn")
        self.assertEqual((warning.score, warning.run_id), (95, third_run))
        self.assertEqual(
            {signal.type_id.code: round(signal.value, 2) for signal in warning.signal_ids},
            {"low_probability_alive": 0.05},
        )
        self.assertEqual(warning.signals_date, self.today)

    def test_a_small_move_of_the_probability_rewrites_nothing(self):
        """A refit nudges most probabilities by a point or two: a warning keeping its
        severity and reasons is rewritten only when its probability moves by 3 points or
        more, and its reasons measured again only when it moves by 10 or more."""
        first_run = self._run()
        warning = self._warnings(self.sandra)
        for stored, rewritten, measured_again in ((93, False, False), (97, False, False),
                                                  (90, True, False), (84, True, True)):
            self.env.cr.execute(SQL(
                "UPDATE customer_churn_warning SET score = %s WHERE id = %s", stored, warning.id
            ))
            self.env.invalidate_all()
            row = self._row_version(warning)
            later_run = self._run("churn")
            self.env.invalidate_all()
            self.assertEqual(self._row_version(warning) != row, rewritten, stored)
            self.assertEqual(warning.score, 95 if rewritten else stored)
            self.assertEqual(warning.run_id, later_run if measured_again else first_run)
            # The reasons' values and contributions were measured for that one alone (the
            # run's temporary table lasts until the transaction ends).
            measured = self.env.execute_query(SQL(
                "SELECT DISTINCT partner_id FROM customer_churn_fired"))
            self.assertEqual(measured, [(self.sandra.id,)] if measured_again else [], stored)

    def test_a_small_move_of_the_probability_leaves_the_score_row(self):
        """The churn score of a customer's score row follows the same rule in runs over
        every customer; a run over selected customers writes the current one."""
        self._run()
        score = self._score(self.sandra)
        for stored, rewritten in ((93, False), (97, False), (92, True)):
            self.env.cr.execute(SQL(
                "UPDATE customer_rfm_score SET churn_score = %s WHERE id = %s", stored, score.id
            ))
            self.env.invalidate_all()
            row = self._row_version(score)
            self._run("churn")
            self.env.invalidate_all()
            self.assertEqual(self._row_version(score) != row, rewritten, stored)
            self.assertEqual(score.churn_score, 95 if rewritten else stored)
        self.env.cr.execute(SQL(
            "UPDATE customer_rfm_score SET churn_score = 94 WHERE id = %s", score.id
        ))
        self.env.invalidate_all()
        self._run("churn", partner_ids=self.sandra.ids)
        self.env.invalidate_all()
        self.assertEqual(score.churn_score, 95)

    def test_warning_pages_keep_room_for_the_runs_rewrites(self):
        """A weekly run rewrites about half of the open warnings: with half of each page
        free the new row versions stay on their page (HOT updates, no index written)."""
        options = self.env.execute_query(SQL(
            "SELECT reloptions FROM pg_class WHERE relname = 'customer_churn_warning'"))[0][0]
        self.assertIn("fillfactor=50", options or [])

    def test_the_reasons_give_back_the_jit_settings(self):
        """The reasons' statements run without JIT optimisation; the rest of the transaction
        gets the settings back (a run and the caller's next queries share it)."""
        def settings():
            return [self.env.execute_query(SQL("SHOW %s", SQL.identifier(name)))[0][0]
                    for name in ("jit_optimize_above_cost", "jit_inline_above_cost")]

        before = settings()
        self._run()
        self.assertTrue(self.env["customer.churn.signal"].search_count(
            [("warning_id.partner_id", "=", self.sandra.id)]), "the reasons were measured")
        self.assertEqual(settings(), before)
        self.assertNotIn("-1", before)

    def test_evaluating_a_customer_measures_the_signals_again(self):
        self._run()
        warning = self._warnings(self.sandra)
        overdue = warning.signal_ids.filtered(lambda signal: signal.type_id.code == "overdue")
        overdue.value = 9.0
        self._run("churn")
        self.assertEqual(overdue.value, 9.0, "a run over everybody keeps the same signals")
        self.sandra.action_evaluate_churn()
        self.assertEqual(round(overdue.value, 2), 4.0)
        self.assertEqual(warning.run_id.mode, "churn")
        self.assertEqual(warning.run_id.customer_count, 1)

    def test_the_points_of_a_type_no_longer_add_up(self):
        overdue = self.env.ref("customer_file_segmentation.signal_overdue")
        overdue.points = 100
        self.config.warning_min_score = 96
        self._run()
        self.assertFalse(self._warnings(self.sandra), "95% is below the threshold")
        self.assertEqual(self._score(self.sandra).churn_score, 95)
        self.config.warning_min_score = 95
        self._run("churn")
        self.assertEqual(self._warnings(self.sandra).score, 95)

    def test_signal_values_are_kept_as_they_are_shown(self):
        signals = self.env["customer.churn.signal"]
        rounded = self.env.execute_query(SQL(
            "SELECT %s FROM (VALUES (4.04::float8, 'ratio'), (12.6, 'percent'),"
            " (0.1234, 'probability'), (2.3456, 'score')) AS signal(value, unit)",
            signals._rounded_value(SQL("signal.value"), SQL("signal.unit")),
        ))
        self.assertEqual([row[0] for row in rounded], [4.0, 13.0, 0.12, 2.35])
        low_alive = signals.new({
            "type_id": self.env.ref("customer_file_segmentation.signal_low_probability_alive").id,
            "value": 0.12,
        })
        self.assertEqual(low_alive.value_display, "12%")

    def test_next_purchase_closes_the_warning_as_won_back(self):
        self.config.control_group_percent = 0
        self._run()
        warning = self._warnings(self.sandra)
        self.assertTrue(warning.activity_ids)
        self._buy(self.sandra, 0, 300)
        self.assertEqual(warning.state, "won_back")
        self.assertEqual(warning.won_back_date, self.today)
        self.assertEqual(warning.won_back_percent, 100)
        self.assertFalse(warning.activity_ids)

    def test_a_purchase_dated_before_the_warning_does_not_win_it_back(self):
        self._run()
        warning = self._warnings(self.sandra)
        self._buy(self.sandra, 3, 300)
        self._run("churn")
        self.assertIn(warning.state, ("new", "in_progress"))
        self.assertFalse(warning.won_back_date)

    def test_a_run_closes_the_warning_of_a_customer_who_bought_since(self):
        self._run()
        warning = self._warnings(self.sandra)
        self._buy(self.sandra, 0, 300)
        # As if the purchase had reached the ledger without passing through the ORM.
        warning.write({"state": "new", "won_back_date": False, "date_closed": False,
                       "won_back_percent": 0})
        self._run("churn")
        self.assertEqual((warning.state, warning.won_back_date), ("won_back", self.today))
        self.assertEqual(self._warnings(self.sandra), warning, "and opens no other one")

    def test_a_customer_past_the_churn_limit_is_lost(self):
        self._run()
        warning = self._warnings(self.sandra)
        self.config.write({"dormant_days": 90, "churned_days": 100})
        self._run("churn")
        self.assertEqual(warning.state, "lost")

    def test_false_alarm_is_not_raised_again_until_the_next_purchase(self):
        self._run()
        warning = self._warnings(self.sandra)
        warning.action_mark_false_alarm()
        self.assertEqual(warning.state, "false_alarm")
        self._run("churn")
        self.assertEqual(self._warnings(self.sandra), warning)
        with self.assertRaises(UserError):
            warning.action_start()

    def test_winback_actions_are_refused_for_the_control_group(self):
        self._run()
        warning = self._warnings(self.sandra)
        warning.cohort = "control"
        with self.assertRaises(ValidationError):
            self.env["customer.winback.action"].create(
                {"warning_id": warning.id, "kind": "call"}
            )

    def test_winback_action_starts_the_work(self):
        self.config.control_group_percent = 0
        self._run()
        warning = self._warnings(self.sandra)
        self.env["customer.winback.action"].create({"warning_id": warning.id, "kind": "offer"})
        self.assertEqual(warning.state, "in_progress")
        self.assertEqual(warning.action_count, 1)

    def test_merged_duplicates_keep_one_open_warning_with_their_actions(self):
        self.config.control_group_percent = 0
        twin = self._customer("Sandra (shop account)")
        for days in range(120, 301, 30):
            self._buy(twin, days, 100)
        self._run()
        kept = self._warnings(twin)
        action = self.env["customer.winback.action"].create(
            {"warning_id": kept.id, "kind": "call"}
        )
        dropped = self._warnings(self.sandra)
        self.assertTrue(dropped and self._score(twin))
        self.env["base.partner.merge.automatic.wizard"]._merge(
            (twin | self.sandra).ids, self.sandra
        )
        self.assertEqual(self._warnings(self.sandra), kept, "the one with the actions")
        self.assertEqual((kept.state, action.partner_id), ("in_progress", self.sandra))
        self.assertFalse(dropped.exists())
        left_behind = [("res_model", "=", dropped._name), ("res_id", "=", dropped.id)]
        self.assertFalse(self.env["mail.activity"].search(left_behind))
        self.assertEqual(len(self._score(self.sandra)), 1)
        self._run("churn")
        self.assertEqual(self._score(self.sandra).frequency, 14, "both histories count")
        self.assertEqual(self._warnings(self.sandra), kept)


@tagged("post_install", "-at_install")
class TestControlGroup(SegmentationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config.control_group_percent = 50
        partners = cls.env["res.partner"].create(
            [{"name": f"Slipping {index}", "customer_rank": 1,
              "user_id": cls.env.ref("base.user_admin").id}
             for index in range(300)]
        )
        lines = []
        for index, partner in enumerate(partners):
            for days in (300, 270, 240, 210, 180, 150, 120):
                ref = f"control:{index}:{days}"
                lines.append({
                    "partner_id": partner.id, "date": cls.today - timedelta(days=days),
                    "source": "import", "external_ref": ref, "document_ref": ref,
                    "document_name": ref, "amount": 100, "quantity": 1,
                })
        cls.env["customer.purchase.line"].sudo().create(lines)
        cls.partners = partners

    def test_share_and_won_back_rate_by_cohort(self):
        self._run()
        warnings = self.env["customer.churn.warning"].search(
            [("partner_id", "in", self.partners.ids)]
        )
        self.assertEqual(len(warnings), 300)
        control = warnings.filtered(lambda w: w.cohort == "control")
        # 50% of 300: binomial standard deviation 8.7, so this range is over 4 deviations.
        self.assertTrue(110 <= len(control) <= 190, len(control))
        treated = warnings - control
        self.assertFalse(control.activity_ids, "the control group gets no call either")
        self.assertEqual(len(treated.activity_ids), len(treated))
        for warning in treated[:30] | control[:10]:
            self._buy(warning.partner_id, 0, 100)
        rates = {
            cohort: (count, rate)
            for cohort, count, rate in self.env["customer.churn.warning"]._read_group(
                [("partner_id", "in", self.partners.ids)], ["cohort"],
                ["__count", "won_back_percent:avg"],
            )
        }
        self.assertEqual(rates["treated"][0], len(treated))
        self.assertAlmostEqual(rates["treated"][1], 100 * 30 / len(treated))
        self.assertAlmostEqual(rates["control"][1], 100 * 10 / len(control))
