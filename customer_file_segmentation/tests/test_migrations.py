from odoo.tests import tagged
from odoo.tools import SQL
from odoo.tools.sql import column_exists, index_exists

from odoo.addons.customer_file.tests.common import run_migration

from .common import SegmentationCase


@tagged("post_install", "-at_install")
class TestMigrations(SegmentationCase):
    """Each upgrade script removes what the earlier version left, and the runs work after."""

    def _migrate(self, version):
        run_migration(self.env, "customer_file_segmentation", version)

    def _assert_runs_score(self):
        customer = self._customer("陈静")
        self._buy(customer, 200, 80)
        self._buy(customer, 10, 120)
        self._run()
        self.assertEqual(self._score(customer).frequency, 2)

    def test_1_1_0_drops_unused_score_indexes_and_the_evaluation_date(self):
        columns = ("partner_id", "company_id", "segment_id", "value_tier", "lifecycle_stage")
        indexes = [f"customer_rfm_score__{column}_index" for column in columns]
        for index, column in zip(indexes, columns, strict=True):
            self.env.cr.execute(SQL("CREATE INDEX %s ON customer_rfm_score (%s)",
                                    SQL.identifier(index), SQL.identifier(column)))
        self.env.cr.execute(SQL(
            "ALTER TABLE customer_churn_warning ADD COLUMN last_evaluation_date date"
        ))
        self._migrate("19.0.1.1.0")
        self.assertEqual([index for index in indexes if index_exists(self.env.cr, index)], [])
        self.assertFalse(column_exists(self.env.cr, "customer_churn_warning",
                                       "last_evaluation_date"))
        self._assert_runs_score()

    def test_1_2_0_drops_the_stored_recency_and_the_signal_log_columns(self):
        self.env.cr.execute(SQL(
            """
            ALTER TABLE customer_rfm_score ADD COLUMN recency_days int;
            ALTER TABLE customer_churn_signal ADD COLUMN create_uid int REFERENCES res_users,
                                              ADD COLUMN create_date timestamp,
                                              ADD COLUMN write_uid int REFERENCES res_users,
                                              ADD COLUMN write_date timestamp;
            """
        ))
        self._migrate("19.0.1.2.0")
        self.assertFalse(column_exists(self.env.cr, "customer_rfm_score", "recency_days"))
        for column in ("create_uid", "create_date", "write_uid", "write_date"):
            self.assertFalse(column_exists(self.env.cr, "customer_churn_signal", column))
        self._assert_runs_score()

    def test_1_3_0_drops_the_score_log_columns_and_the_partner_mirror_indexes(self):
        self.env.cr.execute(SQL(
            """
            ALTER TABLE customer_rfm_score ADD COLUMN create_uid int REFERENCES res_users,
                                           ADD COLUMN create_date timestamp,
                                           ADD COLUMN write_uid int REFERENCES res_users,
                                           ADD COLUMN write_date timestamp;
            CREATE INDEX res_partner__rfm_segment_id_index ON res_partner (rfm_segment_id);
            CREATE INDEX res_partner__lifecycle_stage_index ON res_partner (lifecycle_stage);
            """
        ))
        self._migrate("19.0.1.3.0")
        for column in ("create_uid", "create_date", "write_uid", "write_date"):
            self.assertFalse(column_exists(self.env.cr, "customer_rfm_score", column))
        self.assertFalse(index_exists(self.env.cr, "res_partner__rfm_segment_id_index"))
        self.assertFalse(index_exists(self.env.cr, "res_partner__lifecycle_stage_index"))
        self._assert_runs_score()

    def test_1_4_0_drops_the_index_of_the_warning_severity(self):
        self.env.cr.execute(SQL(
            "CREATE INDEX customer_churn_warning__severity_index"
            "    ON customer_churn_warning (severity)"
        ))
        self._migrate("19.0.1.4.0")
        self.assertFalse(index_exists(self.env.cr, "customer_churn_warning__severity_index"))
        self._assert_runs_score()

    def test_1_5_0_loads_the_record_rules_again(self):
        rule = self.env.ref("customer_file_segmentation.rule_customer_churn_warning_user")
        rule.domain_force = "[('commercial_partner_id.user_id', 'in', [user.id])]"
        self._migrate("19.0.1.5.0")
        self.assertIn("customer_file_owner_ids", rule.domain_force)

    def test_1_6_0_keeps_warnings_and_sets_where_incremental_runs_start(self):
        customer = self._customer("Old warning")
        for days in range(120, 301, 30):
            self._buy(customer, days, 100)
        run = self._run()
        warning = self._warnings(customer)
        self.assertTrue(warning)
        high_value = self.env.ref("customer_file_segmentation.signal_high_value")
        self.env.cr.execute(SQL(
            "UPDATE customer_rfm_run SET changes_since = NULL WHERE id = %s;"
            "UPDATE customer_churn_signal_type SET active = TRUE WHERE id = %s",
            run.id, high_value.id,
        ))
        config = self.env["customer.rfm.config"]._for_company(self.env.company)
        other_company = self.env["res.company"].create({"name": "Hand-picked threshold"})
        hand_picked = self.env["customer.rfm.config"]._for_company(other_company)
        self.env.cr.execute(SQL(
            "UPDATE customer_rfm_config SET warning_min_score = 40 WHERE id = %s;"
            "UPDATE customer_rfm_config SET warning_min_score = 25 WHERE id = %s",
            config.id, hand_picked.id,
        ))
        self.env.invalidate_all()
        self._migrate("19.0.1.6.0")
        self.assertEqual(config.warning_min_score, 60, "the old default becomes the new one")
        self.assertEqual(hand_picked.warning_min_score, 25, "a chosen threshold is kept")
        self.assertEqual(run.changes_since, run.started_at)
        self.assertFalse(high_value.active)
        self.assertEqual(self._warnings(customer), warning, "existing warnings stay")
        self._run("churn")
        self.assertEqual(self._warnings(customer), warning)
        self.assertEqual(warning.state, "new")

    def test_1_7_0_models_learned_over_their_horizon(self):
        model = self.env["customer.churn.model"].create({
            "company_id": self.env.company.id, "kind": "bgnbd", "horizon_days": 120,
        })
        self.env.cr.execute(SQL(
            "UPDATE customer_churn_model SET label_days = NULL WHERE id = %s", model.id))
        self.env.invalidate_all()
        self._migrate("19.0.1.7.0")
        self.assertEqual(model.label_days, 120)
