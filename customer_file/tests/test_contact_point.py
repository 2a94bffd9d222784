from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestContactPoint(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        china = cls.env.ref("base.cn")
        cls.alice = new_test_user(
            cls.env, login="cp_alice", groups="customer_file.group_customer_file_user"
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "刘洋", "country_id": china.id, "user_id": cls.alice.id}
        )
        bob = new_test_user(cls.env, login="cp_bob",
                            groups="customer_file.group_customer_file_user")
        cls.other = cls.env["res.partner"].create(
            {"name": "周杰", "country_id": china.id, "user_id": bob.id}
        )
        cls.Point = cls.env["customer.contact.point"]

    def _point(self, partner, kind, value, **extra):
        return self.Point.create({"partner_id": partner.id, "kind": kind, "value": value, **extra})

    def test_phone_is_normalized_to_e164(self):
        point = self._point(self.customer, "phone", "138 0013 8000")
        self.assertEqual(point.value_normalized, "+8613800138000")
        self.assertEqual(self._point(self.customer, "phone", "+44 20 7946 0958").value_normalized,
                         "+442079460958")

    def test_email_and_social_handles_are_normalized(self):
        self.assertEqual(
            self._point(self.customer, "email", " Liu.Yang@Example.COM ").value_normalized,
            "liu.yang@example.com",
        )
        weibo = self._point(self.customer, "social", "@LiuYang88", social_network="weibo")
        self.assertEqual(weibo.value_normalized, "liuyang88")
        wechat = self._point(self.customer, "social", "LiuYang_88", social_network="wechat")
        self.assertEqual(wechat.value_normalized, "LiuYang_88")

    def test_invalid_values_are_refused_with_a_clear_message(self):
        with self.assertRaisesRegex(ValidationError, "not a valid phone number"):
            self._point(self.customer, "phone", "12")
        with self.assertRaisesRegex(ValidationError, "not a valid email address"):
            self._point(self.customer, "email", "liu.yang@")
        with self.assertRaisesRegex(ValidationError, "social network"):
            self._point(self.customer, "social", "liuyang")
        with self.assertRaisesRegex(ValidationError, "without spaces"):
            self._point(self.customer, "social", "liu yang", social_network="douyin")

    def test_one_primary_per_kind(self):
        first = self._point(self.customer, "phone", "13800138000", is_primary=True)
        second = self._point(self.customer, "phone", "13900139000", is_primary=True)
        email = self._point(self.customer, "email", "a@example.com", is_primary=True)
        self.assertFalse(first.is_primary)
        self.assertTrue(second.is_primary)
        self.assertTrue(email.is_primary)
        first.is_primary = True
        self.assertFalse(second.is_primary)

    def test_merged_duplicates_keep_one_primary_point_per_kind(self):
        kept_phone = self._point(self.customer, "phone", "13800138000", is_primary=True)
        their_phone = self._point(self.other, "phone", "13900139000", is_primary=True)
        their_email = self._point(self.other, "email", "zhou@example.com", is_primary=True)
        self.env["base.partner.merge.automatic.wizard"]._merge(
            (self.customer | self.other).ids, self.customer
        )
        self.assertEqual((kept_phone | their_phone | their_email).partner_id, self.customer)
        self.assertEqual(
            [(point.kind, point.is_primary) for point in (kept_phone, their_phone, their_email)],
            [("phone", True), ("phone", False), ("email", True)],
        )

    def test_same_value_on_two_customers_is_flagged(self):
        mine = self._point(self.customer, "phone", "138-0013-8000")
        again_mine = self._point(self.customer, "phone", "+86 13800138000")
        self.assertEqual(mine.duplicate_count, 0, "twice for one customer is not a duplicate")
        theirs = self._point(self.other, "phone", "13800138000")
        (mine | again_mine | theirs).invalidate_recordset(["duplicate_count"])
        self.assertEqual(mine.duplicate_count, 1)
        self.assertEqual(theirs.duplicate_count, 1)
        found = self.Point.search([("duplicate_count", ">", 0)])
        self.assertEqual(found & (mine | again_mine | theirs), mine | again_mine | theirs)
        lonely = self._point(self.other, "email", "zhou@example.com")
        self.assertNotIn(lonely, self.Point.search([("duplicate_count", ">", 0)]))
        self.assertEqual(len(self.Point.search(mine.action_open_duplicates()["domain"])), 3)

    def test_verification_and_opt_in_are_dated(self):
        point = self._point(self.customer, "email", "liu@example.com")
        self.assertFalse(point.verified_date)
        point.write({"verified": True, "opt_in": True})
        self.assertTrue(point.verified_date)
        self.assertTrue(point.opt_in_date)
        point.opt_in = False
        self.assertFalse(point.opt_in_date)

    def test_access_follows_the_customer(self):
        mine = self._point(self.customer, "email", "liu@example.com")
        theirs = self._point(self.other, "email", "zhou@example.com")
        visible = self.Point.with_user(self.alice).search([("id", "in", (mine | theirs).ids)])
        self.assertEqual(visible, mine)
        with self.assertRaises(AccessError):
            theirs.with_user(self.alice).read(["value"])
        self.assertEqual(self.customer.with_user(self.alice).contact_point_count, 1)
