from datetime import date

import psycopg2

from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestOwnedProductAndService(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        colour = cls.env["product.attribute"].create({
            "name": "Colour",
            "value_ids": [Command.create({"name": "Graphite"}), Command.create({"name": "Silver"})],
        })
        cls.phone_template = cls.env["product.template"].create({
            "name": "Phone X", "type": "consu", "customer_file_track_owned": True,
            "warranty_months": 24,
            "attribute_line_ids": [Command.create({
                "attribute_id": colour.id, "value_ids": [Command.set(colour.value_ids.ids)],
            })],
        })
        cls.graphite = cls.phone_template.product_variant_ids.filtered(
            lambda variant: variant.product_template_attribute_value_ids.name == "Graphite"
        )
        cls.cable = cls.env["product.product"].create({"name": "Cable", "type": "consu"})
        cls.customer = cls.env["res.partner"].create({"name": "孙丽"})
        cls.other = cls.env["res.partner"].create({"name": "Other"})

    def _confirmed_order(self):
        order = self.env["sale.order"].create({
            "partner_id": self.customer.id,
            "order_line": [
                Command.create({"product_id": self.graphite.id, "product_uom_qty": 2}),
                Command.create({"product_id": self.cable.id, "product_uom_qty": 3}),
            ],
        })
        order.action_confirm()
        return order

    def _owned(self):
        return self.env["customer.owned.product"].search([("partner_id", "=", self.customer.id)])

    def test_confirmed_sale_registers_one_owned_product_per_tracked_unit(self):
        order = self._confirmed_order()
        owned = self._owned()
        self.assertEqual(len(owned), 2)
        self.assertEqual(owned.product_id, self.graphite)
        self.assertEqual(set(owned.mapped("configuration")), {"Graphite"})
        self.assertEqual(owned.sale_line_id, order.order_line[0])
        purchase_date = owned[0].purchase_date
        self.assertEqual(owned[0].warranty_end_date.year - purchase_date.year, 2)
        self.assertTrue(all(owned.mapped("under_warranty")))
        self.env["customer.owned.product"]._create_from_sale_orders(order)
        order.write({"state": "sale"})
        self.assertEqual(len(self._owned()), 2, "never registered twice")
        self.assertEqual(self.customer.owned_product_count, 2)

    def test_upgrade_chain_marks_the_old_unit_replaced_and_refuses_cycles(self):
        Owned = self.env["customer.owned.product"]
        old = Owned.create({"partner_id": self.customer.id, "product_id": self.graphite.id,
                            "purchase_date": date(2022, 1, 10)})
        new = Owned.create({"partner_id": self.customer.id, "product_id": self.graphite.id,
                            "replaces_id": old.id})
        self.assertEqual(old.state, "replaced")
        self.assertEqual(old.replaced_by_ids, new)
        self.assertFalse(old.under_warranty)
        self.assertIn(old, Owned.search([("under_warranty", "=", False), ("id", "=", old.id)]))
        with self.assertRaisesRegex(ValidationError, "cannot replace itself"):
            old.replaces_id = new

    def test_serial_numbers_are_unique_per_product(self):
        Owned = self.env["customer.owned.product"]
        Owned.create({"partner_id": self.customer.id, "product_id": self.graphite.id,
                      "serial_number": "IMEI-1"})
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.UniqueViolation), \
                self.cr.savepoint():
            Owned.create({"partner_id": self.other.id, "product_id": self.graphite.id,
                          "serial_number": "IMEI-1"})

    def test_service_records_feed_the_profile(self):
        owned = self.env["customer.owned.product"].create(
            {"partner_id": self.customer.id, "product_id": self.graphite.id}
        )
        Service = self.env["customer.service.record"]
        repair = Service.create({"owned_product_id": owned.id, "received_date": date(2026, 3, 1),
                                 "method": "repair", "hours_spent": 1.5, "cost": 80, "price": 0})
        self.assertEqual(repair.partner_id, self.customer, "the customer comes from the product")
        self.assertTrue(repair.name.startswith("SRV/"))
        Service.create({"partner_id": self.customer.id, "received_date": date(2026, 5, 2),
                        "method": "advice", "cost": 5})
        Service.create({"partner_id": self.customer.id, "received_date": date(2026, 6, 1),
                        "method": "repair", "cost": 999, "state": "cancelled"})
        self.assertEqual(self.customer.repair_count, 1)
        self.assertEqual(self.customer.service_record_count, 2)
        self.assertEqual(self.customer.last_service_date, date(2026, 5, 2))
        self.assertEqual(self.customer.total_service_cost, 85)
        repair.action_done()
        self.assertEqual(repair.state, "done")
        self.assertTrue(repair.returned_date)

    def test_service_record_refuses_impossible_values(self):
        Service = self.env["customer.service.record"]
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.CheckViolation), \
                self.cr.savepoint():
            Service.create({"partner_id": self.customer.id, "cost": -1})
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.CheckViolation), \
                self.cr.savepoint():
            Service.create({"partner_id": self.customer.id, "received_date": date(2026, 5, 2),
                            "returned_date": date(2026, 5, 1)})
        owned = self.env["customer.owned.product"].create(
            {"partner_id": self.other.id, "product_id": self.graphite.id}
        )
        with self.assertRaisesRegex(ValidationError, "belongs to"):
            Service.create({"partner_id": self.customer.id, "owned_product_id": owned.id})
