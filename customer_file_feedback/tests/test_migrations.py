from odoo.tests import TransactionCase, tagged

from odoo.addons.customer_file.tests.common import run_migration


@tagged("post_install", "-at_install")
class TestMigrations(TransactionCase):
    def test_1_2_0_loads_the_record_rules_again(self):
        rule = self.env.ref("customer_file_feedback.rule_customer_feedback_user")
        rule.domain_force = "[('user_id', '=', user.id)]"
        run_migration(self.env, "customer_file_feedback", "19.0.1.2.0")
        self.assertIn("customer_file_owner_ids", rule.domain_force)
