import base64
import io
import json
from datetime import timedelta

import openpyxl

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.sale.tests.common import TestSaleCommon

PRIVACY = "customer_file.group_customer_file_privacy_officer"


@tagged("post_install", "-at_install")
class TestDataRequest(TestSaleCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The user of TestSaleCommon sells and reads every customer's data.
        cls.env.user.group_ids += cls.env.ref(PRIVACY)
        cls.officer = new_test_user(
            cls.env, login="dsr_privacy", name="Privacy Officer",
            groups=f"base.group_user,{PRIVACY}",
        )
        cls.user = new_test_user(
            cls.env, login="dsr_user", name="Salesperson",
            groups="base.group_user,customer_file.group_customer_file_user,"
            "sales_team.group_sale_salesman",
        )
        cls.other_user = new_test_user(
            cls.env, login="dsr_other", groups="base.group_user,"
            "customer_file.group_customer_file_user",
        )
        cls.customer = cls.env["res.partner"].create({
            "name": "Zhang Min", "email": "zhang.min@example.com", "phone": "+86 138 0013 8000",
            "street": "1 Nanjing Road", "city": "Shanghai", "zip": "200001",
            "function": "=1+1", "customer_rank": 1, "user_id": cls.user.id,
            "birthdate": "1985-04-02", "identity_document_number": "110101198504020011",
        })
        cls.contact = cls.env["res.partner"].create({
            "name": "Zhang Min (office)", "parent_id": cls.customer.id,
            "email": "office@example.com",
        })
        cls.others_customer = cls.env["res.partner"].create({
            "name": "Someone Else", "customer_rank": 1, "user_id": cls.other_user.id,
        })
        cls.product = cls.env["product.product"].create({
            "name": "Phone X", "type": "consu", "invoice_policy": "order", "list_price": 800,
            "taxes_id": [Command.clear()],
        })

    def _request(self, request_type="access", user=None, **vals):
        Request = self.env["customer.data.request"].with_user(user or self.officer)
        return Request.create({
            "partner_id": self.customer.id, "request_type": request_type, **vals,
        })

    def _order(self, partner):
        order = self.env["sale.order"].create({
            "partner_id": partner.id,
            "order_line": [Command.create({
                "product_id": self.product.id, "product_uom_qty": 1, "price_unit": 800,
            })],
        })
        order.action_confirm()
        return order

    # Deadlines and workflow

    def test_deadline_follows_the_regulation_and_the_company_settings(self):
        received = fields.Date.to_date("2025-03-01")
        pipl = self._request(received_date=received, regulation="pipl")
        gdpr = self._request(received_date=received, regulation="gdpr")
        self.assertEqual(pipl.deadline, received + timedelta(days=15))
        self.assertEqual(gdpr.deadline, received + timedelta(days=30))
        config = self.env["customer.privacy.config"]._for_company(self.env.company)
        config.gdpr_response_days = 20
        later = self._request(received_date=received, regulation="gdpr")
        self.assertEqual(later.deadline, received + timedelta(days=20))

    def test_state_and_dates_move_only_through_the_buttons(self):
        request = self._request()
        with self.assertRaises(AccessError):
            request.with_user(self.officer).write({"state": "done"})
        with self.assertRaises(AccessError):
            request.with_user(self.officer).write({"deadline": "2099-01-01"})
        request.with_user(self.officer).action_start()
        self.assertEqual(request.state, "in_progress")
        request.with_user(self.officer).action_done()
        self.assertEqual(request.state, "done")
        self.assertEqual(request.done_date, fields.Date.context_today(request))
        with self.assertRaises(UserError):
            request.with_user(self.officer).action_start()
        with self.assertRaises(UserError):
            request.with_user(self.officer).unlink()

    def test_user_files_requests_for_own_customers_and_reads_only_those(self):
        mine = self._request(user=self.user)
        self.assertEqual(mine.create_uid, self.user)
        with self.assertRaises(AccessError):
            self.env["customer.data.request"].with_user(self.user).create({
                "partner_id": self.others_customer.id,
            })
        officers = self._request()
        visible = self.env["customer.data.request"].with_user(self.user).search([])
        self.assertIn(mine, visible)
        self.assertNotIn(officers, visible)
        with self.assertRaises(AccessError):
            mine.with_user(self.user).action_start()
        with self.assertRaises(AccessError):
            mine.with_user(self.user).write({"notes": "changed"})

    def test_overdue_requests_get_one_activity(self):
        old = fields.Date.context_today(self.env.user) - timedelta(days=40)
        overdue = self._request(received_date=old, user_id=self.officer.id)
        unassigned = self._request(received_date=old, regulation="gdpr")
        on_time = self._request()
        answered = self._request(received_date=old)
        answered.with_user(self.officer).action_done()
        self.assertTrue(overdue.is_overdue)
        Request = self.env["customer.data.request"]
        self.assertEqual(Request.search([("is_overdue", "=", True),
                                         ("id", "in", (overdue | on_time | answered).ids)]),
                         overdue)
        Request._cron_schedule_overdue_activities()
        Request._cron_schedule_overdue_activities()
        self.assertEqual(len(overdue.activity_ids), 1)
        self.assertEqual(overdue.activity_ids.user_id, self.officer)
        self.assertEqual(len(unassigned.activity_ids), 1)
        self.assertTrue(unassigned.activity_ids.user_id.has_group(PRIVACY))
        self.assertFalse(on_time.activity_ids)
        self.assertFalse(answered.activity_ids)

    # Export everything

    def test_export_everything_writes_json_and_xlsx_and_logs(self):
        self.env["customer.contact.point"].create({
            "partner_id": self.customer.id, "kind": "phone", "value": "+86 139 0000 0001",
        })
        self._order(self.customer)
        feedback = None
        if "customer.feedback" in self.env:
            feedback = self.env["customer.feedback"].create({
                "partner_id": self.customer.id, "summary": "Screen flickers",
            })
        request = self._request("portability")
        request.with_user(self.officer).action_export_subject_data()

        data = json.loads(base64.b64decode(request.export_json_file))
        self.assertIn("Zhang Min", [partner["name"] for partner in data["partners"]])
        self.assertIn("Zhang Min (office)", [partner["name"] for partner in data["partners"]])
        self.assertIn("110101198504020011",
                      [partner["identity_document_number"] for partner in data["partners"]])
        points = data["records"]["customer.contact.point"]["records"]
        self.assertEqual([point["value_normalized"] for point in points], ["+8613900000001"])
        lines = data["records"]["customer.purchase.line"]["records"]
        self.assertEqual([line["amount"] for line in lines], [800.0])
        if feedback is not None:
            summaries = [row["summary"] for row in data["records"]["customer.feedback"]["records"]]
            self.assertEqual(summaries, ["Screen flickers"])
        # Odoo's privacy lookup finds the sale order through its partner.
        self.assertIn("sale.order", data["references"])

        workbook = openpyxl.load_workbook(io.BytesIO(base64.b64decode(request.export_xlsx_file)))
        sheet = workbook["res.partner"]
        header = [cell.value for cell in sheet[1]]
        self.assertTrue(sheet["A1"].font.bold)
        self.assertEqual(sheet.freeze_panes, "A2")
        function = header.index("function") + 1
        cells = [sheet.cell(row=row, column=function) for row in range(2, sheet.max_row + 1)]
        formula_like = [cell for cell in cells if cell.value == "=1+1"]
        self.assertEqual(len(formula_like), 1)
        self.assertEqual(formula_like[0].data_type, "s")
        self.assertIn("customer.purchase.line", workbook.sheetnames)

        log = self.env["customer.access.log"].search([
            ("action", "=", "subject_export"), ("partner_id", "=", self.customer.id),
        ])
        self.assertEqual(len(log), 1)
        self.assertEqual(log.reason, request.name)
        self.assertEqual(log.user_id, self.officer)

    def test_export_results_are_for_privacy_officers_only(self):
        request = self._request(user=self.user)
        with self.assertRaises(AccessError):
            request.with_user(self.user).action_export_subject_data()
        request.with_user(self.officer).action_export_subject_data()
        with self.assertRaises(AccessError):
            request.with_user(self.user).read(["export_json_file"])
        attachments = self.env["ir.attachment"].with_user(self.user).search([
            ("res_model", "=", "customer.data.request"), ("res_id", "=", request.id),
            ("res_field", "in", ("export_json_file", "export_xlsx_file")),
        ])
        self.assertFalse(attachments)

    # Erasure

    def test_erasure_anonymizes_and_keeps_orders_and_invoices(self):
        Point = self.env["customer.contact.point"]
        Point.create({"partner_id": self.customer.id, "kind": "email",
                      "value": "zhang.min@example.com"})
        preference = self.env["customer.preference"].create({
            "partner_id": self.customer.id, "preference_type": "brand", "brand": "Acme",
        })
        interaction = self.env["customer.interaction"].create({
            "partner_id": self.customer.id, "summary": "Called about her mother's surgery",
            "description": "<p>Private details</p>",
        })
        order = self._order(self.customer)
        invoice = order._create_invoices()
        invoice.action_post()
        lines = self.env["customer.purchase.line"].search([("partner_id", "=", self.customer.id)])
        self.assertTrue(lines)
        request = self._request("erasure")

        with self.assertRaises(AccessError):
            request.with_user(self.user).action_erase_subject_data()
        with self.assertRaises(UserError):
            self._request("access").with_user(self.officer).action_erase_subject_data()
        request.with_user(self.officer).action_erase_subject_data()

        customer = self.customer.sudo()
        self.assertEqual(customer.name, f"Erased customer {customer.id}")
        self.assertFalse(customer.email)
        self.assertFalse(customer.phone)
        self.assertFalse(customer.street)
        self.assertFalse(customer.birthdate)
        self.assertFalse(customer.identity_document_number)
        self.assertTrue(customer.customer_file_erased_date)
        self.assertFalse(self.contact.email)
        self.assertEqual(self.contact.name, f"Erased customer {self.contact.id}")
        self.assertFalse(Point.search([("partner_id", "in", (customer | self.contact).ids)]))
        self.assertFalse(preference.exists())
        self.assertEqual(interaction.summary, "Erased")
        self.assertFalse(interaction.description)
        # Orders, invoices and purchases stay valid, on the anonymized customer.
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.partner_id, customer)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.partner_id, customer)
        self.assertEqual(invoice.amount_untaxed, 800.0)
        self.assertTrue(lines.exists())
        # The invoice is unpaid: the customer stays active for accounting.
        self.assertTrue(customer.active)
        log = self.env["customer.access.log"].search([
            ("action", "=", "subject_erasure"), ("partner_id", "=", customer.id),
        ])
        self.assertEqual(len(log), 1)
        self.assertEqual(log.reason, request.name)
        self.assertTrue(request.erasure_date)

    def test_erasure_archives_a_customer_nothing_keeps_open(self):
        lone = self.env["res.partner"].create({"name": "Wang Fang", "customer_rank": 1,
                                               "email": "wf@example.com"})
        request = self.env["customer.data.request"].with_user(self.officer).create({
            "partner_id": lone.id, "request_type": "erasure",
        })
        request.with_user(self.officer).action_erase_subject_data()
        lone = lone.with_context(active_test=False)
        self.assertFalse(lone.active)
        self.assertFalse(lone.email)

    def test_erase_method_refuses_users(self):
        with self.assertRaises(AccessError):
            self.env["customer.data.request"].with_user(self.user)._erase_partners(
                self.customer, reason="test"
            )
