import re
from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestSurveyPage(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The test database may run in Chinese only: the pages are read in English here.
        cls.env["res.lang"]._activate_lang("en_US")
        cls.customer = cls.env["res.partner"].create({"name": "Li Wei", "customer_rank": 1})
        cls.Request = cls.env["customer.feedback.request"]

    def _survey(self, survey_type="nps", **vals):
        return self.Request.create({
            "partner_id": self.customer.id, "survey_type": survey_type,
            "email": "li.wei@example.com", **vals,
        })

    def _url(self, survey, lang="en"):
        return f"/{lang}/customer-feedback/survey/{survey.access_token}"

    def _csrf_token(self, survey):
        page = self.url_open(self._url(survey))
        self.assertEqual(page.status_code, 200)
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    def _post(self, survey, csrf=None, **data):
        csrf = csrf or self._csrf_token(survey)
        return self.url_open(self._url(survey), data={"csrf_token": csrf, **data})

    def _score_buttons(self, page):
        return re.findall(r'<button[^>]*name="score"', page.text)

    def test_unknown_or_expired_token_is_not_found(self):
        csrf = self._csrf_token(self._survey())
        self.assertEqual(self.url_open("/customer-feedback/survey/no-such-token").status_code, 404)
        for token in ("x" * 500, "a%20b", "%E4%BD%A0", "abc%27%3B--"):
            self.assertEqual(
                self.url_open("/customer-feedback/survey/" + token).status_code, 404, token
            )
        past = self._survey(expiry_date=fields.Datetime.now() - timedelta(minutes=1))
        self.assertEqual(self.url_open(self._url(past)).status_code, 404)
        for state in ("expired", "cancelled"):
            survey = self._survey()
            survey.state = state
            self.assertEqual(self.url_open(self._url(survey)).status_code, 404)
            self.assertEqual(
                self.url_open(
                    self._url(survey), data={"score": "5", "csrf_token": csrf}
                ).status_code,
                404,
            )

    def test_get_shows_the_question_and_records_nothing(self):
        survey = self._survey()
        page = self.url_open(self._url(survey) + "?score=9")
        self.assertEqual(page.status_code, 200)
        self.assertIn("How likely are you to recommend", page.text)
        self.assertEqual(len(self._score_buttons(page)), 12,
                         "11 score buttons and the button sending the score clicked in the mail")
        self.assertIn("Send my score", page.text)
        self.assertEqual(survey.state, "sent")
        self.assertFalse(survey.feedback_id)
        self.assertFalse(
            self.env["customer.feedback"].search([("partner_id", "=", self.customer.id)])
        )

    def test_get_with_malformed_score_shows_the_question(self):
        survey = self._survey(survey_type="csat")
        for score in ("abc", "0", "6", "", "9" * 40):
            page = self.url_open(self._url(survey), params={"score": score})
            self.assertEqual(page.status_code, 200, score)
            self.assertEqual(len(self._score_buttons(page)), 5)
            self.assertNotIn("Send my score", page.text)

    def test_post_records_the_answer_once(self):
        survey = self._survey()
        csrf = self._csrf_token(survey)
        answer = self._post(survey, csrf, score="8", comment="Fast delivery <b>thanks</b>")
        self.assertEqual(answer.status_code, 200)
        self.assertIn("Thank you for your answer", answer.text)
        survey.invalidate_recordset()
        feedback = survey.feedback_id
        self.assertEqual(survey.state, "answered")
        self.assertTrue(survey.answered_date)
        self.assertRecordValues(feedback, [{
            "feedback_type": "review", "channel": "survey", "partner_id": self.customer.id,
            "nps_score": "8", "csat_score": False, "summary": "NPS survey answer",
        }])
        self.assertIn("Fast delivery &lt;b&gt;thanks&lt;/b&gt;", str(feedback.description))

        again = self._post(survey, csrf, score="0", comment="Changed my mind")
        self.assertEqual(again.status_code, 410)
        self.assertIn("already answered", again.text)
        feedback.invalidate_recordset()
        self.assertEqual(feedback.nps_score, "8")
        self.assertNotIn("Changed my mind", str(feedback.description))
        self.assertEqual(
            self.env["customer.feedback"].search_count([("partner_id", "=", self.customer.id)]), 1
        )
        self.assertEqual(self.url_open(self._url(survey)).status_code, 410)

    def test_post_completes_the_linked_feedback(self):
        feedback = self.env["customer.feedback"].create({
            "partner_id": self.customer.id, "summary": "Repair of the phone",
            "description": "<p>Screen replaced.</p>",
        })
        survey = self._survey(survey_type="csat", feedback_id=feedback.id)
        self.assertEqual(self._post(survey, score="4", comment="Works again").status_code, 200)
        feedback.invalidate_recordset()
        self.assertEqual(feedback.csat_score, "4")
        self.assertIn("Screen replaced.", str(feedback.description))
        self.assertIn("Works again", str(feedback.description))
        survey.invalidate_recordset()
        self.assertEqual(survey.feedback_id, feedback)

    def test_malformed_score_is_a_bad_request(self):
        survey = self._survey()
        for data in ({"score": "abc"}, {"score": "99"}, {"score": "-1"}, {"score": "1.5"},
                     {"comment": "no score"}):
            answer = self._post(survey, **data)
            self.assertEqual(answer.status_code, 400, data)
            self.assertIn("Choose a score from 0 to 10", answer.text)
        csat = self._survey(survey_type="csat")
        self.assertEqual(self._post(csat, score="0").status_code, 400)
        self.assertEqual(self._post(csat, score="6").status_code, 400)
        (survey | csat).invalidate_recordset()
        self.assertEqual(set((survey | csat).mapped("state")), {"sent"})
        self.assertFalse((survey | csat).feedback_id)

    def test_post_without_csrf_token_is_refused(self):
        survey = self._survey()
        answer = self.url_open(self._url(survey), data={"score": "9"})
        self.assertEqual(answer.status_code, 400)
        survey.invalidate_recordset()
        self.assertEqual(survey.state, "sent")

    def test_mail_link_opens_the_page_in_the_customer_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.customer.lang = "zh_CN"
        survey = self._survey()
        url = survey._survey_url(7)
        self.assertIn(f"/zh_CN/customer-feedback/survey/{survey.access_token}?score=7", url)
        page = self.url_open(url.removeprefix(survey.get_base_url()))
        self.assertEqual(page.status_code, 200)
        self.assertIn('"lang": "zh_CN"', page.text, "the page is rendered in Chinese")
        self.assertEqual(len(self._score_buttons(page)), 12)

    def test_page_speaks_the_language_of_its_link(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.customer.lang = "zh_CN"
        survey = self._survey()
        self.assertIn("/zh_CN/customer-feedback/survey/", survey._survey_url(9))
        self.customer.lang = "fr_FR"  # not installed: no language in the link
        self.assertIn("/customer-feedback/survey/", survey._survey_url(9))
        self.assertNotIn("/fr", survey._survey_url(9))
        page = self.url_open(self._url(survey, lang="zh_CN"))
        self.assertEqual(page.status_code, 200)
        self.assertIn("您有多大可能", page.text)
