import importlib.util

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import SQL, file_path

USER = "customer_file.group_customer_file_user"
OFFICER = "customer_file.group_customer_file_officer"


@tagged("post_install", "-at_install")
class TestDuplicateSuspects(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(cls.env, login="dup_officer",
                                    groups=f"base.group_user,{OFFICER}")
        cls.user = new_test_user(cls.env, login="dup_user", groups=f"base.group_user,{USER}")
        cls.env["customer.data.quality.config"]._for_company(cls.env.company).write(
            {"duplicate_name_similarity": 0.5, "duplicate_address_similarity": 0.6})
        # Earlier customers (demo data) stay out of the way: only ours are customers.
        cls.env.flush_all()
        cls.env.cr.execute("UPDATE res_partner SET customer_rank = 0, customer_code = NULL")
        cls.env["res.partner"].invalidate_model(["customer_rank", "customer_code"])
        cn = cls.env.ref("base.cn")
        Partner = cls.env["res.partner"].with_context(customer_file_customer=True)

        def customer(name, **values):
            return Partner.create({"name": name, "customer_rank": 1, "country_id": cn.id,
                                   **values})

        cls.wang = customer("王芳", phone="138 0013 8000")
        cls.wang_wechat = customer("Fang Wang (WeChat)", phone="+86 13800138000")
        cls.li = customer("李雷", email="lilei@example.com")
        cls.li_again = customer("Lei Li")
        cls.env["customer.contact.point"].create({
            "partner_id": cls.li_again.id, "kind": "email", "value": "LiLei@Example.com",
        })
        cls.zhang = customer("Zhang Wei Trading", street="88 Nanjing Road", city="Shanghai")
        cls.zhang_typo = customer("Zhang Wei Tradng", street="88 Nanjing Rd", city="Shanghai")
        cls.zhang_vat = customer("ZW Trading Ltd", vat="91310000-MA1FL", is_company=True)
        cls.zhang.vat = "91310000MA1FL"
        cls.stranger = customer("Chen Jie", street="1 Other Street", city="Chengdu")
        cls.namesake = customer("Zhang Wei Trading", street="5 Far Avenue", city="Harbin")
        # Chengdu: a house-number typo, a homophone, and people who only share a surname.
        cls.liu = customer("刘洋", street="12 Renmin Road", city="Chengdu")
        cls.liu_typo = customer("刘洋", street="112 Renmin Road", city="Chengdu")
        cls.zhang_wei = customer("张伟", street="8 Jiefang Road", city="Chengdu")
        cls.zhang_wei_homophone = customer("张玮", street="18 Jiefang Road", city="Chengdu")
        cls.zhang_min = customer("张敏", street="8 Jiefang Road", city="Chengdu")
        cls.zhang_jie = customer("张杰", street="28 Jiefang Road", city="Chengdu")

    def _pair(self, a, b):
        low, high = sorted((a, b), key=lambda partner: partner.id)
        return self.env["customer.duplicate.suspect"].search(
            [("partner_a_id", "=", low.id), ("partner_b_id", "=", high.id)])

    def _detect(self):
        return self.env["customer.duplicate.suspect"]._detect()

    def test_detection_finds_each_kind_of_suspect(self):
        self._detect()
        phone = self._pair(self.wang, self.wang_wechat)
        self.assertTrue(phone.same_phone)
        self.assertIn("same phone", phone.reasons)
        email = self._pair(self.li, self.li_again)
        self.assertTrue(email.same_email, "an email in a contact point counts")
        similar = self._pair(self.zhang, self.zhang_typo)
        self.assertGreater(similar.name_similarity, 0.5)
        self.assertGreater(similar.address_similarity, 0.6)
        self.assertIn("similar address", similar.reasons)
        self.assertTrue(self._pair(self.zhang, self.zhang_vat).same_vat)
        self.assertFalse(self._pair(self.zhang, self.namesake),
                         "the same name at another address is not enough")
        self.assertFalse(self._pair(self.zhang, self.stranger))
        self.assertGreater(phone.score, 0)
        self.assertLessEqual(max(self.env["customer.duplicate.suspect"].search([]).mapped(
            "score")), 100)

    def test_a_house_number_typo_with_the_same_name_is_found(self):
        self._detect()
        pair = self._pair(self.liu, self.liu_typo)
        self.assertTrue(pair, "12 and 112 Renmin Road put them in different address blocks, "
                        "the name pass pairs them")
        self.assertIn("same name", pair.reasons)
        self.assertIn("similar address", pair.reasons)

    def test_a_chinese_homophone_in_the_same_city_is_found(self):
        self.assertEqual(self.zhang_wei.customer_file_name_pinyin, "zhang wei")
        self.assertEqual(self.zhang_wei_homophone.customer_file_name_pinyin, "zhang wei")
        self._detect()
        pair = self._pair(self.zhang_wei, self.zhang_wei_homophone)
        self.assertTrue(pair.same_name_pinyin)
        self.assertIn("same name in pinyin", pair.reasons)
        self.assertEqual(pair.name_similarity, 0, "张伟 and 张玮 are not similar as written")
        self.assertGreater(pair.score, 30)
        # Moved to another city, the homophone is somebody else.
        self.zhang_wei_homophone.city = "Chongqing"
        self._detect()
        self.assertFalse(self._pair(self.zhang_wei, self.zhang_wei_homophone))

    def test_a_common_surname_in_the_same_city_is_no_suspect(self):
        self._detect()
        for other in (self.zhang_min, self.zhang_jie):
            self.assertFalse(self._pair(self.zhang_wei, other),
                             f"张伟 and {other.name}: same surname, same street")
            self.assertFalse(self._pair(self.zhang_wei_homophone, other))
        self.assertFalse(self._pair(self.zhang_min, self.zhang_jie))

    def test_the_name_in_pinyin_follows_the_name(self):
        self.zhang_min.name = "欧阳 Na-na"
        self.assertEqual(self.zhang_min.customer_file_name_pinyin, "ou yang na na")
        self.zhang_min.name = "Zhang Wei Trading"
        self.assertEqual(self.zhang_min.customer_file_name_pinyin, "zhang wei trading")

    def test_the_upgrade_fills_the_name_in_pinyin_of_existing_partners(self):
        path = file_path("customer_file/migrations/19.0.1.8.0/pre-migrate.py")
        spec = importlib.util.spec_from_file_location("customer_file_1_8_0", path)
        script = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(script)
        partners = self.zhang_wei | self.zhang_wei_homophone | self.liu | self.zhang
        self.env.flush_all()
        self.env.cr.execute(SQL(
            "UPDATE res_partner SET customer_file_name_pinyin = NULL WHERE id = ANY(%s)",
            partners.ids))
        self.assertEqual(script.fill_name_pinyin(self.env.cr, chunk=3), 4,
                         "chunks of 3 go on to the fourth partner")
        self.assertEqual(script.fill_name_pinyin(self.env.cr), 0, "nothing left to fill")
        partners.invalidate_recordset(["customer_file_name_pinyin"])
        self.assertEqual(partners.mapped("customer_file_name_pinyin"),
                         ["zhang wei", "zhang wei", "liu yang", "zhang wei trading"])

    def test_groups_link_customers_through_one_another(self):
        self._detect()
        group = self._pair(self.zhang, self.zhang_typo).group_id
        self.assertEqual(group.partner_ids, self.zhang | self.zhang_typo | self.zhang_vat)
        self.assertEqual(group.partner_count, 3)
        self.assertEqual(self._pair(self.zhang, self.zhang_vat).group_id, group)
        self.assertEqual(group.score, max(group.suspect_ids.mapped("score")))
        self.assertNotEqual(self._pair(self.wang, self.wang_wechat).group_id, group)

    def test_not_a_duplicate_is_for_good(self):
        self._detect()
        pair = self._pair(self.wang, self.wang_wechat)
        pair.with_user(self.officer).action_dismiss()
        self.assertEqual(pair.state, "dismissed")
        self.assertEqual(pair.dismissed_by_id, self.officer)
        self.assertFalse(pair.group_id)
        self._detect()
        self.assertEqual(self._pair(self.wang, self.wang_wechat).state, "dismissed")
        self.assertFalse(self._pair(self.wang, self.wang_wechat).group_id)

    def test_open_suspicions_go_when_the_data_is_fixed(self):
        self._detect()
        self.wang_wechat.phone = "+86 139 0000 0000"
        self._detect()
        self.assertFalse(self._pair(self.wang, self.wang_wechat))

    def test_a_placeholder_value_suspects_nobody(self):
        Partner = self.env["res.partner"]
        shared = Partner.create([{"name": f"Walk-in {i}", "customer_rank": 1,
                                  "email": "none@example.com"} for i in range(21)])
        self._detect()
        self.assertFalse(self.env["customer.duplicate.suspect"].search(
            [("partner_a_id", "in", shared.ids)]))

    def test_only_officers_see_and_act(self):
        self._detect()
        with self.assertRaises(AccessError):
            self.env["customer.duplicate.suspect"].with_user(self.user).search([])
        with self.assertRaises(AccessError):
            self.env["customer.duplicate.group"].with_user(self.user).action_detect_duplicates()
        action = self.env["customer.duplicate.group"].with_user(
            self.officer).action_detect_duplicates()
        self.assertEqual(action["tag"], "display_notification")
        menu = self.env["customer.duplicate.group"].with_user(self.officer)
        groups = menu.search([])
        self.assertIn(f"({len(groups)})", menu._action_open_with_count()["name"])

    def _line(self, partner, ref, amount):
        return {"partner_id": partner.id, "date": "2026-03-01", "source": "import",
                "external_ref": f"dup:{ref}", "document_ref": f"dup:{ref}",
                "document_name": f"D{ref}", "quantity": 1, "amount": amount}

    def test_merging_a_group_of_four_keeps_everything_on_the_survivor(self):
        Partner = self.env["res.partner"].with_context(customer_file_customer=True)
        cn = self.env.ref("base.cn")
        four = Partner.create([
            {"name": f"赵敏 {i}", "customer_rank": 1, "country_id": cn.id,
             "phone": "+86 137 1111 2222", "email": "zhaomin@example.com"}
            for i in range(4)
        ])
        outsider = Partner.create({"name": "Outsider", "customer_rank": 1,
                                   "email": "zhaomin.other@example.com"})
        self.env["customer.purchase.line"].create(
            [self._line(partner, index, 100 * (index + 1)) for index, partner in
             enumerate(four)])
        self.env["customer.contact.point"].create([
            {"partner_id": partner.id, "kind": "email",
             "value": f"zm{index}@example.com", "is_primary": True}
            for index, partner in enumerate(four)
        ] + [{"partner_id": four[3].id, "kind": "email",
              "value": "zhaomin.other@example.com"}])
        self.env["customer.interaction"].create([
            {"partner_id": partner.id, "summary": f"Call {index}"}
            for index, partner in enumerate(four)
        ])
        self._detect()
        dismissed = self._pair(four[3], outsider)
        self.assertTrue(dismissed)
        dismissed.action_dismiss()
        group = self._pair(four[0], four[1]).group_id
        self.assertEqual(group.partner_ids, four)

        # Outside a duplicate group, Odoo's limit of three stands.
        with self.assertRaises(UserError):
            self.env["base.partner.merge.automatic.wizard"]._merge(four.ids, four[0])

        action = group.with_user(self.officer).action_merge()
        wizard = self.env["base.partner.merge.automatic.wizard"].browse(action["res_id"])
        self.assertEqual(wizard.partner_ids, four)
        wizard.dst_partner_id = four[0]
        wizard.action_merge()
        survivor = four[0]
        self.assertEqual(four.exists(), survivor)
        lines = self.env["customer.purchase.line"].search([("partner_id", "=", survivor.id)])
        self.assertEqual(sorted(lines.mapped("amount")), [100, 200, 300, 400])
        self.assertEqual((survivor.purchase_order_count, survivor.lifetime_spend), (4, 1000))
        self.env.flush_all()
        days = self.env.execute_query(SQL(
            "SELECT commercial_partner_id, SUM(amount) FROM customer_purchase_day"
            " WHERE commercial_partner_id = ANY(%s) GROUP BY 1", four.ids))
        self.assertEqual(days, [(survivor.id, 1000)])
        self.assertEqual(len(survivor.contact_point_ids), 5)
        self.assertEqual(len(survivor.contact_point_ids.filtered("is_primary")), 1)
        self.assertEqual(survivor.interaction_count, 4)
        self.assertFalse(group.exists(), "the merged group is gone")
        kept = self._pair(survivor, outsider)
        self.assertEqual(kept.state, "dismissed",
                         "a merged customer's dismissal holds for the survivor")
        self._detect()
        self.assertEqual(self._pair(survivor, outsider).state, "dismissed")

    def test_merge_wizard_refuses_a_group_that_fell_apart(self):
        self._detect()
        group = self._pair(self.li, self.li_again).group_id
        self.li_again.active = False
        self.env.flush_all()
        group.invalidate_recordset()
        group.partner_ids = [Command.unlink(self.li_again.id)]
        with self.assertRaises(UserError):
            group.with_user(self.officer).action_merge()
