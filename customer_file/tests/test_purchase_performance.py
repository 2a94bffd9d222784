from datetime import date, timedelta

from odoo.fields import Command
from odoo.tests import Form, TransactionCase, tagged
from odoo.tools import SQL


@tagged("post_install", "-at_install")
class TestPurchasePerformance(TransactionCase):
    """Query counts that must not grow with the size of a customer's history."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product = cls.env["product.product"].create(
            {"name": "Widget", "list_price": 10, "taxes_id": [Command.clear()]}
        )

    def _customer_with_history(self, name, purchases, interactions):
        partner = self.env["res.partner"].create({"name": name})
        start = date(2020, 1, 1)
        self.env.cr.execute(
            """
            INSERT INTO customer_purchase_line
                   (partner_id, commercial_partner_id, company_id, date, source, external_ref,
                    document_ref, document_name, product_id, quantity, amount)
            -- the lines of one order (n / 3) are dated on one day, as every source makes them
            SELECT %(partner)s, %(partner)s, %(company)s, %(start)s::date + ((n / 3) %% 2000),
                   'import', %(name)s || ':' || n, %(name)s || ':' || (n / 3), 'BULK', %(product)s,
                   1, 10
              FROM generate_series(1, %(count)s) n
            """,
            {
                "partner": partner.id,
                "company": self.env.company.id,
                "start": start,
                "name": name,
                "product": self.product.id,
                "count": purchases,
            },
        )
        self.env["customer.interaction"].create(
            [
                {
                    "partner_id": partner.id,
                    "summary": f"Call {n}",
                    "interaction_type": "call",
                    "date": start + timedelta(days=n),
                }
                for n in range(interactions)
            ]
        )
        self.env["res.partner"]._recompute_purchase_history(partner.ids)
        self.env.invalidate_all()
        return partner

    def _queries_to_open(self, partner):
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        with Form(partner) as form:
            self.assertTrue(form.name)
        return self.env.cr.sql_log_count - before

    def test_opening_a_big_customer_costs_the_same_queries(self):
        small = self._customer_with_history("small", purchases=10, interactions=3)
        big = self._customer_with_history("big", purchases=10_000, interactions=500)
        self.assertEqual(big.purchase_order_count, 3334)
        self._queries_to_open(small)  # warm the caches shared by both
        self.assertEqual(self._queries_to_open(big), self._queries_to_open(small))

    def _customer_with_orders(self, name, orders):
        """A company and one of its contacts who bought in ``orders`` confirmed sale orders of
        five lines each (a tracked product among them: owned products follow), as the
        history of a customer grows in use."""
        company = self.env["res.partner"].create({"name": name, "is_company": True})
        contact = self.env["res.partner"].create({"name": f"{name} buyer", "parent_id": company.id})
        sale_orders = self.env["sale.order"].create([
            {
                "partner_id": (company if n % 2 else contact).id,
                "order_line": [Command.create({"product_id": self.tracked.id})] + [
                    Command.create({"product_id": self.product.id, "product_uom_qty": k + 1})
                    for k in range(4)
                ],
            }
            for n in range(orders)
        ])
        sale_orders.action_confirm()
        self.env["res.partner"]._recompute_purchase_history((company | contact).ids)
        self.env.invalidate_all()
        return company

    def test_opening_a_customer_costs_the_same_queries_however_many_orders(self):
        self.tracked = self.env["product.product"].create({
            "name": "Tracked Phone", "list_price": 300, "taxes_id": [Command.clear()],
            "customer_file_track_owned": True,
        })
        # Two orders: the company and its contact each have one, and an owned product (a
        # form reads a non-empty list of owned products in a few queries, however long).
        small = self._customer_with_orders("Few Orders Ltd", orders=2)
        big = self._customer_with_orders("Many Orders Ltd", orders=60)
        self.assertEqual(
            self.env["customer.purchase.line"].search_count(
                [("commercial_partner_id", "=", big.id)]
            ),
            300,
        )
        self.assertEqual(big.purchase_order_count, 60)
        self.assertEqual(len(big.child_ids.owned_product_ids | big.owned_product_ids), 60)
        self._queries_to_open(small)  # warm the caches shared by both
        self.assertEqual(self._queries_to_open(big), self._queries_to_open(small))
        contact = big.child_ids
        self.assertEqual(self._queries_to_open(contact), self._queries_to_open(small.child_ids))

    def test_confirming_orders_in_a_batch_costs_bounded_queries(self):
        def confirm(count):
            customers = self.env["res.partner"].create([{"name": f"B{n}"} for n in range(count)])
            orders = self.env["sale.order"].create(
                [
                    {
                        "partner_id": customer.id,
                        "order_line": [Command.create({"product_id": self.product.id})],
                    }
                    for customer in customers
                ]
            )
            orders.write({"state": "sale"})
            self.env.flush_all()
            before = self.env.cr.sql_log_count
            self.env["customer.purchase.line"]._sync_sale_orders(orders)
            return self.env.cr.sql_log_count - before, customers

        few, _customers = confirm(20)
        many, customers = confirm(200)
        self.assertEqual(many, few)
        self.assertEqual(set(customers.mapped("purchase_order_count")), {1})

    def _history_tuples_read(self):
        """Rows of the history and of its daily summary this transaction has read so far."""
        self.env.cr.execute(
            "SELECT COALESCE(SUM(seq_tup_read + COALESCE(idx_tup_fetch, 0)), 0)"
            "  FROM pg_stat_xact_user_tables"
            " WHERE relname IN ('customer_purchase_line', 'customer_purchase_day')"
        )
        return self.env.cr.fetchone()[0]

    def _rows_read_to_add_a_line(self, partner, ref):
        self.env.flush_all()
        before = self._history_tuples_read()
        self.env["customer.purchase.line"].create({
            "partner_id": partner.id, "date": date.today(), "source": "import",
            "external_ref": ref, "document_ref": ref, "document_name": ref,
            "product_id": self.product.id, "quantity": 1, "amount": 10,
        })
        self.env.flush_all()
        return self._history_tuples_read() - before

    def test_a_new_line_reads_none_of_the_customer_history(self):
        small = self._customer_with_history("small", purchases=10, interactions=0)
        big = self._customer_with_history("big", purchases=20_000, interactions=0)
        self.env.cr.execute("ANALYZE customer_purchase_line")
        self.env.cr.execute("ANALYZE customer_purchase_day")
        self._rows_read_to_add_a_line(small, "warm")
        small_rows = self._rows_read_to_add_a_line(small, "new-small")
        big_rows = self._rows_read_to_add_a_line(big, "new-big")
        self.assertLess(big_rows, 50, "adding a line must not read the customer's history")
        self.assertEqual(big_rows, small_rows)
        self.assertEqual(big.purchase_order_count, 6668)

    def test_partner_pages_keep_room_for_the_jobs_updates(self):
        """The jobs rewrite the customer file's columns of many partners at once: with room
        on each page the new row versions stay on their page (HOT updates)."""
        options = self.env.execute_query(SQL(
            "SELECT reloptions FROM pg_class WHERE relname = 'res_partner'"))[0][0]
        self.assertIn("fillfactor=80", options or [])
