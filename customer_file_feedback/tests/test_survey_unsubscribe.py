from odoo.tests import HttpCase, tagged

from odoo.addons.customer_file.tests.common import run_migration


@tagged("post_install", "-at_install")
class TestSurveyUnsubscribe(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The test database may run in Chinese only: the pages are read in English here.
        cls.env["res.lang"]._activate_lang("en_US")
        cls.customer = cls.env["res.partner"].create({"name": "Li Wei", "customer_rank": 1})
        cls.Event = cls.env["customer.consent.event"]
        cls.Event._record(cls.customer, "surveys", "email", "granted",
                          contact_value="li.wei@example.com")
        cls.survey = cls.env["customer.feedback.request"].create({
            "partner_id": cls.customer.id, "survey_type": "csat", "email": "li.wei@example.com",
        })

    def _url(self, token=None):
        return f"/en/customer-feedback/unsubscribe/{token or self.survey.access_token}"

    def _withdrawals(self):
        return self.Event.search([
            ("partner_id", "=", self.customer.id), ("action", "=", "withdrawn"),
        ])

    def test_survey_mails_carry_the_unsubscribe_link(self):
        for xmlid in ("customer_file_feedback.mail_template_survey_csat",
                      "customer_file_feedback.mail_template_survey_nps"):
            body = self.env.ref(xmlid)._render_field("body_html", self.survey.ids)[self.survey.id]
            self.assertIn(f"/customer-feedback/unsubscribe/{self.survey.access_token}",
                          str(body), xmlid)

    def test_link_records_a_withdrawal_with_its_evidence(self):
        page = self.url_open(self._url())
        self.assertEqual(page.status_code, 200)
        self.assertIn("Stop receiving satisfaction surveys?", page.text)
        self.assertFalse(self._withdrawals(), "opening the link (a mail scanner) is no answer")

        page = self.url_open(self._url(), data={"confirm": "1"},
                             headers={"User-Agent": "ConsentTest/1.0"})
        self.assertEqual(page.status_code, 200)
        self.assertIn("You are unsubscribed.", page.text)
        withdrawal = self._withdrawals()
        self.assertRecordValues(withdrawal, [{
            "purpose_id": self.env.ref("customer_file.consent_purpose_surveys").id,
            "channel": "email", "source": "email_link", "contact_value": "li.wei@example.com",
            "company_id": self.survey.company_id.id, "ip_address": "127.0.0.1",
            "user_agent": "ConsentTest/1.0",
        }])
        self.assertFalse(self.Event._consenting(self.customer, "surveys", "email"))
        self.assertFalse(
            self.env["customer.feedback.request"]._consented_emails(self.customer),
            "no more surveys",
        )
        self.assertTrue(self.env["customer.access.log"].search([
            ("action", "=", "consent_change"), ("partner_id", "=", self.customer.id),
            ("res_ids", "=", str(withdrawal.id)),
        ]))
        # A second click records nothing more.
        self.url_open(self._url(), data={"confirm": "1"})
        self.assertEqual(self._withdrawals(), withdrawal)

    def test_bad_token_records_nothing(self):
        token = self.survey.access_token
        altered = token[:-1] + ("y" if token.endswith("x") else "x")
        for token in ("no-such-token", altered, "a%27%3B--"):
            page = self.url_open(self._url(token), data={"confirm": "1"})
            self.assertEqual(page.status_code, 404, token)
        self.assertFalse(self._withdrawals())
        self.assertTrue(self.Event._consenting(self.customer, "surveys", "email"))

    def test_1_2_0_adds_the_link_to_installed_templates(self):
        template = self.env.ref("customer_file_feedback.mail_template_survey_csat")
        template.body_html = "<div><p>Hello <t t-out=\"object.partner_id.name\"/></p></div>"
        run_migration(self.env, "customer_file_feedback", "19.0.1.2.0")
        run_migration(self.env, "customer_file_feedback", "19.0.1.2.0")
        body = str(template._render_field("body_html", self.survey.ids)[self.survey.id])
        self.assertIn("Hello Li Wei", body, "the customized body is kept")
        self.assertEqual(
            body.count(f"/customer-feedback/unsubscribe/{self.survey.access_token}"), 1
        )
