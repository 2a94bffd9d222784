from odoo.tests import TransactionCase, new_test_user, tagged

USER = "customer_file.group_customer_file_user"
SENSITIVE = "customer_file.group_customer_file_sensitive"


@tagged("post_install", "-at_install")
class TestMaskingOutput(TransactionCase):
    """What reports, PDFs and mail templates print of a customer is masked for users outside
    Sensitive Data, as every read path is; list sorts never order customers by a masked
    value for them; printing profiles is logged."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(cls.env, login="mask_out_user",
                                 groups=f"base.group_user,{USER},sales_team.group_sale_salesman")
        cls.sensitive = new_test_user(
            cls.env, login="mask_out_sensitive",
            groups=f"base.group_user,customer_file.group_customer_file_officer,{SENSITIVE},"
            "sales_team.group_sale_salesman",
        )
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create({
            "name": "Alice Wang", "phone": "+86 138 1234 1234", "email": "alice@example.com",
            "customer_rank": 1, "user_id": cls.user.id,
            "identity_document_number": "110101199003071234",
        })
        cls.contact = Partner.create({
            "name": "Bob Wang", "parent_id": cls.customer.id, "phone": "13900001111",
            "email": "bob@example.com",
        })
        cls.env["customer.contact.point"].create({
            "partner_id": cls.customer.id, "kind": "phone", "value": "+86 137 5555 6666",
        })
        cls.supplier = Partner.create({"name": "Supplies Ltd", "phone": "02112345678"})
        arch = """<t t-name="customer_file.test_masking_output_doc">
            <t t-foreach="docs" t-as="doc"><p><t t-out="doc.name"/>: <t t-out="doc.phone"/>,
            <t t-out="doc.email"/></p>
            <p t-foreach="doc.child_ids" t-as="child"><t t-out="child.phone"/></p>
            <p t-foreach="doc.contact_point_ids" t-as="point">
                <t t-out="point.value"/></p></t></t>"""
        cls.env["ir.ui.view"].create({
            "name": "customer_file.test_masking_output_doc", "type": "qweb", "arch": arch,
            "key": "customer_file.test_masking_output_doc",
        })
        cls.report = cls.env["ir.actions.report"].create({
            "name": "Customer Card", "model": "res.partner", "report_type": "qweb-html",
            "report_name": "customer_file.test_masking_output_doc",
        })
        order_arch = """<t t-name="customer_file.test_masking_output_order">
            <p t-foreach="docs" t-as="doc"><t t-out="doc.partner_id.phone"/>
            <t t-out="doc.partner_id.email"/></p></t>"""
        cls.env["ir.ui.view"].create({
            "name": "customer_file.test_masking_output_order", "type": "qweb",
            "arch": order_arch, "key": "customer_file.test_masking_output_order",
        })
        cls.order_report = cls.env["ir.actions.report"].create({
            "name": "Order Card", "model": "sale.order", "report_type": "qweb-html",
            "report_name": "customer_file.test_masking_output_order",
        })
        cls.template = cls.env["mail.template"].create({
            "name": "Phone check", "model_id": cls.env.ref("base.model_res_partner").id,
            "subject": "Your number {{ object.phone }}",
            "body_html": '<p>We will call <t t-out="object.phone"/> or write to '
                         '<t t-out="object.email"/>.</p>',
            "email_to": "{{ object.email }}",
        })

    def _render(self, user, report, records):
        html, _type = self.env["ir.actions.report"].with_user(user)._render_qweb_html(
            report.id, records.ids
        )
        return html.decode()

    def test_report_masked_for_users_outside_sensitive_data(self):
        html = self._render(self.user, self.report, self.customer | self.supplier)
        for plain in ("+86 138 1234 1234", "alice@example.com", "13900001111", "+86 137 5555 6666"):
            self.assertNotIn(plain, html)
        for masked in ("+86 138****1234", "a***@example.com", "139****1111", "+86 137****6666"):
            self.assertIn(masked, html)
        self.assertIn("02112345678", html, "a supplier's phone is not a customer's")

    def test_report_plain_for_sensitive_data(self):
        html = self._render(self.sensitive, self.report, self.customer)
        self.assertIn("+86 138 1234 1234", html)
        self.assertIn("+86 137 5555 6666", html)

    def test_report_on_other_model_masks_its_customers(self):
        order = self.env["sale.order"].create({"partner_id": self.contact.id})
        html = self._render(self.user, self.order_report, order)
        self.assertNotIn("13900001111", html)
        self.assertNotIn("bob@example.com", html)
        self.assertIn("139****1111", html)
        self.assertIn("b***@example.com", html)

    def test_profile_print_is_logged(self):
        Log = self.env["customer.access.log"]
        self._render(self.user, self.report, self.customer | self.supplier)
        log = Log.search([("user_id", "=", self.user.id), ("action", "=", "print")])
        self.assertEqual(len(log), 1)
        self.assertEqual(log.res_model, "res.partner")
        self.assertEqual(log.res_ids, str(self.customer.id), "the supplier is no customer")
        self.assertEqual(log.reason, "Customer Card")
        self._render(self.user, self.report, self.supplier)
        self.assertEqual(Log.search_count([("action", "=", "print")]), 1)

    def test_mail_template_masked_but_recipient_plain(self):
        template = self.template.with_user(self.user)
        ids = self.customer.ids
        self.assertEqual(template._render_field("subject", ids)[self.customer.id],
                         "Your number +86 138****1234")
        body = template._render_field("body_html", ids)[self.customer.id]
        self.assertIn("+86 138****1234", body)
        self.assertIn("a***@example.com", body)
        self.assertNotIn("alice@example.com", body)
        self.assertEqual(template._render_field("email_to", ids)[self.customer.id],
                         "alice@example.com", "the message must still reach the customer")
        plain = self.template.with_user(self.sensitive)._render_field("body_html", ids)
        self.assertIn("+86 138 1234 1234", plain[self.customer.id])

    def test_composer_body_masked(self):
        composer = self.env["mail.compose.message"].with_user(self.user).with_context(
            default_model="res.partner", default_res_ids=self.customer.ids,
            default_template_id=self.template.id, default_composition_mode="comment",
        ).create({})
        self.assertIn("+86 138****1234", composer.body)
        self.assertNotIn("+86 138 1234 1234", composer.body)

    def test_no_sort_by_masked_value(self):
        Partner = self.env["res.partner"]
        for field in ("phone", "email", "phone_sanitized", "email_normalized"):
            query = Partner.with_user(self.user)._search([], order=f"{field} desc")
            self.assertNotIn(field, query.order.code, f"sorted by masked {field}")
            query = Partner.with_user(self.sensitive)._search([], order=f"{field} desc")
            self.assertIn(field, query.order.code)
        Point = self.env["customer.contact.point"]
        for user, sorted_by_value in ((self.user, False), (self.sensitive, True)):
            query = Point.with_user(user)._search([], order="value")
            self.assertEqual("value" in query.order.code, sorted_by_value)
