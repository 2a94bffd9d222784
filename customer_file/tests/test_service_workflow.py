from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestServiceWorkflow(TransactionCase):
    """A service record moves through its states by its buttons only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.technician = new_test_user(cls.env, login="svc_tech",
                                       groups="customer_file.group_customer_file_user")
        customer = cls.env["res.partner"].create(
            {"name": "黄磊", "user_id": cls.technician.id}
        )
        cls.record = cls.env["customer.service.record"].with_user(cls.technician).create(
            {"partner_id": customer.id, "method": "repair"}
        )

    def test_state_moves_through_the_actions_only(self):
        with self.assertRaises(AccessError):
            self.record.write({"state": "done"})
        with self.assertRaises(AccessError):
            self.record.create({"partner_id": self.record.partner_id.id, "state": "done"})
        self.record.action_start()
        self.assertEqual(self.record.state, "in_progress")
        self.record.action_done()
        self.assertEqual(self.record.state, "done")
        self.assertTrue(self.record.returned_date)
        with self.assertRaises(UserError):
            self.record.action_start()
        self.record.action_reset()
        self.assertEqual(self.record.state, "received")
        self.assertEqual(self.record.message_ids[:1].author_id, self.technician.partner_id)

    def test_actions_need_write_access(self):
        other = new_test_user(self.env, login="svc_other",
                              groups="customer_file.group_customer_file_user")
        with self.assertRaises(AccessError):
            self.record.with_user(other).action_cancel()
        self.assertEqual(self.record.state, "received")
