from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDemoLevels(TransactionCase):

    def test_demo_customers_get_levels_and_a_history(self):
        self.env["customer.membership.level"].search([]).write({"active": False})
        generator = self.env["customer.file.demo.generator"]
        partners = generator._generate_demo(customers=60, seed=5, sale_order_customers=3)
        levels = generator._generate_membership_levels()
        self.assertEqual(levels.mapped("name"), ["Standard", "Silver", "Gold", "Platinum"])
        self.assertEqual(levels.with_context(lang="zh_CN").mapped("name"),
                         ["普通", "银卡", "金卡", "白金"])
        memberships = self.env["customer.membership"].search(
            [("partner_id", "in", partners.ids)])
        self.assertGreaterEqual(len(memberships.level_id), 3, "several levels have members")
        history = self.env["customer.membership.level.history"].search(
            [("partner_id", "in", partners.ids)])
        self.assertIn("promotion", history.mapped("reason"))
        self.assertGreater(len(set(history.mapped("date"))), 1, "evaluations on several days")
        for membership in memberships:
            self.assertEqual(
                history.filtered(lambda row, m=membership: row.partner_id == m.partner_id)
                .sorted(lambda row: (row.date, row.id))[-1:].to_level_id,
                membership.level_id,
            )
