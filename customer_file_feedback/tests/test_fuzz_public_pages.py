"""Property-based fuzzing of the pages customers reach without a back-office account: the
survey page behind its token and the complaints of the portal. Whatever comes in: no server
error, no partial write, no data of another customer."""

import re
import string
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import HttpCase, new_test_user, tagged

FUZZ_SETTINGS = settings(
    max_examples=25, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PASSWORD = "cf-fuzz-Portal-2024"
# Tokens, scores and comments as a browser or a script may send them: printable text, the
# characters of URLs and SQL, very long values, unicode, empty strings.
TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=string.ascii_letters + string.digits + "-_%'\";/\\.<>", max_size=300),
    st.sampled_from(["", "0", "-1", "10", "11", "5.5", "1e9", "NaN", "null", "[]", "{}",
                     "你好", "<script>alert(1)</script>", "' OR 1=1 --"]),
)


@tagged("post_install", "-at_install")
class TestFuzzPublicPages(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("en_US")
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create({"name": "Fuzz Alpha", "customer_rank": 1,
                                       "is_company": True})
        cls.other = Partner.create({"name": "Fuzz Beta", "customer_rank": 1, "is_company": True})
        cls.portal = new_test_user(cls.env, login="cf_fuzz_portal", groups="base.group_portal",
                                   password=PASSWORD, lang="en_US")
        cls.portal.partner_id.parent_id = cls.customer
        Feedback = cls.env["customer.feedback"]
        cls.own = Feedback.create({"feedback_type": "complaint", "partner_id": cls.customer.id,
                                   "summary": "Alpha parcel late"})
        cls.foreign = Feedback.create({"feedback_type": "complaint", "partner_id": cls.other.id,
                                       "summary": "Beta confidential matter"})

    def setUp(self):
        super().setUp()
        # Logged in as the customer's portal user: the survey pages are public, the
        # complaints need the login.
        self.authenticate(self.portal.login, PASSWORD)

    def _survey(self):
        return self.env["customer.feedback.request"].create({
            "partner_id": self.customer.id, "survey_type": "nps",
            "email": "alpha@example.com",
        })

    def _written(self):
        self.env.invalidate_all()
        return (self.env["customer.feedback"].search_count([]),
                self.env["customer.feedback.request"].search_count([("state", "=", "answered")]))

    @FUZZ_SETTINGS
    @given(token=TEXT, score=TEXT)
    def test_survey_page_with_any_token(self, token, score):
        before = self._written()
        response = self.url_open(f"/en/customer-feedback/survey/{quote(token, safe='')}",
                                 params={"score": score}, allow_redirects=False)
        self.assertLess(response.status_code, 500, token)
        self.assertNotIn("Beta", response.text)
        self.assertEqual(self._written(), before, "a GET never writes")

    @FUZZ_SETTINGS
    @given(score=TEXT, comment=st.one_of(TEXT, st.text(min_size=4000, max_size=6000)))
    def test_survey_answer_with_any_score_and_comment(self, score, comment):
        survey = self._survey()
        page = self.url_open(f"/en/customer-feedback/survey/{survey.access_token}")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        feedback_count, _answered = self._written()
        response = self.url_open(
            f"/en/customer-feedback/survey/{survey.access_token}",
            data={"csrf_token": csrf, "score": score, "comment": comment},
        )
        self.assertLess(response.status_code, 500, (score, comment[:50]))
        self.env.invalidate_all()
        if survey.state == "answered":
            self.assertEqual(response.status_code, 200)
            self.assertEqual(survey.feedback_id.partner_id, self.customer)
            self.assertEqual(self._written()[0], feedback_count + 1)
        else:
            self.assertEqual(response.status_code, 400)
            self.assertEqual(survey.state, "sent")
            self.assertEqual(self._written()[0], feedback_count, "a refused answer writes nothing")

    @FUZZ_SETTINGS
    @given(complaint_id=st.one_of(st.integers(min_value=-2**31, max_value=2**31 - 1),
                                  st.sampled_from(["own", "foreign"])),
           access_token=st.one_of(st.none(), TEXT))
    def test_portal_complaint_page_with_any_id(self, complaint_id, access_token):
        if complaint_id == "own":
            complaint_id = self.own.id
        elif complaint_id == "foreign":
            complaint_id = self.foreign.id
        url = f"/en/my/complaints/{complaint_id}"
        response = self.url_open(url, params={"access_token": access_token} if access_token
                                 else None, allow_redirects=False)
        self.assertLess(response.status_code, 500, url)
        self.assertNotIn("Beta confidential matter", response.text)
        if complaint_id == self.own.id:
            self.assertEqual(response.status_code, 200)
            self.assertIn("Alpha parcel late", response.text)
