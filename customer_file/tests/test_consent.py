from datetime import datetime

import psycopg2

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestConsent(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = new_test_user(
            cls.env, login="consent_alice",
            groups="base.group_user,customer_file.group_customer_file_user",
        )
        cls.bob = new_test_user(
            cls.env, login="consent_bob",
            groups="base.group_user,customer_file.group_customer_file_user",
        )
        china = cls.env.ref("base.cn")
        cls.customer = cls.env["res.partner"].create({
            "name": "王芳", "email": "wang.fang@example.com", "country_id": china.id,
            "user_id": cls.alice.id,
        })
        cls.others_customer = cls.env["res.partner"].create({
            "name": "赵磊", "email": "zhao.lei@example.com", "user_id": cls.bob.id,
        })
        cls.Event = cls.env["customer.consent.event"]
        cls.marketing = cls.env.ref("customer_file.consent_purpose_marketing")
        cls.surveys = cls.env.ref("customer_file.consent_purpose_surveys")

    def _event(self, partner, action, purpose=None, channel="email", **vals):
        return self.Event.create({
            "partner_id": partner.id, "purpose_id": (purpose or self.surveys).id,
            "channel": channel, "action": action, **vals,
        })

    def _status(self, partner, purpose, channel):
        self.env.flush_all()
        return self.env["customer.consent.status"].search([
            ("commercial_partner_id", "=", partner.id), ("purpose_id", "=", purpose.id),
            ("channel", "=", channel), ("company_id", "=", self.env.company.id),
        ])

    def test_the_log_is_append_only_for_everybody(self):
        event = self._event(self.customer, "granted")
        for env in (self.env, self.env(su=True)):
            with self.assertRaisesRegex(UserError, "append-only"):
                event.with_env(env).write({"action": "withdrawn"})
            with self.assertRaisesRegex(UserError, "append-only"):
                event.with_env(env).unlink()
        self.assertEqual(event.action, "granted")

    def test_a_partner_with_consent_evidence_is_not_deleted(self):
        partner = self.env["res.partner"].create({"name": "Evidence Holder"})
        event = self._event(partner, "granted")
        with self.assertRaises(psycopg2.errors.ForeignKeyViolation), \
                mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            partner.unlink()
        self.assertTrue(event.exists())

    def test_recording_logs_a_consent_change_with_its_author(self):
        event = self._event(self.customer, "withdrawn", ip_address="203.0.113.7")
        self.assertEqual(event.recorded_by_id, self.env.user)
        log = self.env["customer.access.log"].search(
            [("action", "=", "consent_change"), ("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(len(log), 1)
        self.assertEqual(log.res_ids, str(event.id))
        self.assertIn("Withdrawn", log.reason)

    def test_status_follows_the_latest_event(self):
        self._event(self.customer, "granted", event_date=datetime(2026, 1, 1))
        self._event(self.customer, "withdrawn", event_date=datetime(2026, 2, 1))
        # Recorded later, but happened before: it does not change the current consent.
        self._event(self.customer, "granted", event_date=datetime(2026, 1, 15))
        status = self._status(self.customer, self.surveys, "email")
        self.assertEqual(status.action, "withdrawn")
        self.assertFalse(self.Event._consenting(self.customer, "surveys", "email"))
        self._event(self.customer, "granted", event_date=datetime(2026, 3, 1))
        self.assertEqual(self._status(self.customer, self.surveys, "email").action, "granted")
        self.assertEqual(self.Event._consenting(self.customer, "surveys", "email"),
                         self.customer)
        # Per purpose, channel and company: nothing else is granted.
        self.assertFalse(self.Event._consenting(self.customer, "surveys", "sms"))
        self.assertFalse(self.Event._consenting(self.customer, "marketing", "email"))
        other_company = self.env["res.company"].create({"name": "Other Co"})
        self.assertFalse(
            self.Event._consenting(self.customer, "surveys", "email", company=other_company)
        )

    def test_a_contact_persons_consent_is_the_customers(self):
        company = self.env["res.partner"].create({"name": "Harbour Ltd", "is_company": True})
        person = self.env["res.partner"].create({"name": "陈杰", "parent_id": company.id})
        self._event(person, "granted")
        self.assertEqual(self.Event._consenting(company | person, "surveys", "email"),
                         company | person)

    def test_email_withdrawal_blacklists_and_grant_unblacklists(self):
        Blacklist = self.env["mail.blacklist"].with_context(active_test=False)
        self._event(self.customer, "withdrawn", purpose=self.marketing)
        entry = Blacklist.search([("email", "=", "wang.fang@example.com")])
        self.assertTrue(entry.active)
        self._event(self.customer, "granted", purpose=self.marketing,
                    contact_value="Wang.Fang@Example.com")
        self.assertFalse(entry.active)
        # Other purposes leave the blacklist alone.
        self._event(self.customer, "withdrawn")
        self.assertFalse(entry.active)

    def test_phone_withdrawal_blacklists_and_grant_unblacklists(self):
        point = self.env["customer.contact.point"].create({
            "partner_id": self.customer.id, "kind": "phone", "value": "138 0013 8000",
            "opt_in": True,
        })
        Blacklist = self.env["phone.blacklist"].with_context(active_test=False)
        self.assertFalse(Blacklist.search([("number", "=", "+8613800138000")]).active)
        point.opt_in = False
        entry = Blacklist.search([("number", "=", "+8613800138000")])
        self.assertTrue(entry.active)
        self._event(self.customer, "granted", purpose=self.marketing, channel="sms")
        self.assertFalse(entry.active)

    def test_contact_point_opt_in_follows_the_log(self):
        point = self.env["customer.contact.point"].create({
            "partner_id": self.customer.id, "kind": "email", "value": "wang.fang@example.com",
            "opt_in": True,
        })
        events = self.Event.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(
            [(e.purpose_id, e.channel, e.action, e.source, e.contact_value) for e in events],
            [(self.marketing, "email", "granted", "form", "wang.fang@example.com")],
        )
        self.assertEqual(self._status(self.customer, self.marketing, "email").action, "granted")
        point.opt_in = False
        self.assertEqual(self._status(self.customer, self.marketing, "email").action,
                         "withdrawn")
        self.assertTrue(self.customer.is_blacklisted)
        # The other way: a grant in the log ticks the point again, without a second event.
        self._event(self.customer, "granted", purpose=self.marketing)
        self.assertTrue(point.opt_in)
        self.assertEqual(self.Event.search_count([("partner_id", "=", self.customer.id)]), 3)

    def test_user_records_for_own_customers_only_and_changes_nothing(self):
        Event = self.Event.with_user(self.alice)
        event = Event.create({
            "partner_id": self.customer.id, "purpose_id": self.surveys.id, "channel": "email",
            "action": "granted",
        })
        self.assertEqual(event.recorded_by_id, self.alice)
        with self.assertRaises(UserError):  # an AccessError or the append-only refusal
            event.write({"action": "withdrawn"})
        with self.assertRaises(UserError):  # an AccessError or the append-only refusal
            event.unlink()
        theirs = self._event(self.others_customer, "granted")
        self.assertFalse(Event.search([("id", "=", theirs.id)]))
        with self.assertRaises(AccessError):
            theirs.with_user(self.alice).read(["action"])
        with self.assertRaises(AccessError):
            Event.create({
                "partner_id": self.others_customer.id, "purpose_id": self.surveys.id,
                "channel": "email", "action": "withdrawn",
            })
        self.env.flush_all()
        statuses = self.env["customer.consent.status"].with_user(self.alice).search([])
        self.assertIn(self.customer, statuses.commercial_partner_id)
        self.assertNotIn(self.others_customer, statuses.commercial_partner_id)
        # Recording from the partner form (the Consent page) goes through the same rules.
        self.customer.with_user(self.alice).write({"consent_event_ids": [(0, 0, {
            "purpose_id": self.marketing.id, "channel": "post", "action": "granted",
        })]})
        self.assertEqual(len(self.customer.consent_event_ids), 2)

    def test_privacy_officer_reads_all_events(self):
        officer = new_test_user(
            self.env, login="consent_privacy",
            groups="base.group_user,customer_file.group_customer_file_privacy_officer",
        )
        theirs = self._event(self.others_customer, "granted")
        self.assertEqual(
            self.Event.with_user(officer).search([("id", "=", theirs.id)]), theirs
        )
        with self.assertRaisesRegex(UserError, "append-only"):
            theirs.with_user(officer).write({"action": "withdrawn"})
