from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common import FeedbackCase

NOW = datetime(2026, 3, 2, 9, 0)


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestSurveyRequest(FeedbackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Request = cls.env["customer.feedback.request"]
        cls.config.write({
            "survey_after_sale": True, "survey_after_service": True,
            "survey_periodic_nps": False, "survey_throttle_days": 30, "survey_expiry_days": 14,
            "survey_lookback_days": 30,
        })
        cls.installation = cls.env["product.product"].create({
            "name": "Installation", "type": "service", "invoice_policy": "order",
            "list_price": 100, "taxes_id": [Command.clear()],
        })
        cls.email = cls._opt_in(cls.customer, "li.wei@example.com")

    @classmethod
    def _opt_in(cls, partner, address, opt_in=True, **vals):
        """An email contact point of ``partner``; with ``opt_in``, the customer's consent
        to surveys by email in the consent log."""
        point = cls.env["customer.contact.point"].create({
            "partner_id": partner.id, "kind": "email", "value": address, **vals,
        })
        if opt_in:
            cls.env["customer.consent.event"]._record(
                partner, "surveys", "email", "granted", contact_value=address
            )
        return point

    def _order(self, partner=None, quantity=2):
        order = self.env["sale.order"].create({
            "partner_id": (partner or self.customer).id,
            "order_line": [Command.create({
                "product_id": self.installation.id, "product_uom_qty": quantity,
            })],
        })
        order.action_confirm()
        return order

    def _service(self, partner=None):
        service = self.env["customer.service.record"].create({
            "partner_id": (partner or self.customer).id, "received_date": NOW.date(),
        })
        service.action_done()
        return service

    def _requests(self, partner=None):
        return self.Request.search(
            [("commercial_partner_id", "=", (partner or self.customer).id)]
        )

    def _mails(self, address):
        return self.env["mail.mail"].search([("email_to", "ilike", address)])

    # ------------------------------------------------------------------ triggers

    def test_delivered_order_gets_one_csat_request_and_mail(self):
        order = self._order()
        self.Request._cron_send_surveys()
        self.assertFalse(self._requests(), "an order not yet delivered is no candidate")

        order.order_line.qty_delivered = 2
        self.Request._cron_send_surveys()
        survey = self._requests()
        self.assertEqual(len(survey), 1)
        self.assertRecordValues(survey, [{
            "survey_type": "csat", "trigger": "sale_order", "sale_order_id": order.id,
            "partner_id": self.customer.id, "email": "li.wei@example.com", "state": "sent",
            "sent_date": NOW, "expiry_date": NOW + timedelta(days=14),
        }])
        self.assertGreaterEqual(len(survey.access_token), 32)

        mail = self._mails("li.wei@example.com")
        self.assertEqual(len(mail), 1, "one mail per request")
        body = str(mail.body_html)
        self.assertIn(f"/customer-feedback/survey/{survey.access_token}?score=1", body)
        self.assertIn(f"/customer-feedback/survey/{survey.access_token}?score=5", body)
        self.assertNotIn("?score=6", body, "CSAT scores go from 1 to 5")
        self.assertIn(order.name, body)

        self.Request._cron_send_surveys()
        self.assertEqual(len(self._requests()), 1, "an order is asked about once")
        self.assertEqual(len(self._mails("li.wei@example.com")), 1)

    def test_invoiced_order_gets_csat_request(self):
        order = self._order()
        order._create_invoices()
        self.assertEqual(order.invoice_status, "invoiced")
        self.Request._cron_send_surveys()
        self.assertEqual(self._requests().sale_order_id, order)

    def test_old_order_and_sale_trigger_disabled_get_nothing(self):
        with freeze_time(NOW - timedelta(days=31)):
            old_order = self._order()
        old_order.order_line.qty_delivered = 2
        self.Request._cron_send_surveys()
        self.assertFalse(self._requests(), "orders older than the look-back are left alone")

        self.config.survey_after_sale = False
        self._order().order_line.qty_delivered = 2
        self.Request._cron_send_surveys()
        self.assertFalse(self._requests())

    def test_done_service_record_gets_csat_request(self):
        service = self.env["customer.service.record"].create({
            "partner_id": self.customer.id, "received_date": NOW.date(),
        })
        self.Request._cron_send_surveys()
        self.assertFalse(self._requests(), "a service in progress is no candidate")
        service.action_done()
        self.Request._cron_send_surveys()
        self.assertRecordValues(self._requests(), [{
            "survey_type": "csat", "trigger": "service_record",
            "service_record_id": service.id, "sale_order_id": False,
        }])

    def test_periodic_nps_asks_active_customers(self):
        self.config.write({"survey_periodic_nps": True, "nps_active_days": 365,
                           "nps_interval_days": 180})
        company = self._customer("Harbour Trading Ltd", is_company=True)
        buyer = self._customer("Zhang Min", parent_id=company.id)
        self._opt_in(company, "office@harbour.example.com")
        sleeper = self._customer("Old Customer")
        self._opt_in(sleeper, "old@example.com")
        Purchase = self.env["customer.purchase.line"]
        for partner, date, ref in ((buyer, NOW.date() - timedelta(days=40), "a"),
                                   (sleeper, NOW.date() - timedelta(days=400), "b")):
            Purchase.create({
                "partner_id": partner.id, "date": date, "external_ref": f"nps-{ref}",
                "document_ref": f"nps-{ref}", "document_name": f"Import {ref}",
                "quantity": 1, "amount": 50,
            })

        self.Request._cron_send_surveys()
        survey = self._requests(company)
        self.assertRecordValues(survey, [{
            "survey_type": "nps", "trigger": "periodic", "partner_id": company.id,
            "email": "office@harbour.example.com",
        }])
        self.assertFalse(self._requests(sleeper), "no purchase within the active period")
        body = str(self._mails("office@harbour.example.com").body_html)
        self.assertIn(f"{survey.access_token}?score=0", body)
        self.assertIn(f"{survey.access_token}?score=10", body)

        with freeze_time(NOW + timedelta(days=100)):
            self.Request._cron_send_surveys()
        self.assertEqual(len(self._requests(company)), 1, "NPS at most every 180 days")
        with freeze_time(NOW + timedelta(days=181)):
            self.Request._cron_send_surveys()
        self.assertEqual(len(self._requests(company)), 2)

    def test_periodic_nps_is_spread_over_the_interval(self):
        self.config.write({"survey_periodic_nps": True, "nps_active_days": 365,
                           "nps_interval_days": 2, "survey_throttle_days": 1})
        customers = self.env["res.partner"]
        for index in range(3):
            customer = self._customer(f"Spread Customer {index}")
            self._opt_in(customer, f"spread{index}@example.com")
            self.env["customer.purchase.line"].create({
                "partner_id": customer.id, "date": NOW.date() - timedelta(days=10),
                "external_ref": f"spread-{index}", "document_ref": f"spread-{index}",
                "document_name": f"Import {index}", "quantity": 1, "amount": 50,
            })
            customers |= customer
        self.Request._cron_send_surveys()
        first_day = customers.filtered(self._requests)
        self.assertEqual(len(first_day), 2, "3 customers over 2 days: 2 on the first")
        with freeze_time(NOW + timedelta(days=1)):
            self.Request._cron_send_surveys()
        self.assertEqual(customers.filtered(self._requests), customers)
        self.assertTrue(all(len(self._requests(customer)) == 1 for customer in customers))

    def test_periodic_nps_quota_goes_to_customers_who_consented(self):
        self.config.write({"survey_periodic_nps": True, "nps_active_days": 365,
                           "nps_interval_days": 2, "survey_throttle_days": 1})
        customers = self.env["res.partner"]
        for index in range(4):
            customer = self._customer(f"Quota Customer {index}")
            self.env["customer.purchase.line"].create({
                "partner_id": customer.id, "date": NOW.date() - timedelta(days=10),
                "external_ref": f"quota-{index}", "document_ref": f"quota-{index}",
                "document_name": f"Import {index}", "quantity": 1, "amount": 50,
            })
            customers |= customer
        self._opt_in(customers[1], "quota1@example.com", opt_in=False)
        consenting = customers[2:]
        for customer in consenting:
            self._opt_in(customer, f"{customer.name.replace(' ', '.')}@example.com")

        self.Request._cron_send_surveys()
        self.assertEqual(self.Request.search([("trigger", "=", "periodic")]).partner_id,
                         consenting, "4 active customers over 2 days: both who consented today")

    # ------------------------------------------------------------------ consent

    def test_no_request_without_consent(self):
        silent = self._customer("Wang Fang")
        self._opt_in(silent, "wang.fang@example.com", opt_in=False)
        blacklisted = self._customer("Chen Jie")
        self._opt_in(blacklisted, "Chen.Jie@Example.com")
        self.env["mail.blacklist"].create({"email": "chen.jie@example.com"})
        unknown = self._customer("Zhao Lei", email="zhao.lei@example.com")
        for partner in (silent, blacklisted, unknown):
            self._order(partner).order_line.qty_delivered = 2
        self._order().order_line.qty_delivered = 2

        self.Request._cron_send_surveys()
        self.assertEqual(self.Request.search([]).partner_id, self.customer,
                         "only the customer who opted in on an email address is asked")
        self.assertFalse(self._mails("example.com") - self._mails("li.wei@example.com"))

    def test_surveys_go_only_to_customers_who_granted_surveys(self):
        marketing_only = self._customer("Wang Fang")
        self._opt_in(marketing_only, "wang.fang@example.com", opt_in=False)
        self.env["customer.contact.point"].search(
            [("partner_id", "=", marketing_only.id)]
        ).opt_in = True
        changed_mind = self._customer("Chen Jie")
        self._opt_in(changed_mind, "chen.jie@example.com")
        self.env["customer.consent.event"]._record(
            changed_mind, "surveys", "email", "withdrawn", source="phone"
        )
        other_company = self.env["res.company"].create({"name": "Elsewhere Ltd"})
        elsewhere = self._customer("Zhao Lei")
        self._opt_in(elsewhere, "zhao.lei@example.com", opt_in=False)
        self.env["customer.consent.event"]._record(
            elsewhere, "surveys", "email", "granted", company_id=other_company.id
        )
        candidates = marketing_only | changed_mind | elsewhere | self.customer
        self.assertEqual(self.Request._consented_emails(candidates),
                         {self.customer.id: "li.wei@example.com"})
        for partner in candidates:
            self._order(partner).order_line.qty_delivered = 2
        self.Request._cron_send_surveys()
        self.assertEqual(self.Request.search([]).partner_id, self.customer,
                         "a marketing opt-in, a withdrawn or another company's grant is no "
                         "consent to surveys")
        self.env["customer.consent.event"]._record(changed_mind, "surveys", "email", "granted")
        self.assertEqual(self.Request._consented_emails(changed_mind),
                         {changed_mind.id: "chen.jie@example.com"}, "the latest event wins")

    def test_consented_emails(self):
        company = self._customer("Harbour Trading Ltd", is_company=True)
        buyer = self._customer("Zhang Min", parent_id=company.id)
        colleague = self._customer("Liu Yang", parent_id=company.id)
        self._opt_in(company, "office@harbour.example.com")
        self._opt_in(buyer, "zhang.private@example.com")
        self._opt_in(buyer, "zhang@harbour.example.com", is_primary=True)
        archived = self._customer("Gone")
        self._opt_in(archived, "gone@example.com")
        archived.active = False
        emails = self.Request._consented_emails(buyer | colleague | company | archived)
        self.assertEqual(emails, {
            buyer.id: "zhang@harbour.example.com",
            colleague.id: "office@harbour.example.com",
            company.id: "office@harbour.example.com",
        }, "own primary address first, else the company's; archived partners get nothing")

    # ------------------------------------------------------------------ throttle

    def test_throttle_one_request_per_customer_per_period(self):
        self._order().order_line.qty_delivered = 2
        self._order().order_line.qty_delivered = 2
        self._service()
        self.Request._cron_send_surveys()
        self.assertEqual(len(self._requests()), 1, "one request per customer and run")

        with freeze_time(NOW + timedelta(days=29)):
            self._service()
            self.Request._cron_send_surveys()
        self.assertEqual(len(self._requests()), 1, "asked 29 days ago: throttled")

        with freeze_time(NOW + timedelta(days=31)):
            self.Request._cron_send_surveys()
        surveys = self._requests()
        self.assertEqual(len(surveys), 2, "the throttle period is over")
        self.assertEqual(surveys[0].trigger, "service_record",
                         "the orders fell out of the look-back, the recent service did not")

    def test_expired_requests_are_marked(self):
        self._service()
        self.Request._cron_send_surveys()
        survey = self._requests()
        with freeze_time(NOW + timedelta(days=13)):
            self.Request._cron_send_surveys()
            self.assertEqual(survey.state, "sent")
        with freeze_time(NOW + timedelta(days=15)):
            self.Request._cron_send_surveys()
            self.assertEqual(survey.state, "expired")

    # ------------------------------------------------------------------ by hand

    def test_manual_send_applies_consent_and_throttle(self):
        Request = self.Request.with_user(self.salesperson)
        action = Request._action_send_manual(self.customer, "nps")
        self.assertEqual(action["params"]["type"], "success")
        survey = self._requests()
        self.assertRecordValues(survey, [{"survey_type": "nps", "trigger": "manual"}])
        self.assertEqual(len(self._mails("li.wei@example.com")), 1)

        with self.assertRaisesRegex(UserError, "Li Wei: already asked on"):
            Request._action_send_manual(self.customer, "csat")

        silent = self._customer("Wang Fang")
        other = self._customer("Sun Li")
        self._opt_in(other, "sun.li@example.com")
        action = Request._action_send_manual(other | silent, "csat")
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("Sun Li", action["params"]["message"])
        self.assertIn("Wang Fang: no email address with consent to surveys",
                      action["params"]["message"])
        self.assertEqual(len(self._requests(other)), 1)
        self.assertFalse(self._requests(silent))
        with self.assertRaisesRegex(UserError,
                                    "Wang Fang: no email address with consent to surveys"):
            Request._action_send_manual(silent, "csat")

    def test_token_not_readable_by_users(self):
        self._service()
        self.Request._cron_send_surveys()
        survey = self._requests().with_user(self.leader)
        self.assertEqual(survey.email, "li.wei@example.com")
        with self.assertRaises(AccessError):
            survey.read(["access_token"])

    # ------------------------------------------------------------------ set by jobs

    def test_answered_request_stays_answered(self):
        self._service()
        self.Request._cron_send_surveys()
        survey = self._requests()
        feedback = survey._record_answer(4, "Quick repair")
        as_officer = survey.with_user(self.leader)
        for vals in ({"state": "sent"}, {"answered_date": False}, {"feedback_id": False},
                     {"expiry_date": NOW + timedelta(days=30)}, {"email": "else@example.com"}):
            with self.assertRaises(AccessError, msg=vals):
                as_officer.write(vals)
        with self.assertRaises(AccessError):
            feedback.with_user(self.leader).write({"satisfaction_score": 0.0})
        with self.assertRaises(UserError):
            as_officer.action_cancel()
        self.assertRecordValues(survey, [{
            "state": "answered", "answered_date": NOW, "feedback_id": feedback.id,
            "email": "li.wei@example.com",
        }])
        self.assertRecordValues(feedback, [{"csat_score": "4", "satisfaction_score": 75.0}])

    def test_users_create_no_request_with_state_or_address(self):
        with self.assertRaises(AccessError):
            self.Request.with_user(self.salesperson).create({
                "partner_id": self.customer.id, "state": "answered",
                "email": "someone.else@example.com",
            })
        self._service()
        self.Request._cron_send_surveys()
        survey = self._requests()
        survey.with_user(self.leader).action_cancel()
        self.assertEqual(survey.state, "cancelled")
