from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.customer_file_repair.hooks import post_init_hook


@tagged("post_install", "-at_install")
class TestRepairServiceRecord(TransactionCase):
    """A repair order with a customer is an after-sales service record of that customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.technician = new_test_user(
            cls.env, login="rep_tech",
            groups="stock.group_stock_user,customer_file.group_customer_file_user",
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "周杰", "user_id": cls.technician.id, "customer_rank": 1}
        )
        cls.product = cls.env["product.product"].create(
            {"name": "Aurora Phone", "type": "consu", "is_storable": True}
        )
        cls.serial_product = cls.env["product.product"].create(
            {"name": "Aurora Laptop", "type": "consu", "is_storable": True,
             "tracking": "serial"}
        )
        cls.Record = cls.env["customer.service.record"].sudo()

    def _repair(self, **values):
        return self.env["repair.order"].with_user(self.technician).create(
            {"product_id": self.product.id} | values
        )

    def _record_of(self, repair):
        return self.Record.search([("repair_id", "in", repair.ids)])

    def test_a_repair_with_a_customer_creates_one_service_record(self):
        repair = self._repair(partner_id=self.customer.id,
                              internal_notes="<p>Screen cracked</p>")
        record = self._record_of(repair)
        self.assertEqual(len(record), 1)
        self.assertEqual(record.partner_id, self.customer)
        self.assertEqual(record.state, "received")
        self.assertEqual(record.method, "repair")
        self.assertEqual(record.technician_id, self.technician)
        self.assertEqual(record.fault_description, "Screen cracked")
        self.assertEqual(record.repair_reference, repair.name)
        self.assertEqual(repair.with_user(self.technician).customer_service_record_id, record)
        repair.write({"user_id": self.env.user.id})
        self.assertEqual(len(self._record_of(repair)), 1, "an update never adds a second one")
        self.assertEqual(record.technician_id, self.env.user)

    def test_a_repair_without_customer_has_no_record_until_it_gets_one(self):
        repair = self._repair()
        self.assertFalse(self._record_of(repair))
        repair.partner_id = self.customer
        self.assertEqual(self._record_of(repair).partner_id, self.customer)

    def test_the_record_follows_the_repairs_customer(self):
        repair = self._repair(partner_id=self.customer.id)
        other = self.env["res.partner"].create({"name": "Li Na", "customer_rank": 1})
        repair.partner_id = other
        self.assertEqual(self._record_of(repair).partner_id, other)
        repair.partner_id = False
        self.assertEqual(self._record_of(repair).partner_id, other,
                         "the service stays in the file of the customer it was done for")

    def test_the_record_follows_the_repair_states(self):
        repair = self._repair(partner_id=self.customer.id)
        record = self._record_of(repair)
        repair._action_repair_confirm()
        self.assertEqual(record.state, "received")
        repair.action_repair_start()
        self.assertEqual(record.state, "in_progress")
        repair.action_repair_end()
        self.assertEqual(repair.state, "done")
        self.assertEqual(record.state, "done")
        self.assertTrue(record.returned_date)
        other = self._repair(partner_id=self.customer.id)
        other.action_repair_cancel()
        self.assertEqual(self._record_of(other).state, "cancelled")
        other.action_repair_cancel_draft()
        self.assertEqual(self._record_of(other).state, "received")

    def test_the_record_of_a_repair_is_moved_on_the_repair_only(self):
        record = self._record_of(self._repair(partner_id=self.customer.id))
        with self.assertRaises(UserError):
            record.with_user(self.technician).action_done()
        self.assertEqual(record.state, "received")
        own = self.env["customer.service.record"].with_user(self.technician).create(
            {"partner_id": self.customer.id}
        )
        own.action_done()
        self.assertEqual(own.state, "done", "records without a repair keep their buttons")

    def test_the_repaired_serial_is_the_customers_owned_product(self):
        lot = self.env["stock.lot"].create({"name": "SN-REP-001",
                                            "product_id": self.serial_product.id})
        repair = self._repair(partner_id=self.customer.id, product_id=self.serial_product.id,
                              lot_id=lot.id)
        owned = self._record_of(repair).owned_product_id
        self.assertEqual((owned.partner_id, owned.product_id, owned.serial_number),
                         (self.customer, self.serial_product, "SN-REP-001"))
        again = self._repair(partner_id=self.customer.id, product_id=self.serial_product.id,
                             lot_id=lot.id)
        self.assertEqual(self._record_of(again).owned_product_id, owned,
                         "the same unit is registered once")
        stranger = self.env["res.partner"].create({"name": "Somebody Else"})
        theirs = self._repair(partner_id=stranger.id, product_id=self.serial_product.id,
                              lot_id=lot.id)
        self.assertFalse(self._record_of(theirs).owned_product_id,
                         "another customer's unit is not linked to this repair")

    def test_a_repair_links_the_customers_only_unit_of_the_product(self):
        unit = self.env["customer.owned.product"].sudo().create(
            {"partner_id": self.customer.id, "product_id": self.product.id}
        )
        record = self._record_of(self._repair(partner_id=self.customer.id))
        self.assertEqual(record.owned_product_id, unit)

    def test_backfill_registers_past_repairs_once(self):
        repairs = self._repair(partner_id=self.customer.id) | self._repair()
        self._record_of(repairs).unlink()  # as before the bridge was installed
        post_init_hook(self.env)
        self.assertEqual(len(self._record_of(repairs)), 1, "the repair without customer has none")
        self.assertEqual(self._record_of(repairs).repair_id, repairs[0])
        self.assertEqual(self.Record._backfill_repairs(), 0)
        post_init_hook(self.env)
        self.assertEqual(len(self._record_of(repairs)), 1, "a second run changes nothing")

    def test_repair_users_outside_the_customer_file_read_no_service_record(self):
        clerk = new_test_user(self.env, login="rep_clerk", groups="stock.group_stock_user")
        repair = self.env["repair.order"].with_user(clerk).create(
            {"partner_id": self.customer.id, "product_id": self.product.id}
        )
        repair.with_user(clerk).action_repair_start()
        self.assertEqual(self._record_of(repair).state, "in_progress",
                         "their repairs reach the customer file all the same")
        Records = self.env["customer.service.record"].with_user(clerk)
        with self.assertRaises(AccessError):
            Records.search_read([], ["name"])
        with self.assertRaises(AccessError):
            repair.with_user(clerk).read(["customer_service_record_id"])
        self.assertEqual(repair.with_user(clerk).read(["state"])[0]["state"], "under_repair")
        form = repair.with_user(clerk).get_views([(False, "form")])
        self.assertNotIn("customer_service_record_id",
                         form["views"]["form"]["arch"])

    def test_users_of_another_team_do_not_see_the_record_from_the_repair(self):
        other = new_test_user(
            self.env, login="rep_other",
            groups="stock.group_stock_user,customer_file.group_customer_file_user",
        )
        repair = self._repair(partner_id=self.customer.id)
        self.assertFalse(repair.with_user(other).customer_service_record_id)
        self.assertTrue(repair.with_user(self.technician).customer_service_record_id)
