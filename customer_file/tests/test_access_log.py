from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged

OFFICER = "customer_file.group_customer_file_officer"
PRIVACY = "customer_file.group_customer_file_privacy_officer"


@tagged("post_install", "-at_install")
class TestAccessLog(TransactionCase):
    """Exports and bulk reads of customer data are logged, and nobody rewrites the log."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(cls.env, login="log_officer",
                                    groups=f"base.group_user,base.group_allow_export,{OFFICER}")
        cls.privacy = new_test_user(cls.env, login="log_privacy",
                                    groups=f"base.group_user,{PRIVACY}")
        cls.customers = cls.env["res.partner"].with_context(customer_file_customer=True).create(
            [{"name": f"客户 {index}"} for index in range(3)]
        )
        cls.Log = cls.env["customer.access.log"]

    def _entries(self, action):
        return self.Log.search([("action", "=", action), ("user_id", "=", self.officer.id)])

    def test_an_export_of_customers_is_logged(self):
        self.customers.with_user(self.officer).export_data(["name", "customer_code"])
        entry = self._entries("export")
        self.assertEqual(len(entry), 1)
        self.assertEqual(entry.record_count, 3)
        self.assertEqual(entry.field_names, "name, customer_code")
        self.assertEqual(entry.res_model, "res.partner")
        contact = self.env["res.partner"].create(
            {"name": "采购员", "parent_id": self.customers[0].id}
        )
        contact.with_user(self.officer).export_data(["name"])
        self.assertEqual(len(self._entries("export")), 2, "a customer's contact person too")
        supplier = self.env["res.partner"].create({"name": "Supplier"})
        supplier.with_user(self.officer).export_data(["name"])
        self.assertEqual(len(self._entries("export")), 2, "not a customer: not logged")

    def test_a_bulk_read_beyond_the_threshold_is_logged(self):
        config = self.env["customer.privacy.config"]._for_company(self.env.company)
        config.bulk_read_threshold = 2
        Partner = self.env["res.partner"].with_user(self.officer)
        Partner.search_read([("id", "in", self.customers[:2].ids)], ["name"])
        self.assertFalse(self._entries("bulk_read"))
        Partner.web_search_read([("id", "in", self.customers.ids)], {"name": {}})
        entry = self._entries("bulk_read")
        self.assertEqual(entry.record_count, 3)
        config.bulk_read_threshold = 0
        Partner.search_read([("id", "in", self.customers.ids)], ["name"])
        self.assertEqual(len(self._entries("bulk_read")), 1)

    def test_the_log_is_append_only_for_everybody(self):
        entry = self.Log.with_user(self.officer)._log("export", self.customers[:1])
        self.assertEqual(entry.partner_id, self.customers[:1])
        for log in (entry, entry.sudo(), entry.with_user(self.privacy)):
            with self.assertRaises(UserError):
                log.write({"reason": "tidied up"})
            with self.assertRaises(UserError):
                log.unlink()
        with self.assertRaises(AccessError):
            self.Log.with_user(self.officer).create({"user_id": self.officer.id,
                                                     "action": "reveal"})
        with self.assertRaises(AccessError):
            entry.with_user(self.officer).read(["reason"])
        self.assertEqual(entry.with_user(self.privacy).read(["action"])[0]["action"], "export")

    def test_the_privacy_menu_is_for_privacy_officers(self):
        menu = self.env.ref("customer_file.menu_customer_file_access_log")
        visible = self.env["ir.ui.menu"].with_user(self.officer)._visible_menu_ids()
        self.assertNotIn(menu.id, visible)
        visible = self.env["ir.ui.menu"].with_user(self.privacy)._visible_menu_ids()
        self.assertIn(menu.id, visible)
