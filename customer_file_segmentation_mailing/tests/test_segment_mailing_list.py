from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.customer_file_segmentation.tests.common import SegmentationCase


@tagged("post_install", "-at_install")
class TestSegmentMailingList(SegmentationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.champions = cls.env.ref("customer_file_segmentation.segment_champions")
        cls.customers = cls.env["res.partner"]
        for index, email in enumerate(["li.na@example.cn", "LI.NA@example.cn", False,
                                       "tom@example.com"]):
            partner = cls._customer(f"Champion {index}", email=email)
            cls._buy(partner, 1, 1000)
            cls.customers |= partner
        cls.env["customer.consent.event"]._record(
            cls.customers.filtered("email"), "marketing", "email", "granted", source="import"
        )
        cls.outsider = cls._customer("Elsewhere", email="elsewhere@example.com")
        cls._buy(cls.outsider, 300, 10)
        cls.config.write({"scoring_method": "threshold", "recency_days_5": 5,
                          "frequency_min_5": 1, "frequency_min_4": 1, "frequency_min_3": 1,
                          "frequency_min_2": 1, "monetary_min_5": 1000,
                          "monetary_min_4": 1000, "monetary_min_3": 1000,
                          "monetary_min_2": 1000})
        cls.env["customer.rfm.run"]._run_company(cls.company, "full")

    def _wizard(self, **values):
        return self.env["customer.segment.mailing.list"].with_context(
            active_model="customer.rfm.segment", active_ids=self.champions.ids,
        ).create(values)

    def test_segment_customers_join_a_new_list_once(self):
        wizard = self._wizard()
        self.assertEqual(wizard.new_list_name, self.champions.name)
        self.assertEqual((wizard.customer_count, wizard.email_count, wizard.consenting_count,
                          wizard.left_out_count), (4, 3, 3, 0))
        action = wizard.action_add_to_list()
        mailing_list = self.env["mailing.list"].browse(action["res_id"])
        self.assertEqual(sorted(mailing_list.contact_ids.mapped("email_normalized")),
                         ["li.na@example.cn", "tom@example.com"],
                         "one contact per address; no address, no contact")
        self._wizard(mailing_list_id=mailing_list.id).action_add_to_list()
        self.assertEqual(len(mailing_list.contact_ids), 2, "nobody is added twice")

    def test_existing_contact_is_subscribed_not_duplicated(self):
        contact = self.env["mailing.contact"].create({"name": "Tom", "email": "tom@example.com"})
        mailing_list = self.env["mailing.list"].create({"name": "VIP"})
        self._wizard(mailing_list_id=mailing_list.id).action_add_to_list()
        self.assertIn(contact, mailing_list.contact_ids)
        self.assertEqual(self.env["mailing.contact"].search_count(
            [("email_normalized", "=", "tom@example.com")]), 1)

    def test_chosen_scores_only(self):
        score = self._score(self.customers[3])
        wizard = self.env["customer.segment.mailing.list"].with_context(
            active_model="customer.rfm.score", active_ids=score.ids,
        ).create({"new_list_name": "One"})
        mailing_list = self.env["mailing.list"].browse(wizard.action_add_to_list()["res_id"])
        self.assertEqual(mailing_list.contact_ids.email_normalized, "tom@example.com")

    def test_a_list_is_needed(self):
        with self.assertRaises(UserError):
            self._wizard(new_list_name=False).action_add_to_list()

    def test_only_consenting_and_not_blacklisted_addresses_join(self):
        Event = self.env["customer.consent.event"]
        li_na, _li_na_again, _none, tom = self.customers
        # Li Na withdrew (the address was later taken off the blacklist, the withdrawal
        # stands); Tom's address was blacklisted although he consented; a new champion never
        # consented. The other contact with Li Na's address consented.
        Event._record(li_na, "marketing", "email", "withdrawn", source="phone")
        self.env["mail.blacklist"]._remove("li.na@example.cn")
        self.env["mail.blacklist"]._add("TOM@example.com")
        newcomer = self._customer("Champion 5", email="new@example.com")
        self._buy(newcomer, 1, 1000)
        self.env["customer.rfm.run"]._run_company(self.company, "full")
        wizard = self._wizard()
        self.assertEqual((wizard.customer_count, wizard.email_count, wizard.consenting_count,
                          wizard.left_out_count), (5, 4, 1, 3))
        mailing_list = self.env["mailing.list"].browse(wizard.action_add_to_list()["res_id"])
        self.assertEqual(mailing_list.contact_ids.mapped("email_normalized"),
                         ["li.na@example.cn"])
        self.assertEqual(mailing_list.contact_ids.name, _li_na_again.name)

    def test_nobody_consenting_is_refused(self):
        score = self._score(self.outsider)
        self.assertTrue(score)
        wizard = self.env["customer.segment.mailing.list"].with_context(
            active_model="customer.rfm.score", active_ids=score.ids,
        ).create({"new_list_name": "Nobody"})
        self.assertEqual((wizard.email_count, wizard.left_out_count), (1, 1))
        with self.assertRaisesRegex(UserError, "consent to marketing"):
            wizard.action_add_to_list()

    def test_mass_mailing_blacklist_withdraws_the_marketing_consent(self):
        customer = self._customer("孙丽", email="sun.li@example.com")
        point = self.env["customer.contact.point"].create({
            "partner_id": customer.id, "kind": "email", "value": "sun.li@example.com",
            "opt_in": True,
        })
        Event = self.env["customer.consent.event"]
        self.assertEqual(Event._consenting(customer, "marketing", "email"), customer)
        # What Email Marketing's unsubscribe page does.
        self.env["mail.blacklist"].sudo()._add("Sun.Li@example.com", message="Unsubscribed")
        self.assertFalse(Event._consenting(customer, "marketing", "email"))
        withdrawal = Event.search([("partner_id", "=", customer.id)], limit=1)
        self.assertRecordValues(withdrawal, [{
            "action": "withdrawn", "channel": "email", "contact_value": "sun.li@example.com",
            "source": "system",
        }])
        self.assertFalse(point.opt_in, "the contact point follows the consent log")
        self.env["mail.blacklist"].sudo()._add("sun.li@example.com")
        self.assertEqual(Event.search_count([("partner_id", "=", customer.id)]), 2,
                         "already withdrawn: nothing more is recorded")
