from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestCustomerFileApp(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root_menu = cls.env.ref("customer_file.menu_customer_file_root")
        cls.customers_menu = cls.env.ref("customer_file.menu_customer_file_customers")
        cls.configuration_menu = cls.env.ref("customer_file.menu_customer_file_configuration")
        cls.cf_user = new_test_user(
            cls.env, login="cf_app_user", groups="customer_file.group_customer_file_user"
        )
        cls.cf_manager = new_test_user(
            cls.env, login="cf_app_manager", groups="customer_file.group_customer_file_manager"
        )
        cls.employee = new_test_user(cls.env, login="cf_app_employee", groups="base.group_user")

    def _visible_menu_ids(self, user):
        return self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()

    def test_app_menu_follows_groups(self):
        user_menus = self._visible_menu_ids(self.cf_user)
        self.assertIn(self.root_menu.id, user_menus)
        self.assertIn(self.customers_menu.id, user_menus)
        self.assertNotIn(self.root_menu.id, self._visible_menu_ids(self.employee))

    def test_manager_implies_user_and_officer(self):
        self.assertTrue(self.cf_manager.has_group("customer_file.group_customer_file_officer"))
        self.assertTrue(self.cf_manager.has_group("customer_file.group_customer_file_user"))
        self.assertFalse(self.cf_user.has_group("customer_file.group_customer_file_officer"))

    def test_customers_action_lists_partners_for_a_user(self):
        action = self.env["ir.actions.act_window"].with_user(self.cf_user)._for_xml_id(
            "customer_file.action_customer_file_customers"
        )
        self.assertEqual(action["res_model"], "res.partner")
        partner = self.env["res.partner"].create({"name": "张伟"})
        found = self.env["res.partner"].with_user(self.cf_user).search([("id", "=", partner.id)])
        self.assertEqual(found, partner)

    def test_menu_names_in_simplified_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["customer_file"], ["zh_CN"], overwrite=True
        )
        self.assertEqual(self.root_menu.with_context(lang="zh_CN").name, "客户档案")
        self.assertEqual(self.customers_menu.with_context(lang="zh_CN").name, "客户")
