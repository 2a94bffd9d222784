from datetime import datetime, timedelta

from odoo import fields
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL

from odoo.addons.sale.tests.common import TestSaleCommon


@tagged("post_install", "-at_install")
class TestPurchaseSources(TestSaleCommon):
    """Backfill, invoices as a source, time zone, companies: the history against the
    documents it comes from."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        values = {"type": "consu", "invoice_policy": "order", "taxes_id": [Command.clear()]}
        cls.phone = cls.env["product.product"].create(
            {**values, "name": "Phone Y", "list_price": 500}
        )
        cls.service = cls.env["product.product"].create(
            {**values, "name": "Repair", "type": "service", "list_price": 100}
        )
        cls.env.user.group_ids += cls.env.ref("customer_file.group_customer_file_manager")
        cls.customer = cls.env["res.partner"].create({"name": "陈静"})
        cls.Line = cls.env["customer.purchase.line"].sudo()

    # Helpers

    def _order(self, partner, lines, confirm=True, **values):
        order = self.env["sale.order"].create({
            "partner_id": partner.id,
            "order_line": [
                Command.create({"product_id": product.id, "product_uom_qty": qty,
                                "price_unit": price})
                for product, qty, price in lines
            ],
            **values,
        })
        if confirm:
            order.action_confirm()
        return order

    def _invoice(self, partner, lines, move_type="out_invoice", post=True, **values):
        move = self.env["account.move"].create({
            "move_type": move_type,
            "partner_id": partner.id,
            "invoice_date": values.pop("invoice_date", fields.Date.today()),
            "invoice_line_ids": [
                Command.create({"product_id": product.id, "quantity": qty, "price_unit": price,
                                "tax_ids": [Command.clear()]})
                for product, qty, price in lines
            ],
            **values,
        })
        if post:
            move.action_post()
        return move

    def _refund(self, invoice, quantity=None):
        reversal = self.env["account.move.reversal"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"journal_id": invoice.journal_id.id, "reason": "returned"})
        credit_note = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        if quantity is not None:
            with Form(credit_note) as form, form.invoice_line_ids.edit(0) as line:
                line.quantity = quantity
        credit_note.action_post()
        return credit_note

    def _down_payment(self, order, amount):
        wizard = self.env["sale.advance.payment.inv"].with_context(
            active_model="sale.order", active_ids=order.ids, active_id=order.id
        ).create({"advance_payment_method": "fixed", "fixed_amount": amount})
        wizard.create_invoices()
        return order.invoice_ids.sorted("id")[-1]

    def _final_invoice(self, order):
        self.env["sale.advance.payment.inv"].with_context(
            active_model="sale.order", active_ids=order.ids, active_id=order.id
        ).create({"advance_payment_method": "delivered"}).create_invoices()
        return order.invoice_ids.sorted("id")[-1]

    def _history(self, partner):
        """(source, document_ref, amount) of a customer's lines, sorted."""
        return sorted(
            (line.source, line.document_ref, round(line.amount, 2))
            for line in self.Line.search(
                [("commercial_partner_id", "=", partner.commercial_partner_id.id)]
            )
        )

    def _totals(self, partner):
        partner.invalidate_recordset()
        return (partner.purchase_order_count, round(partner.lifetime_spend, 2))

    def _set_basis(self, basis, company=None):
        company = company or self.env.company
        company.customer_purchase_basis = basis
        self.env["customer.purchase.backfill"]._run_pending()

    def _summary(self):
        """The daily summary summed per key, to compare with what a rebuild gives."""
        self.env.flush_all()
        return self.env.execute_query(SQL(
            "SELECT partner_id, commercial_partner_id, company_id, date, source, is_refund,"
            " SUM(document_count), SUM(amount) FROM customer_purchase_day"
            " GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"
        ))

    def _forget_history(self, partners):
        """The history as it was before the addon: no lines, no summary for them."""
        self.env.flush_all()
        ids = partners.ids
        self.env.cr.execute(SQL(
            "DELETE FROM customer_purchase_line WHERE commercial_partner_id = ANY(%(ids)s)"
            " OR partner_id = ANY(%(ids)s);"
            "DELETE FROM customer_purchase_day WHERE commercial_partner_id = ANY(%(ids)s)"
            " OR partner_id = ANY(%(ids)s)",
            ids=ids,
        ))
        self.env.invalidate_all()

    # 1. Backfill

    def test_backfill_brings_back_every_document_and_changes_nothing_the_second_time(self):
        archived = self.env["res.partner"].create({"name": "Old Customer Ltd", "is_company": True})
        orders = self._order(self.customer, [(self.phone, 2, 500), (self.service, 1, 100)])
        orders |= self._order(archived, [(self.phone, 1, 500)])
        self._order(self.customer, [(self.phone, 1, 500)], confirm=False)  # a quotation
        direct = self._invoice(self.customer, [(self.service, 3, 100)])
        order_invoice = orders[0]._create_invoices()
        order_invoice.action_post()
        self._refund(order_invoice, quantity=1)
        archived.action_archive()
        customers = self.customer | archived
        expected = {partner: self._history(partner) for partner in customers}
        expected_totals = {partner: self._totals(partner) for partner in customers}
        summary = self._summary()
        self.assertEqual(len(expected[self.customer]), 5, "2 order lines, 1 invoice line and "
                         "2 credit note lines (the order's invoice is the order)")
        self.assertIn(("sale", f"account.move,{direct.id}", 300.0), expected[self.customer])

        self._forget_history(customers)
        self.assertEqual(self._totals(self.customer), (0, 0.0))
        run = self.env["customer.purchase.backfill"]._start()
        # Interrupted after one batch of 10 ids, then resumed where it stopped.
        self.assertFalse(run._run(batch_size=10, max_batches=1))
        self.assertEqual((run.state, run.batch_count), ("running", 1))
        self.assertLess(run.progress, 100.0)
        self.assertTrue(run._run(batch_size=10))
        self.assertEqual(run.state, "done")
        self.assertEqual(run.progress, 100.0)
        for partner in customers:
            self.assertEqual(self._history(partner), expected[partner], partner.name)
            self.assertEqual(self._totals(partner), expected_totals[partner], partner.name)
        self.assertEqual(self._summary(), summary)
        self.assertTrue(archived.customer_code)

        again = self.env["customer.purchase.backfill"]._start()
        again._run(batch_size=10)
        self.assertEqual(again.lines_added, 0, "a second rebuild adds nothing")
        self.assertEqual(self._summary(), summary)

    def test_an_order_backfilled_across_batches_counts_once(self):
        order = self._order(self.customer, [(self.phone, 1, 500), (self.service, 1, 100),
                                            (self.service, 2, 100)])
        summary = self._summary()
        self._forget_history(self.customer)
        self.env.cr.execute(SQL(
            "DELETE FROM res_partner_favourite_category_rel WHERE partner_id = %s",
            self.customer.id,
        ))
        self.customer.invalidate_recordset(["favourite_category_ids"])
        self.assertFalse(self.customer.favourite_category_ids)
        run = self.env["customer.purchase.backfill"]._start(sources=["sale"])
        # One sale order line id per batch: the order's lines come in three batches.
        run.write({"first_id": min(order.order_line.ids), "last_id": min(order.order_line.ids),
                   "current_source": "sale", "max_id": max(order.order_line.ids)})
        self.assertTrue(run._run(batch_size=1))
        self.assertEqual(run.lines_added, 3)
        self.assertEqual(self._summary(), summary)
        self.assertEqual(self._totals(self.customer), (1, 800.0))
        # The end of the run recomputes the favourite categories of the customers it added
        # lines to.
        self.assertEqual(self.customer.favourite_category_ids, self.phone.categ_id)

    def test_rebuild_is_for_managers_and_shows_its_progress(self):
        officer = new_test_user(self.env, login="bf_officer",
                                groups="customer_file.group_customer_file_officer")
        with self.assertRaises(Exception):  # noqa: B017 - AccessError, whatever its wording
            self.env["customer.purchase.backfill"].with_user(officer)\
                .action_rebuild_purchase_history()
        manager = new_test_user(self.env, login="bf_manager",
                                groups="customer_file.group_customer_file_manager")
        action = self.env["customer.purchase.backfill"].with_user(manager)\
            .action_rebuild_purchase_history()
        run = self.env["customer.purchase.backfill"].with_user(manager).browse(action["res_id"])
        self.assertEqual(run.state, "running")
        self.assertEqual(run.progress, 0.0)

    # 2. Invoices as a source

    def test_an_order_invoiced_in_two_parts_counts_once(self):
        order = self._order(self.customer, [(self.phone, 2, 500)])
        for quantity in (1, 1):
            invoice = order._create_invoices()
            with Form(invoice) as form, form.invoice_line_ids.edit(0) as line:
                line.quantity = quantity
            invoice.action_post()
        self.assertEqual(self._totals(self.customer), (1, 1000.0), "by order: the order")
        self._set_basis("invoice")
        self.assertEqual(self._totals(self.customer), (2, 1000.0), "by invoice: two invoices")
        self.assertEqual({source for source, _ref, _amount in self._history(self.customer)},
                         {"sale"})

    def test_a_down_payment_counts_once(self):
        order = self._order(self.customer, [(self.phone, 2, 500)])
        down = self._down_payment(order, 300)
        down.action_post()
        final = self._final_invoice(order)
        final.action_post()
        self.assertEqual(self._totals(self.customer), (1, 1000.0))
        self.assertEqual(len(self._history(self.customer)), 1, "only the order line")
        self._set_basis("invoice")
        self.assertEqual(round(self.customer.lifetime_spend, 2), 1000.0,
                         "the down payment and its deduction from the final invoice net out")
        self._set_basis("order")
        self.assertEqual(self._totals(self.customer), (1, 1000.0))

    def test_a_partial_refund_of_an_order_nets_it_once(self):
        order = self._order(self.customer, [(self.phone, 2, 500)])
        invoice = order._create_invoices()
        invoice.action_post()
        self._refund(invoice, quantity=1)
        self.assertEqual(self._totals(self.customer), (1, 500.0))
        self._set_basis("invoice")
        self.assertEqual(self._totals(self.customer), (1, 500.0))

    def test_a_cancelled_invoice_leaves_the_history(self):
        invoice = self._invoice(self.customer, [(self.service, 2, 100)])
        self.assertEqual(self._totals(self.customer), (1, 200.0))
        invoice.button_cancel()
        self.assertEqual(self._totals(self.customer), (0, 0.0))
        self.assertFalse(self._history(self.customer))

    def test_a_credit_note_larger_than_its_invoice_nets_below_zero_and_is_no_order(self):
        invoice = self._invoice(self.customer, [(self.service, 1, 100)])
        self._invoice(self.customer, [(self.service, 3, 100)], move_type="out_refund",
                      reversed_entry_id=invoice.id)
        self.assertEqual(self._totals(self.customer), (1, -200.0))
        self.assertEqual(self.customer.last_purchase_date, invoice.invoice_date)

    def test_a_foreign_currency_invoice_counts_in_company_currency(self):
        currency = self.setup_other_currency("EUR", rates=[("2000-01-01", 4.0)])
        self._invoice(self.customer, [(self.service, 1, 400)], currency_id=currency.id)
        self.assertEqual(self._totals(self.customer), (1, 100.0))

    # 5. Time zone

    def test_dates_are_cut_in_the_company_time_zone(self):
        self.env.company.partner_id.tz = "Asia/Shanghai"
        # 07:00 in Shanghai on 2 March is 23:00 UTC on 1 March.
        order = self._order(self.customer, [(self.phone, 1, 500)])
        order.date_order = datetime(2026, 3, 1, 23, 0)
        self.assertEqual(self.Line.search([("sale_order_id", "=", order.id)]).date,
                         fields.Date.to_date("2026-03-02"))
        self.assertEqual(self.customer.last_purchase_date, fields.Date.to_date("2026-03-02"))

    # Bad input

    def test_an_order_dated_in_the_future_counts_from_its_day(self):
        future = datetime.now() + timedelta(days=30)
        self._order(self.customer, [(self.phone, 1, 500)]).date_order = future
        self.assertEqual(len(self._history(self.customer)), 1, "in the history at its date")
        self.assertEqual(self._totals(self.customer), (0, 0.0),
                         "not a purchase of the customer before its day")
        self.assertFalse(self.customer.last_purchase_date)

    # 6. Companies and currencies

    def test_each_company_sees_its_own_figures_in_its_own_currency(self):
        other = self.setup_other_company(name="Customer File HK")["company"]
        other.currency_id = self.setup_other_currency("HKD", rates=[("2000-01-01", 8.0)])
        self.env.user.company_ids += other
        self._order(self.customer, [(self.phone, 1, 500)])
        self._invoice(self.customer.with_company(other), [(self.service, 2, 800)],
                      company_id=other.id, currency_id=other.currency_id.id)
        mine = self.customer.with_company(self.env.company)
        theirs = self.customer.with_company(other)
        # Read in one go, without invalidation between the companies.
        self.assertEqual(
            [(partner.purchase_currency_id, partner.lifetime_spend) for partner in (mine, theirs)],
            [(self.env.company.currency_id, 500.0), (other.currency_id, 1600.0)],
        )
        self.assertEqual(self._totals(mine), (1, 500.0))
        self.assertEqual(mine.purchase_currency_id, self.env.company.currency_id)
        self.assertEqual(self._totals(theirs), (1, 1600.0))
        self.assertEqual(theirs.purchase_currency_id, other.currency_id)
        self.assertIn(self.customer, self.env["res.partner"].with_company(other).search(
            [("lifetime_spend", ">", 1000), ("id", "=", self.customer.id)]))
        self.assertFalse(self.env["res.partner"].search(
            [("lifetime_spend", ">", 1000), ("id", "=", self.customer.id)]))

    # 7. One definition, searchable totals

    def test_totals_search_like_they_read(self):
        buyer = self.env["res.partner"].create({"name": "Buyer"})
        self._order(buyer, [(self.phone, 1, 500)])
        nobody = self.env["res.partner"].create({"name": "Prospect"})
        Partner = self.env["res.partner"]
        both = [("id", "in", (buyer | nobody).ids)]
        self.assertEqual(Partner.search(both + [("purchase_order_count", ">", 0)]), buyer)
        self.assertEqual(Partner.search(both + [("purchase_order_count", "=", 0)]), nobody)
        self.assertEqual(Partner.search(both + [("last_purchase_date", "=", False)]), nobody)
        self.assertEqual(Partner.search(both + [("spend_12m", "!=", 0)]), buyer)
        self.assertEqual(Partner.search(both + [("first_purchase_date", "<=", "2999-01-01")]),
                         buyer)
        self.assertEqual(Partner.search(both + [("average_order_value", ">=", 500)]), buyer)

    def test_lists_sort_by_the_totals_of_the_current_company(self):
        small = self.env["res.partner"].create({"name": "Small Buyer"})
        big = self.env["res.partner"].create({"name": "Big Buyer"})
        nobody = self.env["res.partner"].create({"name": "Prospect"})
        self._order(small, [(self.phone, 1, 100)])
        self._order(big, [(self.phone, 1, 900)])
        self._order(big, [(self.phone, 1, 900)])
        Partner = self.env["res.partner"]
        domain = [("id", "in", (small | big | nobody).ids)]
        self.assertEqual(Partner.search(domain, order="lifetime_spend desc, id"),
                         big | small | nobody)
        self.assertEqual(Partner.search(domain, order="purchase_order_count asc, id"),
                         nobody | small | big)
        self.assertEqual(Partner.search(domain, order="average_order_value desc, id"),
                         big | small | nobody)
        self.assertEqual(
            Partner.search(domain, order="last_purchase_date desc nulls last, spend_12m desc")[-1],
            nobody,
        )
        fields_sortable = Partner.fields_get(
            ["lifetime_spend", "last_purchase_date", "spend_12m"], ["sortable"]
        )
        self.assertTrue(all(description["sortable"] for description in fields_sortable.values()))
