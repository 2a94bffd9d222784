from datetime import date

import psycopg2
from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestProfile(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(
            cls.env, login="cf_profile_officer", groups="customer_file.group_customer_file_officer"
        )
        cls.sensitive = new_test_user(
            cls.env,
            login="cf_profile_sensitive",
            groups="customer_file.group_customer_file_officer,"
            "customer_file.group_customer_file_sensitive",
        )
        cls.customer = cls.env["res.partner"].create({"name": "陈静", "gender": "female"})

    def test_age_follows_the_birthdate_and_the_daily_refresh(self):
        with freeze_time("2026-06-01"):
            self.customer.birthdate = date(1990, 6, 2)
            self.assertEqual(self.customer.age, 35)
        with freeze_time("2026-06-02"):
            self.env["res.partner"]._cron_refresh_ages_and_recent_spend()
            self.assertEqual(self.customer.age, 36)
        self.assertIn(
            self.customer,
            self.env["res.partner"].search([("age", ">=", 36), ("id", "=", self.customer.id)]),
        )

    def test_birthdate_in_the_future_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "future"):
            self.customer.birthdate = date.today() + relativedelta(days=1)

    def test_sensitive_fields_need_the_sensitive_group(self):
        self.customer.write({"birthdate": date(1985, 3, 4), "income_band": "high",
                             "identity_document_number": "110101198503041234"})
        as_officer = self.customer.with_user(self.officer)
        self.assertEqual(as_officer.gender, "female")
        self.assertEqual(as_officer.age_band, "35_44" if as_officer.sudo().age < 45 else "45_54")
        for field in ("birthdate", "income_band", "identity_document_number", "age"):
            with self.assertRaises(AccessError):
                as_officer.read([field])
        as_sensitive = self.customer.with_user(self.sensitive)
        self.assertEqual(as_sensitive.income_band, "high")
        self.assertEqual(as_sensitive.identity_document_number, "110101198503041234")
        self.assertTrue(as_sensitive.age)

    def test_customers_created_from_the_app_get_a_unique_code(self):
        Partner = self.env["res.partner"].with_context(customer_file_customer=True)
        first, second = Partner.create([{"name": "A"}, {"name": "B"}])
        self.assertTrue(first.customer_code.startswith("C"))
        self.assertNotEqual(first.customer_code, second.customer_code)
        contact = Partner.create({"name": "Contact", "parent_id": first.id})
        self.assertFalse(contact.customer_code, "only the commercial entity gets a code")
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.UniqueViolation), \
                self.cr.savepoint():
            second.customer_code = first.customer_code
            second.flush_recordset()

    def test_profile_fields_can_be_grouped_for_classification(self):
        region = self.env["customer.tag"].create({"name": "华东", "kind": "region"})
        self.customer.write({"acquisition_channel": "dealer", "region_tag_ids": [region.id]})
        groups = self.env["res.partner"]._read_group(
            [("region_tag_ids", "in", region.ids)], ["acquisition_channel"], ["__count"]
        )
        self.assertEqual(groups, [("dealer", 1)])
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.UniqueViolation), \
                self.cr.savepoint():
            self.env["customer.tag"].create({"name": "华东", "kind": "region"})
