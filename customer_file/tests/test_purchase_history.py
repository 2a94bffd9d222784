from datetime import timedelta

import psycopg2

from odoo import fields
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.sale.tests.common import TestSaleCommon


@tagged("post_install", "-at_install")
class TestPurchaseHistory(TestSaleCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        cls.phones = Category.create({"name": "Phones"})
        cls.accessories = Category.create({"name": "Accessories"})
        product_values = {"type": "consu", "invoice_policy": "order", "taxes_id": [Command.clear()]}
        cls.phone = cls.env["product.product"].create(
            {**product_values, "name": "Phone X", "categ_id": cls.phones.id, "list_price": 800}
        )
        cls.case = cls.env["product.product"].create(
            {**product_values, "name": "Case", "categ_id": cls.accessories.id, "list_price": 20}
        )
        # The salesperson of these orders reads the figures as a Customer File Officer
        # (test_access covers one without the app).
        cls.env.user.group_ids += cls.env.ref("customer_file.group_customer_file_officer")
        cls.customer = cls.env["res.partner"].create({"name": "王芳"})
        cls.company_customer = cls.env["res.partner"].create(
            {"name": "Harbour Trading Ltd", "is_company": True}
        )
        cls.buyer = cls.env["res.partner"].create(
            {"name": "Li Lei", "parent_id": cls.company_customer.id}
        )

    def _order(self, partner, lines, confirm=True, **values):
        order = self.env["sale.order"].create({
            "partner_id": partner.id,
            "order_line": [
                Command.create(
                    {"product_id": product.id, "product_uom_qty": qty, "price_unit": price}
                )
                for product, qty, price in lines
            ],
            **values,
        })
        if confirm:
            order.action_confirm()
        return order

    def test_a_salesperson_without_the_app_confirms_orders(self):
        salesperson = new_test_user(self.env, login="ph_plain_sales",
                                    groups="sales_team.group_sale_salesman_all_leads")
        order = self._order(self.customer, [(self.phone, 1, 800)], confirm=False)
        order.with_user(salesperson).action_confirm()
        self.assertEqual(self._lines(self.customer).mapped("amount"), [800.0])
        self.assertEqual(self.customer.sudo().lifetime_spend, 800.0)
        with self.assertRaises(AccessError):
            self.customer.with_user(salesperson).read(["lifetime_spend"])

    def _lines(self, partner):
        return self.env["customer.purchase.line"].sudo().search(
            [("commercial_partner_id", "=", partner.commercial_partner_id.id)]
        )

    def _days(self, partner):
        """The daily summary of a commercial partner, oldest first, summed per key (new
        lines append rows that the nightly job compacts)."""
        self.env.flush_all()
        return [tuple(row) for row in self.env.execute_query(SQL(
            """
            SELECT date, source, is_refund, SUM(document_count)::int, SUM(amount)::float
              FROM customer_purchase_day WHERE commercial_partner_id = %s
             GROUP BY date, source, is_refund ORDER BY date, source, is_refund
            """,
            partner.id,
        ))]

    def _assert_daily_summary_is_what_a_rebuild_gives(self):
        query = SQL(
            "SELECT partner_id, commercial_partner_id, company_id, date, source, is_refund,"
            " SUM(document_count), SUM(amount) FROM customer_purchase_day"
            " GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"
        )
        self.env.flush_all()
        kept = self.env.execute_query(query)
        self.env["customer.purchase.day"].sudo()._rebuild()
        self.assertEqual(self.env.execute_query(query), kept)

    def test_confirmed_order_writes_history_and_aggregates(self):
        order = self._order(self.customer, [(self.phone, 1, 800), (self.case, 2, 20)])
        lines = self._lines(self.customer)
        self.assertEqual(len(lines), 2)
        self.assertEqual(set(lines.mapped("source")), {"sale"})
        self.assertEqual(lines.sale_order_id, order)
        self.assertEqual(sorted(lines.mapped("amount")), [40.0, 800.0])
        self.assertEqual(lines.product_categ_id, self.phones | self.accessories)
        today = fields.Date.context_today(order)
        self.assertEqual(self.customer.first_purchase_date, today)
        self.assertEqual(self.customer.last_purchase_date, today)
        self.assertEqual(self.customer.purchase_order_count, 1)
        self.assertEqual(self.customer.lifetime_spend, 840.0)
        self.assertEqual(self.customer.spend_12m, 840.0)
        self.assertEqual(self.customer.average_order_value, 840.0)
        # Favourite categories read the whole history: the daily job refreshes them.
        self.env["res.partner"]._cron_refresh_ages_and_recent_spend()
        self.assertEqual(self.customer.favourite_category_ids, self.phones | self.accessories)
        self.assertTrue(self.customer.customer_code, "the first purchase gives a customer code")

    def test_draft_and_cancelled_orders_do_not_count(self):
        self._order(self.customer, [(self.phone, 1, 800)], confirm=False)
        self.assertFalse(self._lines(self.customer))
        order = self._order(self.customer, [(self.phone, 1, 800)])
        self.assertEqual(self.customer.purchase_order_count, 1)
        order._action_cancel()
        self.assertFalse(self._lines(self.customer))
        self.assertEqual(self.customer.purchase_order_count, 0)
        self.assertEqual(self.customer.lifetime_spend, 0.0)
        self.assertFalse(self.customer.last_purchase_date)

    def test_editing_a_confirmed_order_rebuilds_its_lines(self):
        order = self._order(self.customer, [(self.phone, 1, 800)])
        order.order_line.product_uom_qty = 2
        self.assertEqual(self._lines(self.customer).amount, 1600.0)
        order.write(
            {"order_line": [Command.create({"product_id": self.case.id, "price_unit": 20})]}
        )
        self.assertEqual(len(self._lines(self.customer)), 2)
        self.assertEqual(self.customer.lifetime_spend, 1620.0)

    def test_syncing_twice_never_counts_twice(self):
        order = self._order(self.customer, [(self.phone, 1, 800)])
        self.env["customer.purchase.line"].sudo()._sync_sale_orders(order)
        self.env["customer.purchase.line"].sudo()._sync_sale_orders(order)
        self.assertEqual(len(self._lines(self.customer)), 1)
        self.assertEqual(self.customer.lifetime_spend, 800.0)

    def test_company_rolls_up_its_contacts(self):
        self._order(self.buyer, [(self.phone, 1, 800)])
        self._order(self.company_customer, [(self.case, 1, 20)])
        self.assertEqual(self.buyer.purchase_order_count, 1)
        self.assertEqual(self.buyer.lifetime_spend, 800.0)
        self.assertEqual(self.company_customer.purchase_order_count, 2)
        self.assertEqual(self.company_customer.lifetime_spend, 820.0)
        self.assertTrue(self.company_customer.customer_code)
        self.assertFalse(self.buyer.customer_code, "contacts of a company share its code")

    def test_a_contact_changing_company_takes_its_purchases_along(self):
        self._order(self.buyer, [(self.phone, 1, 800)])
        other_company = self.env["res.partner"].create({"name": "New employer", "is_company": True})
        self.buyer.parent_id = other_company
        self.assertEqual(self.company_customer.lifetime_spend, 0.0)
        self.assertEqual(self.company_customer.purchase_order_count, 0)
        self.assertEqual(other_company.lifetime_spend, 800.0)
        self.assertEqual(self._lines(self.buyer).commercial_partner_id, other_company)

    def test_merging_contacts_merges_their_purchases(self):
        self._order(self.customer, [(self.phone, 1, 800)])
        duplicate = self.env["res.partner"].create({"name": "王芳 (WeChat)"})
        self._order(duplicate, [(self.case, 2, 20)])
        self.env["base.partner.merge.automatic.wizard"]._merge(
            (duplicate | self.customer).ids, self.customer
        )
        self.assertEqual(len(self._lines(self.customer)), 2)
        self.assertEqual((self.customer.purchase_order_count, self.customer.lifetime_spend),
                         (2, 840.0))
        self.assertEqual(self._days(self.customer),
                         [(fields.Date.context_today(self.customer), "sale", False, 2, 840.0)],
                         "the same day's rows of both contacts are one")
        self._assert_daily_summary_is_what_a_rebuild_gives()

    def test_a_merged_contact_brings_its_purchases_to_the_company_of_the_kept_one(self):
        self._order(self.buyer, [(self.phone, 1, 800)])
        new_employer = self.env["res.partner"].create(
            {"name": "Pearl Logistics", "is_company": True}
        )
        kept = self.env["res.partner"].create({"name": "Li Lei", "parent_id": new_employer.id})
        self.env["base.partner.merge.automatic.wizard"]._merge((self.buyer | kept).ids, kept)
        self.assertEqual(self._lines(kept).partner_id, kept)
        self.assertEqual(self._lines(kept).commercial_partner_id, new_employer)
        self.assertEqual((new_employer.purchase_order_count, new_employer.lifetime_spend),
                         (1, 800.0))
        self.assertEqual(self.company_customer.purchase_order_count, 0)
        self._assert_daily_summary_is_what_a_rebuild_gives()

    def test_batch_confirmation(self):
        orders = self.env["sale.order"]
        customers = self.env["res.partner"].create([{"name": f"Batch {i}"} for i in range(20)])
        for customer in customers:
            orders |= self._order(customer, [(self.case, 1, 20)], confirm=False)
        orders.action_confirm()
        self.assertEqual(
            self.env["customer.purchase.line"].sudo().search_count(
                [("partner_id", "in", customers.ids)]
            ),
            20,
        )
        self.assertEqual(set(customers.mapped("purchase_order_count")), {1})
        self.assertEqual(len(set(customers.mapped("customer_code"))), 20)

    def test_other_currency_is_converted_to_company_currency(self):
        other = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        pricelist = self.env["product.pricelist"].create({"name": "EUR", "currency_id": other.id})
        self._order(self.customer, [(self.phone, 1, 800)], pricelist_id=pricelist.id)
        self.assertAlmostEqual(self._lines(self.customer).amount, 400.0)

    def test_credit_note_nets_the_spend(self):
        order = self._order(self.customer, [(self.phone, 2, 800)])
        invoice = order._create_invoices()
        invoice.action_post()
        reversal = self.env["account.move.reversal"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"journal_id": invoice.journal_id.id, "reason": "returned"})
        credit_note = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        with Form(credit_note) as form, form.invoice_line_ids.edit(0) as line:
            line.quantity = 1
        credit_note.action_post()
        refund = self._lines(self.customer).filtered("is_refund")
        self.assertEqual(refund.amount, -800.0)
        self.assertEqual(refund.quantity, -1)
        self.assertEqual(
            sorted(row[1:] for row in self._days(self.customer)),
            [("sale", False, 1, 1600.0), ("sale_refund", True, 1, -800.0)],
            "the credit note is a refund row of its own, beside the order's",
        )
        self.assertEqual(self.customer.lifetime_spend, 800.0)
        self.assertEqual(self.customer.purchase_order_count, 1, "a refund is not an order")
        credit_note.button_draft()
        self.assertFalse(self._lines(self.customer).filtered("is_refund"))
        self.assertEqual(self.customer.lifetime_spend, 1600.0)

    def test_imported_lines_count_once_and_slide_out_of_twelve_months(self):
        Line = self.env["customer.purchase.line"].sudo()
        old = fields.Date.today() - timedelta(days=400)
        values = {
            "partner_id": self.customer.id, "date": old, "source": "import",
            "external_ref": "legacy:SO-1:1", "document_ref": "legacy:SO-1",
            "document_name": "SO-1", "product_id": self.phone.id, "quantity": 1, "amount": 500,
        }
        Line.create(values)
        self.assertEqual(self.customer.lifetime_spend, 500.0)
        self.assertEqual(self.customer.spend_12m, 0.0)
        self.assertEqual(self.customer.first_purchase_date, old)
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.UniqueViolation), \
                self.cr.savepoint():
            Line.create(values)
        self.assertEqual(self.customer.lifetime_spend, 500.0)

    def test_purchase_history_action_is_scoped_to_the_customer(self):
        self._order(self.buyer, [(self.phone, 1, 800)])
        action = self.company_customer.action_open_purchase_history()
        lines = self.env["customer.purchase.line"].sudo().search(action["domain"])
        self.assertEqual(lines.partner_id, self.buyer)
        self.assertEqual(lines.commercial_partner_id, self.company_customer)

    def test_daily_summary_follows_every_change_of_the_history(self):
        Line = self.env["customer.purchase.line"].sudo()
        first = self._order(self.customer, [(self.phone, 1, 800), (self.case, 2, 20)])
        day = first.date_order.date()
        self.assertEqual(self._days(self.customer), [(day, "sale", False, 1, 840.0)],
                         "one order of two lines is one document")
        second = self._order(self.customer, [(self.case, 1, 20)], date_order=first.date_order)
        self.assertEqual(self._days(self.customer), [(day, "sale", False, 2, 860.0)])

        old = day - timedelta(days=10)
        imported = Line.create({
            "partner_id": self.customer.id, "date": old, "source": "import",
            "external_ref": "legacy:7:1", "document_ref": "legacy:7", "document_name": "7",
            "quantity": 1, "amount": 500,
        })
        self.assertEqual(self._days(self.customer)[0], (old, "import", False, 1, 500.0))
        imported.date = old - timedelta(days=5)
        self.assertEqual(self._days(self.customer)[0][0], old - timedelta(days=5))
        imported.unlink()
        second._action_cancel()
        self.assertEqual(self._days(self.customer), [(day, "sale", False, 1, 840.0)])

        self._order(self.buyer, [(self.phone, 1, 800)])
        self.assertEqual(self._days(self.company_customer), [(day, "sale", False, 1, 800.0)],
                         "a contact's purchases are summed on its company")
        other_company = self.env["res.partner"].create({"name": "New employer", "is_company": True})
        self.buyer.parent_id = other_company
        self.assertFalse(self._days(self.company_customer))
        self.assertEqual(self._days(other_company), [(day, "sale", False, 1, 800.0)])
        self._assert_daily_summary_is_what_a_rebuild_gives()
