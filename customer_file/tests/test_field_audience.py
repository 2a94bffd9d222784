from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import SQL

# Every addon of the customer file family: a field any of them adds to res.partner needs an
# audience, whichever addon it comes from.
ADDON_PREFIX = "customer_file"
USER = "customer_file.group_customer_file_user"
SENSITIVE = "customer_file.group_customer_file_sensitive"


@tagged("post_install", "-at_install")
class TestPartnerFieldAudience(TransactionCase):
    """What the customer file adds to res.partner is read by its audience only, whatever
    the path: employees without the app and portal users get none of it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.employee = new_test_user(
            cls.env, login="aud_employee",
            groups="base.group_user,sales_team.group_sale_salesman,base.group_allow_export",
        )
        cls.portal = new_test_user(cls.env, login="aud_portal", groups="base.group_portal")
        cls.user = new_test_user(cls.env, login="aud_user", groups=USER)
        cls.sensitive = new_test_user(
            cls.env, login="aud_sensitive",
            groups=f"base.group_user,customer_file.group_customer_file_officer,{SENSITIVE}",
        )
        cls.customer = cls.env["res.partner"].create({
            "name": "宋佳", "user_id": cls.user.id,
            "birthdate": fields.Date.today() - relativedelta(years=40, days=10),
            "identity_document_number": "110101199005170022", "occupation": "Teacher",
        })
        cls.our_fields = sorted(
            name for name, field in cls.env["res.partner"]._fields.items()
            if (field._module or "").startswith(ADDON_PREFIX)
        )

    def test_every_field_we_add_has_an_audience(self):
        self.assertIn("lifetime_spend", self.our_fields)
        self.assertIn("age", self.our_fields)
        Partner = self.env["res.partner"]
        without = [name for name in self.our_fields if not Partner._fields[name].groups]
        self.assertFalse(without, "fields of the customer file on res.partner without groups=")

    def _assert_refused(self, user, name, path, call):
        with self.assertRaises(AccessError, msg=f"{user.login} read {name} through {path}"):
            call()

    def test_employee_without_the_app_reads_none_of_it(self):
        partner = self.customer.with_user(self.employee)
        Partner = self.env["res.partner"].with_user(self.employee)
        self.assertEqual(partner.name, "宋佳", "the contact itself stays readable")
        for name in self.our_fields:
            paths = {
                "read": lambda name=name: partner.read([name]),
                "search_read": lambda name=name: Partner.search_read(
                    [("id", "=", partner.id)], [name]),
                "web_read": lambda name=name: partner.web_read({name: {}}),
                "web_search_read": lambda name=name: Partner.web_search_read(
                    [("id", "=", partner.id)], {name: {}}),
                "export_data": lambda name=name: partner.export_data([name]),
            }
            if Partner._fields[name].store or Partner._fields[name].search:
                paths["search"] = lambda name=name: Partner.search([(name, "!=", False)])
            if Partner._fields[name].store and Partner._fields[name].type != "one2many":
                paths["formatted_read_group"] = lambda name=name: Partner.formatted_read_group(
                    [], [name], ["__count"])
            for path, call in paths.items():
                self._assert_refused(self.employee, name, path, call)

    def test_portal_user_reads_none_of_it_on_their_own_partner(self):
        own = self.portal.partner_id.with_user(self.portal)
        self.assertTrue(own.read(["name"]))
        for name in self.our_fields:
            self._assert_refused(self.portal, name, "read", lambda name=name: own.read([name]))
            self._assert_refused(self.portal, name, "web_read",
                                 lambda name=name: own.web_read({name: {}}))

    def test_sensitive_fields_are_for_the_sensitive_group(self):
        Partner = self.env["res.partner"]
        sensitive = {name for name in self.our_fields
                     if SENSITIVE in (Partner._fields[name].groups or "")}
        self.assertEqual(
            sensitive, {"age", "birthdate", "identity_document_number", "income_band",
                        "identity_document_hash", "identity_document_duplicate"}
        )
        mine = self.customer.with_user(self.user)
        for name in sensitive:
            self._assert_refused(self.user, name, "read", lambda name=name: mine.read([name]))
        readable = [name for name in self.our_fields if name not in sensitive]
        self.assertTrue(mine.read(readable))
        self.assertEqual(mine.age_band, "35_44")
        values = self.customer.with_user(self.sensitive).read(sorted(sensitive))[0]
        self.assertEqual(values["identity_document_number"], "110101199005170022")

    def test_age_band_follows_the_birthdate(self):
        partner = self.env["res.partner"].create({"name": "Band", "birthdate": "1950-01-01"})
        self.assertEqual(partner.age_band, "65_plus")
        partner.birthdate = False
        self.assertFalse(partner.age_band)
        self.env.flush_all()
        self.env.cr.execute(SQL(
            "UPDATE res_partner SET birthdate = CURRENT_DATE - INTERVAL '30 years',"
            " age = 3, age_band = 'under_25' WHERE id = %s", partner.id,
        ))
        self.env["res.partner"]._cron_refresh_ages_and_recent_spend()
        partner.invalidate_recordset(["age", "age_band"])
        self.assertEqual((partner.age, partner.age_band), (30, "25_34"))

    def test_views_load_for_each_role(self):
        views = [(False, "form"), (False, "list"), (False, "kanban"), (False, "search")]
        for user in (self.employee, self.user, self.sensitive):
            arch = self.env["res.partner"].with_user(user).get_views(views)["views"]
            form = arch["form"]["arch"]
            self.assertEqual("lifetime_spend" in form, user != self.employee, user.login)
            self.assertEqual('name="birthdate"' in form, user == self.sensitive, user.login)
