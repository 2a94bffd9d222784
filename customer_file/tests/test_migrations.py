from odoo.fields import Command
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL
from odoo.tools.sql import index_exists

from .common import run_migration


@tagged("post_install", "-at_install")
class TestMigrations(TransactionCase):
    def test_1_1_0_fills_the_daily_summary_from_the_history(self):
        buyer = self.env["res.partner"].create({"name": "周敏"})
        self.env["customer.purchase.line"].create([
            {"partner_id": buyer.id, "date": "2026-03-01", "external_ref": f"mig:{ref}",
             "document_ref": document, "document_name": document, "quantity": 1,
             "amount": amount}
            for ref, document, amount in ((1, "SO1", 100), (2, "SO1", 20), (3, "SO2", 30))
        ])
        self.env.flush_all()
        self.env.cr.execute(SQL("TRUNCATE customer_purchase_day"))
        run_migration(self.env, "customer_file", "19.0.1.1.0")
        days = self.env["customer.purchase.day"].search(
            [("commercial_partner_id", "=", buyer.id)]
        )
        self.assertEqual(days.mapped("document_count"), [2])
        self.assertEqual(days.mapped("amount"), [150])

    def test_1_2_0_drops_the_index_of_the_value_tier(self):
        self.env.cr.execute(SQL(
            "CREATE INDEX res_partner__value_tier_index ON res_partner (value_tier)"
        ))
        run_migration(self.env, "customer_file", "19.0.1.2.0")
        self.assertFalse(index_exists(self.env.cr, "res_partner__value_tier_index"))

    def test_1_3_0_loads_the_record_rules_again(self):
        rule = self.env.ref("customer_file.rule_res_partner_customer_user")
        rule.domain_force = "[('commercial_partner_id.customer_rank', '=', 0)]"
        run_migration(self.env, "customer_file", "19.0.1.3.0")
        self.assertIn("customer_file_owner_ids", rule.domain_force)
        self.assertNotIn("crm_team_ids", self.env.ref(
            "customer_file.rule_customer_interaction_user").domain_force)

    def test_1_9_0_lets_users_read_their_colleagues(self):
        rule = self.env.ref("customer_file.rule_res_partner_customer_user")
        rule.domain_force = "[('commercial_partner_id.user_id', '=', user.id)]"
        run_migration(self.env, "customer_file", "19.0.1.9.0")
        self.assertIn("('user_ids.share', '=', False)", rule.domain_force)

    def test_1_4_0_records_the_opt_ins_in_the_consent_log(self):
        customer = self.env["res.partner"].create({"name": "孙丽", "country_id":
                                                   self.env.ref("base.cn").id})
        Point = self.env["customer.contact.point"]
        opted = Point.create({"partner_id": customer.id, "kind": "email",
                              "value": "sun.li@example.com", "opt_in": True})
        Point.create({"partner_id": customer.id, "kind": "phone", "value": "13800138000"})
        self.env.flush_all()
        # The database before the consent log: opt-ins without events.
        self.env.cr.execute(SQL("DELETE FROM customer_consent_event WHERE partner_id = %s",
                                customer.id))
        self.env.cr.execute(SQL("UPDATE customer_contact_point SET opt_in_date = '2025-06-01'"
                                " WHERE id = %s", opted.id))
        run_migration(self.env, "customer_file", "19.0.1.4.0")
        run_migration(self.env, "customer_file", "19.0.1.4.0")
        events = self.env["customer.consent.event"].search([("partner_id", "=", customer.id)])
        self.assertEqual(
            [(e.purpose_id.code, e.channel, e.action, e.source, e.contact_value,
              str(e.event_date)) for e in events],
            [("marketing", "email", "granted", "import", "sun.li@example.com",
              "2025-06-01 00:00:00")],
            "one grant per opted-in point, once",
        )
        self.assertEqual(
            self.env["customer.consent.event"]._consenting(customer, "marketing", "email"),
            customer,
        )

    def test_1_6_0_recuts_sale_dates_rebuilds_the_summary_and_starts_a_backfill(self):
        self.env.company.partner_id.tz = "Asia/Shanghai"
        buyer = self.env["res.partner"].create({"name": "孙丽"})
        product = self.env["product.product"].create({"name": "Kettle", "list_price": 50})
        order = self.env["sale.order"].create({
            "partner_id": buyer.id,
            "order_line": [Command.create({"product_id": product.id, "price_unit": 50})],
        })
        order.action_confirm()
        order.date_order = "2026-03-01 23:00:00"
        self.env.flush_all()
        # As 19.0.1.5.0 left it: cut in UTC, summary without the contact.
        self.env.cr.execute(SQL(
            "UPDATE customer_purchase_line SET date = '2026-03-01' WHERE sale_order_id = %s;"
            "UPDATE customer_purchase_day SET partner_id = NULL", order.id,
        ))
        runs = self.env["customer.purchase.backfill"].search_count([])
        run_migration(self.env, "customer_file", "19.0.1.6.0")
        self.env.invalidate_all()
        line = self.env["customer.purchase.line"].search([("sale_order_id", "=", order.id)])
        self.assertEqual(str(line.date), "2026-03-02")
        day = self.env["customer.purchase.day"].search([("commercial_partner_id", "=", buyer.id)])
        self.assertEqual((day.partner_id, str(day.date), day.amount), (buyer, "2026-03-02", 50))
        self.assertEqual(self.env["customer.purchase.backfill"].search_count([]), runs + 1)
        self.assertEqual(buyer.purchase_order_count, 1)
