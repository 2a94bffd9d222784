from dateutil.relativedelta import relativedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.customer_file_stock.hooks import post_init_hook


@tagged("post_install", "-at_install")
class TestDeliveredSerials(TransactionCase):
    """A serial number delivered to a customer is a unit that customer owns."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.stock = cls.warehouse.lot_stock_id
        cls.customers = cls.env.ref("stock.stock_location_customers")
        cls.product = cls.env["product.product"].create({
            "name": "Aurora Laptop", "type": "consu", "is_storable": True,
            "tracking": "serial", "warranty_months": 24,
        })
        cls.customer = cls.env["res.partner"].create({"name": "林峰", "customer_rank": 1})
        cls.other = cls.env["res.partner"].create({"name": "Emma Clark", "customer_rank": 1})
        cls.Owned = cls.env["customer.owned.product"].sudo()

    def _lots(self, *names, product=None):
        product = product or self.product
        lots = self.env["stock.lot"].create(
            [{"name": name, "product_id": product.id} for name in names]
        )
        for lot in lots:
            self.env["stock.quant"]._update_available_quantity(product, self.stock, 1,
                                                               lot_id=lot)
        return lots

    def _move(self, partner, lots, returning=False, product=None, user=None):
        product = product or self.product
        src, dest = (self.customers, self.stock) if returning else (self.stock, self.customers)
        picking_type = self.warehouse.in_type_id if returning else self.warehouse.out_type_id
        env = self.env(user=user) if user else self.env
        picking = env["stock.picking"].create({
            "partner_id": partner.id, "picking_type_id": picking_type.id,
            "location_id": src.id, "location_dest_id": dest.id,
            "move_ids": [Command.create({
                "product_id": product.id, "product_uom_qty": len(lots),
                "location_id": src.id, "location_dest_id": dest.id,
            })],
        })
        picking.action_confirm()
        move = picking.move_ids
        move.move_line_ids.unlink()
        env["stock.move.line"].create([{
            "move_id": move.id, "picking_id": picking.id, "product_id": product.id,
            "lot_id": lot.id, "quantity": 1, "location_id": src.id,
            "location_dest_id": dest.id,
        } for lot in lots])
        move.picked = True
        picking._action_done()
        self.assertEqual(picking.state, "done")
        return picking

    def _units(self, lots):
        return self.Owned.search([("lot_id", "in", lots.ids)])

    def test_each_delivered_serial_is_an_owned_product(self):
        lots = self._lots("SN-A1", "SN-A2")
        self._move(self.customer, lots)
        units = self._units(lots)
        self.assertEqual(len(units), 2)
        self.assertEqual(units.partner_id, self.customer)
        self.assertEqual(sorted(units.mapped("serial_number")), ["SN-A1", "SN-A2"])
        self.assertEqual(set(units.mapped("state")), {"in_use"})
        today = fields.Date.context_today(self.Owned)
        for unit in units:
            self.assertTrue(abs((unit.purchase_date - today).days) <= 1)
            self.assertEqual(unit.warranty_end_date,
                             unit.purchase_date + relativedelta(months=24))
        self.Owned._sync_lots(lots)
        self.assertEqual(len(self.Owned.search([("product_id", "=", self.product.id)])), 2,
                         "syncing again never registers a unit twice")

    def test_the_purchase_date_is_the_delivery_day_in_the_companys_time_zone(self):
        lot = self._lots("SN-TZ1")
        picking = self._move(self.customer, lot)
        self._units(lot).unlink()
        picking.move_line_ids.date = fields.Datetime.to_datetime("2026-03-01 17:30:00")
        self.env.company.partner_id.tz = "Asia/Shanghai"
        self.Owned._sync_lots(lot)
        self.assertEqual(self._units(lot).purchase_date, fields.Date.to_date("2026-03-02"),
                         "01:30 on 2 March in Shanghai")
        self.env.company.partner_id.tz = "America/New_York"
        self._units(lot).unlink()
        self.Owned._sync_lots(lot)
        self.assertEqual(self._units(lot).purchase_date, fields.Date.to_date("2026-03-01"))

    def test_the_unit_the_sale_registered_takes_the_serial(self):
        self.product.customer_file_track_owned = True
        lot = self._lots("SN-S1")
        order = self.env["sale.order"].create({
            "partner_id": self.customer.id,
            "order_line": [Command.create({"product_id": self.product.id,
                                           "product_uom_qty": 1})],
        })
        order.action_confirm()
        registered = self.Owned.search([("sale_line_id", "=", order.order_line.id)])
        self.assertEqual(len(registered), 1)
        self.assertFalse(registered.serial_number)
        picking = order.picking_ids
        picking.move_ids.move_line_ids.unlink()
        self.env["stock.move.line"].create({
            "move_id": picking.move_ids.id, "picking_id": picking.id,
            "product_id": self.product.id, "lot_id": lot.id, "quantity": 1,
            "location_id": picking.location_id.id,
            "location_dest_id": picking.location_dest_id.id,
        })
        picking.move_ids.picked = True
        picking._action_done()
        self.assertEqual(self._units(lot), registered)
        self.assertEqual(registered.serial_number, "SN-S1")
        self.assertEqual(len(self.Owned.search([("product_id", "=", self.product.id)])), 1)

    def test_a_serial_registered_by_hand_takes_the_lot(self):
        lot = self._lots("SN-H1")
        by_hand = self.Owned.create({"partner_id": self.customer.id,
                                     "product_id": self.product.id,
                                     "serial_number": "SN-H1"})
        self._move(self.customer, lot)
        self.assertEqual(self._units(lot), by_hand)

    def test_returns_mark_the_unit_returned_and_deliveries_move_it(self):
        lot = self._lots("SN-R1")
        self._move(self.customer, lot)
        unit = self._units(lot)
        self._move(self.customer, lot, returning=True)
        self.assertEqual(unit.state, "returned")
        self._move(self.customer, lot)
        self.assertEqual(unit.state, "in_use", "delivered again to the same customer")
        self._move(self.customer, lot, returning=True)
        self._move(self.other, lot)
        self.assertEqual(self._units(lot), unit, "still one unit per serial")
        self.assertEqual((unit.partner_id, unit.state), (self.other, "in_use"))

    def test_lots_of_a_batch_product_are_not_owned_units(self):
        batch = self.env["product.product"].create(
            {"name": "Aurora Ink", "type": "consu", "is_storable": True, "tracking": "lot"}
        )
        lot = self.env["stock.lot"].create({"name": "INK-01", "product_id": batch.id})
        self.env["stock.quant"]._update_available_quantity(batch, self.stock, 1, lot_id=lot)
        self._move(self.customer, lot, product=batch)
        self.assertFalse(self.Owned.search([("product_id", "=", batch.id)]))

    def test_backfill_registers_past_deliveries_once(self):
        lots = self._lots("SN-B1", "SN-B2", "SN-B3")
        self._move(self.customer, lots[:2])
        self._move(self.other, lots[2])
        self._move(self.other, lots[2], returning=True)
        self._units(lots).unlink()  # as before the bridge was installed
        post_init_hook(self.env)
        units = self._units(lots)
        self.assertEqual(len(units), 3)
        self.assertEqual(units.filtered(lambda u: u.lot_id == lots[2]).state, "returned")
        snapshot = units.read(["partner_id", "state", "purchase_date", "serial_number",
                               "write_date"])
        post_init_hook(self.env)
        self.assertEqual(self._units(lots).read(["partner_id", "state", "purchase_date",
                                                 "serial_number", "write_date"]), snapshot,
                         "a second run changes nothing")

    def test_stock_users_outside_the_customer_file_read_no_owned_product(self):
        clerk = new_test_user(self.env, login="stk_clerk",
                              groups="stock.group_stock_user,sales_team.group_sale_salesman")
        lot = self._lots("SN-C1")
        self._move(self.customer, lot, user=clerk)
        self.assertEqual(len(self._units(lot)), 1, "their deliveries reach the file all the same")
        with self.assertRaises(AccessError):
            self.env["customer.owned.product"].with_user(clerk).search_read([], ["serial_number"])
        with self.assertRaises(AccessError):
            lot.with_user(clerk).read(["customer_owned_product_id"])
        form = lot.with_user(clerk).get_views([(False, "form")])
        self.assertNotIn("customer_owned_product_id", form["views"]["form"]["arch"])
        officer = new_test_user(
            self.env, login="stk_officer",
            groups="stock.group_stock_user,customer_file.group_customer_file_officer",
        )
        self.assertEqual(lot.with_user(officer).customer_owned_product_id, self._units(lot))
