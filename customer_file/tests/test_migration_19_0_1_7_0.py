import importlib.util

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, file_path
from odoo.tools.sql import column_exists


@tagged("post_install", "-at_install")
class TestMigration19_0_1_7_0(TransactionCase):
    """The pre-migration of 19.0.1.7.0 adds the address key and fills it in SQL, as the
    ORM would compute it."""

    def _migrate(self):
        # As Odoo runs it: the script loaded from the migrations folder, then
        # migrate(cr, version installed before the upgrade).
        path = file_path("customer_file/migrations/19.0.1.7.0/pre-migrate.py")
        spec = importlib.util.spec_from_file_location(
            "customer_file.migrations.19.0.1.7.0.pre-migrate", path
        )
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        self.env.flush_all()
        script.migrate(self.env.cr, "19.0.1.6.0")
        self.env.invalidate_all()

    def _keys(self, partners):
        return dict(self.env.execute_query(SQL(
            "SELECT id, customer_file_address_key FROM res_partner WHERE id IN %s",
            tuple(partners.ids),
        )))

    def test_fills_the_address_key_of_existing_partners_once(self):
        partners = self.env["res.partner"].create([
            {"name": "蒋琳", "street": "  88  Nanjing\tRoad ", "street2": "", "zip": "200001",
             "city": "SHANGHAI"},
            {"name": "韩梅", "street": "黄浦区\u3000中山东一路 18 号", "street2": "3 楼",
             "city": "上海"},
            {"name": "Only a city", "city": "Suzhou"},
            {"name": "No address", "street": "   "},
        ])
        computed = {partner.id: partner.customer_file_address_key or None
                    for partner in partners}
        self.assertEqual(computed[partners[0].id], "88 nanjing road 200001 shanghai")
        self.assertIsNone(computed[partners[3].id])
        self.env.flush_all()
        # The database before 19.0.1.7.0: no address key.
        self.env.cr.execute(SQL("ALTER TABLE res_partner DROP COLUMN customer_file_address_key"))

        self._migrate()
        self.assertTrue(column_exists(self.env.cr, "res_partner", "customer_file_address_key"))
        self.assertEqual(self._keys(partners), computed, "the key the ORM computes")
        self.assertEqual(partners[1].customer_file_address_key, "黄浦区 中山东一路 18 号 3 楼 上海")

        # A second run (an upgrade started again) changes nothing.
        self.env.cr.execute(SQL(
            "UPDATE res_partner SET customer_file_address_key = 'kept' WHERE id = %s",
            partners[2].id,
        ))
        self._migrate()
        self.assertEqual(self._keys(partners), {**computed, partners[2].id: "kept"})
