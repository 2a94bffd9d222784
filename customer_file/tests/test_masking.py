import datetime

from odoo.exceptions import AccessError, UserError
from odoo.tests import BaseCase, TransactionCase, new_test_user, tagged

from ..tools import masking

USER = "customer_file.group_customer_file_user"
SENSITIVE = "customer_file.group_customer_file_sensitive"


@tagged("post_install", "-at_install")
class TestMaskingRules(BaseCase):
    """The masking rules of customer_file/tools/masking.py."""

    def test_mask_phone(self):
        self.assertEqual(masking.mask_phone("13812341234"), "138****1234")
        self.assertEqual(masking.mask_phone("+86 138 1234 1234"), "+86 138****1234")
        self.assertEqual(masking.mask_phone("+8613812341234"), "+86 138****1234")
        self.assertEqual(masking.mask_phone("12345"), "***45")
        self.assertEqual(masking.mask_phone("12"), "**")
        self.assertEqual(masking.mask_phone("１３８"), "*３８", "unicode digits are digits")
        self.assertFalse(masking.mask_phone(False))
        self.assertEqual(masking.mask_phone(""), "")

    def test_mask_email(self):
        self.assertEqual(masking.mask_email("alice@example.com"), "a***@example.com")
        self.assertEqual(masking.mask_email("a@example.com"), "a***@example.com")
        self.assertEqual(masking.mask_email("宋佳@例子.中国"), "宋***@例子.中国")
        self.assertEqual(masking.mask_email("@example.com"), "***@example.com")
        self.assertEqual(masking.mask_email("alice"), "a***e")
        self.assertFalse(masking.mask_email(False))

    def test_mask_date_identifier_handle(self):
        self.assertEqual(masking.mask_date(datetime.date(1990, 3, 7)), "1990-**-**")
        self.assertEqual(masking.mask_date("1990-03-07"), "1990-**-**")
        self.assertFalse(masking.mask_date(False))
        self.assertEqual(masking.mask_identifier("110101199003071234"), "1101**********1234")
        self.assertEqual(masking.mask_identifier("AB123456"), "******56")
        self.assertEqual(masking.mask_identifier("A1"), "**")
        self.assertEqual(masking.mask_identifier("身份证号码一二三四五"), "身份证号**二三四五")
        self.assertFalse(masking.mask_identifier(""))
        self.assertEqual(masking.mask_handle("@alice_wang"), "@a***g")
        self.assertEqual(masking.mask_handle("bo"), "b***")
        self.assertEqual(masking.mask_handle("微信用户甲"), "微***甲")
        self.assertFalse(masking.mask_handle(None))
        self.assertEqual(
            masking.mask_text("Alice <alice@example.com>", ["alice@example.com"],
                              masking.mask_email),
            "Alice <a***@example.com>",
        )


@tagged("post_install", "-at_install")
class TestMasking(TransactionCase):
    """Users outside Sensitive Data read customers' phones, emails, birthdates, ID numbers and
    contact points masked in every read path; Sensitive users read them plain."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(cls.env, login="mask_user",
                                 groups=f"base.group_user,{USER},base.group_allow_export")
        cls.sensitive = new_test_user(
            cls.env, login="mask_sensitive",
            groups=f"base.group_user,customer_file.group_customer_file_officer,{SENSITIVE},"
            "base.group_allow_export",
        )
        cls.employee = new_test_user(
            cls.env, login="mask_employee",
            groups="base.group_user,sales_team.group_sale_salesman,base.group_allow_export",
        )
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create({
            "name": "Alice Wang", "phone": "+86 138 1234 1234", "email": "alice@example.com",
            "customer_rank": 1, "user_id": cls.user.id, "birthdate": "1990-03-07",
            "identity_document_number": "110101199003071234",
        })
        cls.contact = Partner.create({
            "name": "Bob Wang", "parent_id": cls.customer.id, "phone": "13900001111",
            "email": "bob@example.com", "user_id": cls.user.id,
        })
        cls.supplier = Partner.create({
            "name": "Steel Supplies", "phone": "+86 138 9999 8888",
            "email": "sales@steel.example.com", "supplier_rank": 1,
        })
        cls.point = cls.env["customer.contact.point"].create({
            "partner_id": cls.customer.id, "kind": "phone", "value": "+86 138 1234 1234",
        })
        cls.email_point = cls.env["customer.contact.point"].create({
            "partner_id": cls.customer.id, "kind": "email", "value": "Alice@Example.com",
        })

    def _partner_paths(self, user, partner, fnames):
        """The values of ``fnames`` of ``partner`` read by ``user`` through each read path."""
        records = partner.with_user(user)
        Partner = self.env["res.partner"].with_user(user)
        domain = [("id", "=", partner.id)]
        export = records.export_data(fnames)["datas"][0]
        return {
            "read": records.read(fnames)[0],
            "search_read": Partner.search_read(domain, fnames)[0],
            "web_read": records.web_read({fname: {} for fname in fnames})[0],
            "web_search_read": Partner.web_search_read(
                domain, {fname: {} for fname in fnames})["records"][0],
            "export_data": dict(zip(fnames, export, strict=True)),
        }

    def test_user_reads_customers_masked_in_every_path(self):
        for path, values in self._partner_paths(
            self.user, self.customer, ["phone", "email", "email_normalized", "phone_sanitized"]
        ).items():
            self.assertEqual(values["phone"], "+86 138****1234", path)
            self.assertEqual(values["email"], "a***@example.com", path)
            self.assertEqual(values["email_normalized"], "a***@example.com", path)
            self.assertEqual(values["phone_sanitized"], "+86 138****1234", path)
        for path, values in self._partner_paths(self.user, self.contact,
                                                ["phone", "email"]).items():
            self.assertEqual(values["phone"], "139****1111",
                             f"{path}: a contact of a customer is masked too")
            self.assertEqual(values["email"], "b***@example.com", path)
        formatted = self.customer.with_user(self.user).read(["email_formatted"])[0]
        self.assertEqual(formatted["email_formatted"], '"Alice Wang" <a***@example.com>')

    def test_employee_without_the_app_reads_customers_masked(self):
        values = self.customer.with_user(self.employee).read(["phone", "email"])[0]
        self.assertEqual((values["phone"], values["email"]),
                         ("+86 138****1234", "a***@example.com"))

    def test_sensitive_user_and_superuser_read_plain(self):
        for path, values in self._partner_paths(self.sensitive, self.customer,
                                                ["phone", "email"]).items():
            self.assertEqual(values["phone"], "+86 138 1234 1234", path)
            self.assertEqual(values["email"], "alice@example.com", path)
        self.assertEqual(self.customer.with_user(self.user).sudo().phone, "+86 138 1234 1234")
        self.assertEqual(self.customer.with_user(self.user).phone, "+86 138 1234 1234",
                         "server code reading the field gets the plain value")

    def test_a_masked_value_is_never_saved_over_the_real_one(self):
        mine = self.customer.with_user(self.user)
        masked = mine.read(["phone"])[0]["phone"]
        self.assertIn("****", masked)
        with self.assertRaises(UserError):
            mine.write({"phone": masked[:-1] + "9"})
        with self.assertRaises(UserError):
            self.point.with_user(self.user).write({"value": "+86 138****1235"})
        self.assertEqual(self.customer.phone, "+86 138 1234 1234")
        mine.write({"phone": "+86 139 0000 2222"})
        self.assertEqual(self.customer.phone, "+86 139 0000 2222")

    def test_a_form_change_sends_the_normalized_value_masked(self):
        point = self.point.with_user(self.user)
        result = point.onchange({"kind": "phone"}, ["kind"],
                                {"kind": {}, "value": {}, "value_normalized": {}})
        self.assertNotIn("12341234", str(result).replace(" ", ""))
        for fname in ("value", "value_normalized"):
            if result["value"].get(fname):
                self.assertIn("****", result["value"][fname])

    def test_exact_lookups_take_the_underscore_literally(self):
        Partner = self.env["res.partner"].with_user(self.user)
        self.assertFalse(Partner.search([("email", "=ilike", "al_ce@example.com")]))
        self.assertEqual(Partner.search([("email", "=ilike", "ALICE@example.com")]),
                         self.customer)
        probe = self.env["res.partner"].create({
            "name": "Underscore", "email": "john_doe@example.com", "customer_rank": 1,
            "user_id": self.user.id,
        })
        self.assertEqual(Partner.search([("email", "=ilike", "john_doe@example.com")]), probe)
        self.assertEqual(
            self.env["res.partner"].with_user(self.sensitive).search(
                [("email", "=ilike", "al_ce@example.com")]),
            self.customer, "Sensitive Data users keep the wildcard",
        )

    def test_supplier_stays_plain(self):
        for path, values in self._partner_paths(self.user, self.supplier,
                                                ["phone", "email"]).items():
            self.assertEqual(values["phone"], "+86 138 9999 8888", path)
            self.assertEqual(values["email"], "sales@steel.example.com", path)

    def test_display_name_with_email(self):
        customer = self.customer.with_user(self.user).with_context(show_email=True)
        self.assertEqual(customer.display_name, "Alice Wang <a***@example.com>")
        self.assertEqual(customer.read(["display_name"])[0]["display_name"],
                         "Alice Wang <a***@example.com>")
        Partner = self.env["res.partner"].with_user(self.user).with_context(show_email=True)
        names = dict(Partner.name_search("Alice Wang"))
        self.assertEqual(names[self.customer.id], "Alice Wang <a***@example.com>")
        plain = self.customer.with_user(self.sensitive).with_context(show_email=True)
        self.assertEqual(plain.display_name, "Alice Wang <alice@example.com>")

    def test_pattern_search_finds_no_customer(self):
        Partner = self.env["res.partner"].with_user(self.user)
        for fname, pattern in (("phone", "138"), ("email", "alice"),
                               ("email_normalized", "alice"), ("phone_sanitized", "138"),
                               ("phone_mobile_search", "1234")):
            found = Partner.search([(fname, "ilike", pattern)])
            self.assertNotIn(self.customer, found, fname)
        self.assertIn(self.supplier, Partner.search([("phone", "ilike", "138")]),
                      "a supplier's phone is searchable as before")
        self.assertIn(self.customer,
                      self.env["res.partner"].with_user(self.sensitive).search(
                          [("phone", "ilike", "138")]))
        # Exact look-ups, as Odoo's find_or_create does, still find the customer.
        self.assertEqual(Partner.search([("email", "=ilike", "ALICE@example.com")]),
                         self.customer)
        self.assertEqual(Partner.find_or_create("alice@example.com"), self.customer)
        # name_search searches email ilike: it keeps working, on names.
        self.assertIn(self.customer.id, dict(Partner.name_search("Alice")))
        self.assertNotIn(self.customer.id, dict(Partner.name_search("alice@exa")))
        # Through a relation, from another model.
        self.assertNotIn(self.customer, Partner.search([("child_ids.phone", "ilike", "139")]))

    def test_grouping_on_masked_fields_is_refused(self):
        Partner = self.env["res.partner"].with_user(self.user)
        for fname in ("phone", "email", "email_normalized", "phone_sanitized"):
            with self.assertRaises(AccessError, msg=fname):
                Partner.formatted_read_group([], [fname], ["__count"])
        with self.assertRaises(AccessError):
            Partner.formatted_read_group([], ["parent_id.email"], ["__count"])
        with self.assertRaises(AccessError):
            Partner.formatted_read_group([], [], ["email:max"])
        self.assertTrue(Partner.formatted_read_group([], [], ["email:count_distinct"]))
        groups = self.env["res.partner"].with_user(self.sensitive).formatted_read_group(
            [("id", "=", self.customer.id)], ["phone"], ["__count"])
        self.assertEqual(groups[0]["phone"], "+86 138 1234 1234")

    def test_contact_points_masked(self):
        Point = self.env["customer.contact.point"].with_user(self.user)
        domain = [("id", "in", (self.point | self.email_point).ids)]
        rows = {row["id"]: row for row in Point.search_read(
            domain, ["value", "value_normalized", "display_name"])}
        self.assertEqual(rows[self.point.id]["value"], "+86 138****1234")
        self.assertEqual(rows[self.point.id]["value_normalized"], "+86 138****1234")
        self.assertEqual(rows[self.point.id]["display_name"], "+86 138****1234")
        self.assertEqual(rows[self.email_point.id]["value"], "A***@Example.com")
        self.assertEqual(rows[self.email_point.id]["value_normalized"], "a***@example.com")
        web = Point.web_search_read(domain, {"value": {}})["records"]
        self.assertEqual({row["value"] for row in web}, {"+86 138****1234", "A***@Example.com"})
        export = (self.point | self.email_point).with_user(self.user).export_data(["value"])
        self.assertEqual({row[0] for row in export["datas"]},
                         {"+86 138****1234", "A***@Example.com"})
        # Through the customer's form (the one2many's records).
        form = self.customer.with_user(self.user).web_read(
            {"contact_point_ids": {"fields": {"value": {}}}})[0]
        self.assertEqual({row["value"] for row in form["contact_point_ids"]},
                         {"+86 138****1234", "A***@Example.com"})
        plain = self.point.with_user(self.sensitive).read(["value"])[0]["value"]
        self.assertEqual(plain, "+86 138 1234 1234")

    def test_contact_points_search_and_group_refused(self):
        Point = self.env["customer.contact.point"].with_user(self.user)
        with self.assertRaises(AccessError):
            Point.search([("value", "ilike", "138")])
        with self.assertRaises(AccessError):
            Point.search([("value_normalized", "like", "+86%")])
        with self.assertRaises(AccessError):
            Point.formatted_read_group([], ["value_normalized"], ["__count"])
        self.assertEqual(Point.search([("value_normalized", "=", "alice@example.com")]),
                         self.email_point, "an exact value is not a probe")
        self.assertEqual(Point.browse(self.point.id).duplicate_count, 0,
                         "duplicate counts still work for them")
        Sensitive = self.env["customer.contact.point"].with_user(self.sensitive)
        self.assertIn(self.point, Sensitive.search([("value", "ilike", "138")]))

    def test_birthdate_and_id_masked_fields(self):
        values = self.customer.with_user(self.user).read(
            ["birthdate_masked", "identity_document_masked"])[0]
        self.assertEqual(values["birthdate_masked"], "1990-**-**")
        self.assertEqual(values["identity_document_masked"], "1101**********1234")
        with self.assertRaises(AccessError):
            self.customer.with_user(self.employee).read(["birthdate_masked"])
        form = self.env["res.partner"].with_user(self.user).get_views(
            [(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="birthdate_masked"', form)
        self.assertIn("action_customer_file_reveal", form)
        sensitive_form = self.env["res.partner"].with_user(self.sensitive).get_views(
            [(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn('name="birthdate_masked"', sensitive_form)

    def _reveal(self, user, record, field, reason):
        Wizard = self.env["customer.file.reveal.wizard"].with_user(user)
        if record._name == "res.partner":
            action = record.with_user(user).with_context(
                reveal_field=field).action_customer_file_reveal()
        else:
            action = record.with_user(user).action_reveal()
        defaults = {key[len("default_"):]: value for key, value in action["context"].items()}
        wizard = Wizard.create({**defaults, "reason": reason})
        return wizard.action_reveal()

    def test_reveal_logs_the_reason_and_returns_the_plain_value(self):
        Log = self.env["customer.access.log"]
        before = Log.search([])
        result = self._reveal(self.user, self.customer, "phone",
                              "Customer asked for a callback about repair")
        self.assertEqual(result["params"]["message"], "+86 138 1234 1234")
        log = Log.search([]) - before
        self.assertEqual(len(log), 1)
        self.assertEqual((log.action, log.user_id, log.partner_id, log.field_names, log.reason),
                         ("reveal", self.user, self.customer, "phone",
                          "Customer asked for a callback about repair"))
        result = self._reveal(self.user, self.customer, "identity_document_number",
                              "Checking the warranty card identity")
        self.assertEqual(result["params"]["message"], "110101199003071234")
        result = self._reveal(self.user, self.point, "value", "Confirming the number on call")
        self.assertEqual(result["params"]["message"], "+86 138 1234 1234")
        self.assertEqual((Log.search([], limit=1).partner_id, Log.search([], limit=1).res_model),
                         (self.customer, "customer.contact.point"))
        wizard_values = self.env["customer.file.reveal.wizard"].search([]).read()
        self.assertNotIn("+86 138 1234 1234", str(wizard_values),
                         "the plain value is not stored on the wizard")

    def test_reveal_refused(self):
        with self.assertRaises(UserError):
            self._reveal(self.user, self.customer, "phone", "because")
        with self.assertRaises(UserError):
            self._reveal(self.user, self.customer, "name", "A reason of several words")
        with self.assertRaises(AccessError):
            self._reveal(self.employee, self.customer, "phone", "A reason of several words")
        other = self.env["res.partner"].create({
            "name": "Not mine", "phone": "13712345678", "customer_rank": 1,
            "user_id": self.sensitive.id,
        })
        with self.assertRaises(AccessError):
            self._reveal(self.user, other, "phone", "A reason of several words")

    def test_masking_costs_no_query_per_record(self):
        customers = self.env["res.partner"].create([{
            "name": f"Customer {index:03d}", "phone": f"138{index:08d}",
            "email": f"customer{index}@example.com", "customer_rank": 1,
            "user_id": self.user.id,
        } for index in range(80)])
        domain = [("id", "in", customers.ids)]
        spec = {"name": {}, "phone": {}, "email": {}, "display_name": {}}

        def count(user):
            Partner = self.env["res.partner"].with_user(user)
            Partner.web_search_read(domain, spec)  # warm the group and rule caches
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            records = Partner.web_search_read(domain, spec, limit=80)["records"]
            self.assertEqual(len(records), 80)
            return self.env.cr.sql_log_count - start, records

        user_count, user_rows = count(self.user)
        sensitive_count, sensitive_rows = count(self.sensitive)
        self.assertTrue(all("****" in row["phone"] for row in user_rows))
        self.assertFalse(any("****" in row["phone"] for row in sensitive_rows))
        self.assertEqual(user_count, sensitive_count)
