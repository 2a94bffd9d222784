from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestSegmentationInstall(TransactionCase):
    def test_installed_on_top_of_customer_file(self):
        modules = self.env["ir.module.module"].search(
            [("name", "in", ["customer_file", "customer_file_segmentation"])]
        )
        self.assertEqual(set(modules.mapped("state")), {"installed"})
        menu = self.env.ref("customer_file_segmentation.menu_customer_file_segmentation")
        self.assertEqual(menu.parent_id, self.env.ref("customer_file.menu_customer_file_root"))

    def test_menu_name_in_simplified_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["customer_file_segmentation"], ["zh_CN"], overwrite=True
        )
        menu = self.env.ref("customer_file_segmentation.menu_customer_file_segmentation")
        self.assertEqual(menu.with_context(lang="zh_CN").name, "客户分群")
