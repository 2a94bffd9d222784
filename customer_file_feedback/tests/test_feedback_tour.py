import re
from urllib.parse import urlsplit

from odoo.tests import HttpCase, new_test_user, tagged

from .common import FeedbackCase


@tagged("post_install", "-at_install")
class TestFeedbackTour(HttpCase, FeedbackCase):
    """A service employee and a customer at work in the browser, in English."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("en_US")
        cls.service_employee = new_test_user(
            cls.env, login="fb_tour_service", name="Service Employee", lang="en_US",
            groups="customer_file.group_customer_file_user,sales_team.group_sale_salesman",
        )
        cls.team.member_ids = [(4, cls.service_employee.id)]
        cls.customer.lang = "en_US"

    def test_service_employee_moves_a_complaint_through_its_stages(self):
        complaint = self._feedback(feedback_type="complaint", summary="Tour: cracked screen",
                                   user_id=self.service_employee.id)
        self.start_tour(
            "/odoo/action-customer_file_feedback.action_customer_complaint",
            "customer_file_feedback_complaint_tour", login=self.service_employee.login,
        )
        self.assertEqual(complaint.state, "closed")
        self.assertIn("Tour: the screen was replaced under warranty", str(complaint.resolution))
        dates = [complaint.acknowledged_date, complaint.resolved_date, complaint.closed_date]
        self.assertTrue(all(dates), dates)
        self.assertEqual(dates, sorted(dates))
        stages = complaint.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "state"
        )
        self.assertEqual(
            sorted(stages.mapped("new_value_char")),
            sorted(["Acknowledged", "In Progress", "Resolved", "Closed"]),
        )

    def test_satisfaction_pivot_opens(self):
        self._feedback(summary="Tour review", nps_score="9")
        self.start_tour(
            "/odoo/action-customer_file_feedback.action_customer_feedback_report",
            "customer_file_feedback_analysis_tour", login="admin",
        )

    def test_customer_answers_the_nps_survey_from_the_mail(self):
        self.env["customer.contact.point"].create({
            "partner_id": self.customer.id, "kind": "email", "value": "li.wei@example.com",
        })
        self.env["customer.consent.event"]._record(
            self.customer, "surveys", "email", "granted", contact_value="li.wei@example.com"
        )
        Request = self.env["customer.feedback.request"].with_user(self.salesperson)
        Request._action_send_manual(self.customer, "nps")
        survey = self.env["customer.feedback.request"].search(
            [("partner_id", "=", self.customer.id)]
        )
        mail = self.env["mail.mail"].search([("email_to", "=", "li.wei@example.com")])
        self.assertEqual(len(mail), 1)
        links = re.findall(r'href="([^"]*/customer-feedback/survey/[^"]*\?score=9)"',
                           str(mail.body_html))
        self.assertEqual(len(links), 1)
        link = urlsplit(links[0].replace("&amp;", "&"))
        self.start_tour(f"{link.path}?{link.query}", "customer_file_feedback_nps_survey_tour")
        self.assertEqual(survey.state, "answered")
        self.assertTrue(survey.answered_date)
        answer = survey.feedback_id
        self.assertEqual((answer.partner_id, answer.nps_score, answer.channel),
                         (self.customer, "9", "survey"))
        self.assertIn("Tour: quick and friendly service", str(answer.description))
        # The link is used up: opening it again only says it was answered.
        again = self.url_open(f"{link.path}?{link.query}")
        self.assertEqual(again.status_code, 410)
        self.assertEqual(survey.feedback_id, answer)
