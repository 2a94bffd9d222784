from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

PASSWORD_A = "cf-portal-a-Secret-2024"
PASSWORD_B = "cf-portal-b-Secret-2024"


@tagged("post_install", "-at_install")
class TestComplaintPortal(HttpCase):
    """Two customers, each with a portal user: each sees, reads and answers only their own
    complaints under /my/complaints."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The test database may run in Chinese only: the pages are read in English here.
        cls.env["res.lang"]._activate_lang("en_US")
        Partner = cls.env["res.partner"]
        cls.customer_a = Partner.create({
            "name": "Alpha Trading Co", "is_company": True, "customer_rank": 1,
        })
        cls.customer_b = Partner.create({
            "name": "Beta Retail Co", "is_company": True, "customer_rank": 1,
        })
        cls.portal_a = new_test_user(
            cls.env, login="cf_portal_a", groups="base.group_portal", password=PASSWORD_A,
            name="Anna Alpha", lang="en_US",
        )
        cls.portal_a.partner_id.parent_id = cls.customer_a
        cls.portal_b = new_test_user(
            cls.env, login="cf_portal_b", groups="base.group_portal", password=PASSWORD_B,
            name="Bob Beta", lang="en_US",
        )
        cls.portal_b.partner_id.parent_id = cls.customer_b

        Feedback = cls.env["customer.feedback"]
        cls.complaint_a = Feedback.create({
            "feedback_type": "complaint", "partner_id": cls.customer_a.id,
            "summary": "Alpha parcel arrived damaged",
            "description": "<p>The box was crushed.</p>",
        })
        # Filed for the contact rather than the company: still the customer's complaint.
        cls.complaint_a_contact = Feedback.create({
            "feedback_type": "complaint", "partner_id": cls.portal_a.partner_id.id,
            "summary": "Alpha invoice sent twice",
        })
        cls.review_a = Feedback.create({
            "feedback_type": "review", "partner_id": cls.customer_a.id,
            "summary": "Alpha review kept internal",
        })
        cls.complaint_b = Feedback.create({
            "feedback_type": "complaint", "partner_id": cls.customer_b.id,
            "summary": "Beta secret delivery problem",
        })

    def _post(self, complaint, body):
        return self.make_jsonrpc_request("/mail/message/post", {
            "thread_model": "customer.feedback",
            "thread_id": complaint.id,
            "post_data": {
                "body": body, "message_type": "comment", "subtype_xmlid": "mail.mt_comment",
            },
        })

    # ------------------------------------------------------------------ record rules

    def test_portal_user_searches_only_own_complaints(self):
        Feedback = self.env["customer.feedback"]
        self.assertEqual(
            Feedback.with_user(self.portal_a).search([]),
            self.complaint_a | self.complaint_a_contact,
        )
        self.assertEqual(Feedback.with_user(self.portal_b).search([]), self.complaint_b)

    def _call(self, method, *args, **kwargs):
        return self.make_jsonrpc_request(f"/web/dataset/call_kw/customer.feedback/{method}", {
            "model": "customer.feedback", "method": method, "args": list(args), "kwargs": kwargs,
        })

    def test_internal_fields_are_refused_over_rpc(self):
        self.complaint_a.write({
            "root_cause": "Warehouse stacked it under a washing machine",
            "resolution": "<p>Offer a voucher if they insist</p>",
        })
        self.authenticate("cf_portal_a", PASSWORD_A)
        domain = [("id", "=", self.complaint_a.id)]
        rows = self._call("search_read", domain, fields=["name", "summary", "state"])
        self.assertEqual(rows[0]["summary"], "Alpha parcel arrived damaged")
        for method, args, kwargs in (
            ("search_read", [domain], {"fields": ["root_cause"]}),
            ("read", [[self.complaint_a.id], ["resolution"]], {}),
            ("web_read", [[self.complaint_a.id]], {"specification": {"user_id": {}}}),
            ("web_search_read", [domain], {"specification": {"priority": {}}}),
        ):
            try:
                self._call(method, *args, **kwargs)
            except JsonRpcException as error:
                self.assertEqual(str(error), "odoo.exceptions.AccessError", method)
            else:
                self.fail(f"{method} of an internal field was accepted")

    # ------------------------------------------------------------------ pages

    def test_list_shows_only_own_complaints(self):
        self.authenticate("cf_portal_a", PASSWORD_A)
        response = self.url_open("/my/complaints")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.complaint_a.name, response.text)
        self.assertIn(self.complaint_a_contact.name, response.text)
        self.assertIn("Alpha parcel arrived damaged", response.text)
        self.assertNotIn(self.complaint_b.name, response.text)
        self.assertNotIn("Beta secret delivery problem", response.text)
        self.assertNotIn(self.review_a.name, response.text)
        self.assertNotIn("Alpha review kept internal", response.text)

        for query in ("sortby=name", "sortby=stage", "filterby=open", "filterby=done",
                      "sortby=bogus&filterby=bogus"):
            response = self.url_open(f"/my/complaints?{query}")
            self.assertEqual(response.status_code, 200, query)
            self.assertNotIn(self.complaint_b.name, response.text, query)
        response = self.url_open("/my/complaints?filterby=done")
        self.assertNotIn(self.complaint_a.name, response.text)

        self.authenticate("cf_portal_b", PASSWORD_B)
        response = self.url_open("/my/complaints")
        self.assertIn(self.complaint_b.name, response.text)
        self.assertNotIn(self.complaint_a.name, response.text)

    def test_detail_page_of_own_complaint(self):
        self.complaint_a.resolution = "<p>Replacement shipped.</p>"
        self.complaint_a.action_resolve()
        self.authenticate("cf_portal_a", PASSWORD_A)
        response = self.url_open(f"/en/my/complaints/{self.complaint_a.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.complaint_a.name, response.text)
        self.assertIn("Alpha parcel arrived damaged", response.text)
        self.assertIn("The box was crushed.", response.text)
        self.assertIn("Replacement shipped.", response.text)
        self.assertIn('text-bg-success">Resolved</span>', response.text)
        self.assertIn("o_portal_chatter", response.text)

    def test_foreign_or_unknown_complaint_is_not_shown(self):
        self.authenticate("cf_portal_a", PASSWORD_A)
        missing_id = self.env["customer.feedback"].search([], order="id desc", limit=1).id + 1000
        for record_id, secret in (
            (self.complaint_b.id, "Beta secret delivery problem"),
            (self.review_a.id, "Alpha review kept internal"),
            (missing_id, None),
        ):
            response = self.url_open(f"/my/complaints/{record_id}")
            self.assertEqual(response.status_code, 200, record_id)
            self.assertTrue(response.url.endswith("/my"), response.url)
            if secret:
                self.assertNotIn(secret, response.text)
        # A wrong token does not open another customer's complaint either.
        response = self.url_open(f"/my/complaints/{self.complaint_b.id}?access_token=guess")
        self.assertNotIn("Beta secret delivery problem", response.text)

    def test_anonymous_visitor_needs_the_token(self):
        response = self.url_open(f"/my/complaints/{self.complaint_b.id}")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("Beta secret delivery problem", response.text)
        response = self.url_open("/my/complaints")
        self.assertIn("/web/login", response.url)
        self.assertNotIn("Beta secret delivery problem", response.text)
        # The link sent to the customer by email carries the record's token.
        response = self.url_open(self.complaint_b.get_portal_url())
        self.assertEqual(response.status_code, 200)
        self.assertIn("Beta secret delivery problem", response.text)

    def test_home_counter(self):
        self.authenticate("cf_portal_a", PASSWORD_A)
        result = self.make_jsonrpc_request("/my/counters", {"counters": ["complaint_count"]})
        self.assertEqual(result["complaint_count"], 2)
        self.authenticate("cf_portal_b", PASSWORD_B)
        result = self.make_jsonrpc_request("/my/counters", {"counters": ["complaint_count"]})
        self.assertEqual(result["complaint_count"], 1)
        response = self.url_open("/my/home")
        self.assertEqual(response.status_code, 200)
        self.assertIn("/my/complaints", response.text)

    # ------------------------------------------------------------------ chatter

    def test_portal_user_posts_on_own_complaint(self):
        self.authenticate("cf_portal_a", PASSWORD_A)
        result = self._post(self.complaint_a, "Any news about my parcel?")
        message = self.env["mail.message"].browse(result["message_id"])
        self.assertEqual(message.model, "customer.feedback")
        self.assertEqual(message.res_id, self.complaint_a.id)
        self.assertEqual(message.author_id, self.portal_a.partner_id)
        self.assertIn("Any news about my parcel?", message.body)
        self.assertIn(message, self.complaint_a.message_ids)

    def test_portal_user_cannot_post_on_foreign_complaint(self):
        self.authenticate("cf_portal_a", PASSWORD_A)
        before = self.complaint_b.message_ids
        for record in (self.complaint_b, self.review_a):
            # Odoo's assertRaises takes no tuple of exceptions: catch by hand.
            try:
                self._post(record, "Let me in")
            except JsonRpcException as error:
                # Refused as not found (404), not as a server error.
                self.assertEqual(error.code, 404)
            else:
                self.fail(f"posting on {record.name} was accepted")
        self.assertEqual(self.complaint_b.message_ids, before)
        self.assertFalse(self.env["mail.message"].search([("body", "ilike", "Let me in")]))

    def test_internal_notes_are_not_fetched_by_the_customer(self):
        self.complaint_a.message_post(body="Internal: customer is difficult",
                                      subtype_xmlid="mail.mt_note")
        self.complaint_a.message_post(body="We are on it", subtype_xmlid="mail.mt_comment",
                                      message_type="comment")
        self.authenticate("cf_portal_a", PASSWORD_A)
        result = self.make_jsonrpc_request("/mail/chatter_fetch", {
            "thread_model": "customer.feedback", "thread_id": self.complaint_a.id,
        })
        bodies = " ".join(str(m.get("body")) for m in result["data"]["mail.message"])
        self.assertIn("We are on it", bodies)
        self.assertNotIn("customer is difficult", bodies)

    def test_pages_in_simplified_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.authenticate("cf_portal_a", PASSWORD_A)
        response = self.url_open("/zh_CN/my/complaints")
        self.assertEqual(response.status_code, 200)
        self.assertRegex(response.text, r"breadcrumb-item active[^>]*>\s*投诉\s*<")
        self.assertIn(self.complaint_a.name, response.text)
