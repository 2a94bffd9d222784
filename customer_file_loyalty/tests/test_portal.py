from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

PORTAL_PASSWORD = "cf-level-portal-Secret-2026"
USER_PASSWORD = "cf-level-user-Secret-2026"


@tagged("post_install", "-at_install")
class TestMembershipPortalAndRpc(HttpCase):
    """The customer sees their level and the way to the next one on /my; over JSON-RPC a
    salesperson cannot set a level."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("en_US")
        company = cls.env.company
        cls.env["customer.membership.level"].search([]).write({"active": False})
        Level = cls.env["customer.membership.level"]
        cls.silver = Level.create({"name": "Portal Silver", "sequence": 20, "threshold": 100,
                                   "benefits": "<p>Free gift wrapping</p>"})
        cls.gold = Level.create({"name": "Portal Gold", "sequence": 30, "threshold": 1000})
        cls.customer = cls.env["res.partner"].create({
            "name": "Portal Customer Co", "is_company": True, "customer_rank": 1,
        })
        cls.portal = new_test_user(cls.env, login="cf_level_portal", groups="base.group_portal",
                                   password=PORTAL_PASSWORD, name="Pat Portal", lang="en_US")
        cls.portal.partner_id.parent_id = cls.customer
        cls.salesperson = new_test_user(cls.env, login="cf_level_user",
                                        groups="customer_file.group_customer_file_user",
                                        password=USER_PASSWORD, lang="en_US")
        cls.customer.user_id = cls.salesperson
        cls.env["customer.membership.config"]._for_company(company).basis = "spend"
        cls.env["customer.purchase.line"].sudo().create({
            "partner_id": cls.portal.partner_id.id, "date": company._customer_file_today(),
            "source": "import", "external_ref": "portal-level:1", "document_ref": "portal-level:1",
            "document_name": "portal-level:1", "quantity": 1, "amount": 250,
        })
        cls.env["customer.membership"]._evaluate_company(company, notify=False)

    def test_portal_home_shows_the_level_and_progress(self):
        self.authenticate("cf_level_portal", PORTAL_PASSWORD)
        response = self.url_open("/my")
        self.assertEqual(response.status_code, 200)
        # The page may come in Chinese (the test database's language): the card's marker.
        self.assertIn("o_customer_file_membership", response.text)
        self.assertIn("Portal Silver", response.text)
        self.assertIn("Portal Gold", response.text)
        self.assertIn("750", response.text)
        self.assertIn("Free gift wrapping", response.text)

    def test_portal_user_cannot_read_memberships(self):
        self.authenticate("cf_level_portal", PORTAL_PASSWORD)
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request("/web/dataset/call_kw/customer.membership/search_read", {
                "model": "customer.membership", "method": "search_read",
                "args": [[]], "kwargs": {"fields": ["level_id"]},
            })

    def test_level_not_writable_over_rpc(self):
        self.authenticate("cf_level_user", USER_PASSWORD)
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request("/web/dataset/call_kw/res.partner/write", {
                "model": "res.partner", "method": "write",
                "args": [[self.customer.id], {"membership_level_id": self.gold.id}],
                "kwargs": {},
            })
        with self.assertRaises(JsonRpcException):
            self.make_jsonrpc_request("/web/dataset/call_kw/customer.membership/x", {
                "model": "customer.membership", "method": "_action_evaluate_now",
                "args": [], "kwargs": {},
            })
        level = self.env["customer.membership"].search(
            [("partner_id", "=", self.customer.id)]).level_id
        self.assertEqual(level, self.silver)
