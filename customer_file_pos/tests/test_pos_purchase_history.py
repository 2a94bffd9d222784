from odoo.tests import tagged

from odoo.addons.customer_file.tests.common import run_migration
from odoo.addons.point_of_sale.tests.common import TestPoSCommon


@tagged("post_install", "-at_install")
class TestPosPurchaseHistory(TestPoSCommon):
    def setUp(self):
        super().setUp()
        self.config = self.basic_config
        self.product = self.create_product("Aurora Buds", self.categ_basic, 100, 50)
        self.config.write({"payment_method_ids": [(6, 0, self.cash_pm1.ids)]})
        self.open_new_session()

    def _lines(self):
        return self.env["customer.purchase.line"].sudo().search(
            [("partner_id", "=", self.customer.id), ("source", "=", "pos")]
        )

    def test_paid_orders_with_a_customer_land_in_the_history(self):
        orders = self._create_orders([
            {"pos_order_lines_ui_args": [(self.product, 2)], "payments": [(self.cash_pm1, 200)],
             "customer": self.customer, "uuid": "00100-010-0001"},
            {"pos_order_lines_ui_args": [(self.product, 1)], "payments": [(self.cash_pm1, 100)],
             "uuid": "00100-010-0002"},
        ])
        paid = orders["00100-010-0001"]
        line = self._lines()
        self.assertEqual(len(line), 1, "the anonymous order is not in anybody's history")
        self.assertEqual(line.pos_order_id, paid)
        self.assertEqual((line.quantity, line.amount), (2, 200))
        # The cashier has no Customer File rights: the totals are read as superuser.
        self.assertEqual(self.customer.sudo().purchase_order_count, 1)
        self.assertEqual(self.customer.sudo().lifetime_spend, 200)
        self.env["customer.purchase.line"].sudo()._sync_pos_orders(paid)
        self.assertEqual(len(self._lines()), 1, "syncing again never counts twice")

    def test_refund_orders_net_the_spend(self):
        orders = self._create_orders([
            {"pos_order_lines_ui_args": [(self.product, 2)], "payments": [(self.cash_pm1, 200)],
             "customer": self.customer, "uuid": "00100-010-0003"},
            {"pos_order_lines_ui_args": [(self.product, -1)],
             "payments": [(self.cash_pm1, -100)], "customer": self.customer,
             "uuid": "00100-010-0004"},
        ])
        self.assertEqual(len(orders), 2)
        refund = self._lines().filtered("is_refund")
        self.assertEqual(refund.amount, -100)
        self.assertEqual(self.customer.sudo().lifetime_spend, 100)
        self.assertEqual(self.customer.sudo().purchase_order_count, 1)

    def test_backfill_brings_back_paid_orders_and_skips_anonymous_ones(self):
        orders = self._create_orders([
            {"pos_order_lines_ui_args": [(self.product, 3)], "payments": [(self.cash_pm1, 300)],
             "customer": self.customer, "uuid": "00100-010-0005"},
            {"pos_order_lines_ui_args": [(self.product, 1)], "payments": [(self.cash_pm1, 100)],
             "uuid": "00100-010-0006"},
        ])
        expected = [(line.external_ref, line.amount, line.date) for line in self._lines()]
        self.assertEqual(len(expected), 1)
        self.env.flush_all()
        self.env.cr.execute(
            "DELETE FROM customer_purchase_line WHERE pos_order_id = ANY(%s)",
            [[order.id for order in orders.values()]],
        )
        self.env["customer.purchase.day"]._refresh([self.customer.id])
        self.env.invalidate_all()
        self.assertEqual(self.customer.sudo().purchase_order_count, 0)
        run = self.env["customer.purchase.backfill"]._start(sources=["pos"])
        self.assertTrue(run._run(batch_size=5))
        self.assertEqual([(line.external_ref, line.amount, line.date) for line in self._lines()],
                         expected)
        self.assertEqual(self.customer.sudo().lifetime_spend, 300)
        self.assertFalse(self.env["customer.purchase.line"].sudo().search(
            [("pos_order_id", "=", orders["00100-010-0006"].id)]),
            "the order without customer stays out")
        again = self.env["customer.purchase.backfill"]._start(sources=["pos"])
        again._run(batch_size=5)
        self.assertEqual(again.lines_added, 0)

    def test_pos_dates_follow_the_company_time_zone(self):
        self.env.company.partner_id.tz = "Pacific/Auckland"
        orders = self._create_orders([
            {"pos_order_lines_ui_args": [(self.product, 1)], "payments": [(self.cash_pm1, 100)],
             "customer": self.customer, "uuid": "00100-010-0007"},
        ])
        order = orders["00100-010-0007"]
        order.date_order = "2026-06-30 20:00:00"  # 08:00 on 1 July in Auckland
        self.assertEqual(str(self._lines().date), "2026-07-01")

    def test_1_1_0_recuts_pos_dates_in_the_company_time_zone(self):
        orders = self._create_orders([
            {"pos_order_lines_ui_args": [(self.product, 1)], "payments": [(self.cash_pm1, 100)],
             "customer": self.customer, "uuid": "00100-010-0008"},
        ])
        orders["00100-010-0008"].date_order = "2026-06-30 20:00:00"
        self.assertEqual(str(self._lines().date), "2026-06-30")
        self.env.company.partner_id.tz = "Pacific/Auckland"
        run_migration(self.env, "customer_file_pos", "19.0.1.1.0")
        self.assertEqual(str(self._lines().date), "2026-07-01")
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT date::text, SUM(amount) FROM customer_purchase_day"
            " WHERE commercial_partner_id = %s GROUP BY date", [self.customer.id],
        )
        self.assertEqual(self.env.cr.fetchall(), [("2026-07-01", 100)])
