"""Figures for the purchase history: one new line for a big and a small customer, the
backfill of existing sale order lines, batch confirmation, opening a customer.

    python bench/bench_purchase_history.py --db cf_bench [--orders 1000]
        [--big-lines 1000000] [--backfill-lines 1000000] [--batch 50000]

Runs inside a transaction that is rolled back: the database is left as it was. The
backfill's batches are not committed here (the job commits each one); an interrupted run
(3 batches) is resumed to the end, then a second run shows it adds nothing.
"""

import os
import time

from _odoo_env import odoo_env, parser


def measure(env, action):
    """Seconds and SQL queries that action() takes."""
    env.flush_all()
    queries = env.cr.sql_log_count
    started = time.perf_counter()
    result = action()
    env.flush_all()
    return time.perf_counter() - started, env.cr.sql_log_count - queries, result


def customer_with_lines(env, name, count, product):
    """A customer with ``count`` imported lines (3 per order, one order a day), loaded in
    SQL with its daily summary, as the history of years would be."""
    from odoo.tools import SQL

    partner = env["res.partner"].create({"name": name})
    env.cr.execute(SQL(
        """
        INSERT INTO customer_purchase_line
               (partner_id, commercial_partner_id, company_id, date, source, external_ref,
                document_ref, document_name, product_id, quantity, amount, is_refund)
        SELECT %(partner)s, %(partner)s, %(company)s,
               CURRENT_DATE - 1 - ((n / 3) %% 3650)::int, 'import', %(name)s || ':' || n,
               %(name)s || ':' || (n / 3), 'BENCH', %(product)s, 1, 10, FALSE
          FROM generate_series(1, %(count)s) n
        """,
        partner=partner.id, company=env.company.id, name=f"bench-{partner.id}",
        product=product.id, count=count,
    ))
    env["customer.purchase.day"]._refresh([partner.id])
    env.cr.execute("ANALYZE customer_purchase_line")
    env.cr.execute("ANALYZE customer_purchase_day")
    return partner


def one_new_line(env, partner, product, ref):
    return env["customer.purchase.line"].create({
        "partner_id": partner.id, "date": time.strftime("%Y-%m-%d"), "source": "import",
        "external_ref": ref, "document_ref": ref, "document_name": ref,
        "product_id": product.id, "quantity": 1, "amount": 10,
    })


def existing_sale_lines(env, count, product):
    """``count`` confirmed sale order lines (5 per order, 1 order per customer) inserted in
    SQL, as the sales of a database the addon is installed on; none in the history."""
    from odoo.tools import SQL

    orders = max(count // 5, 1)
    # Without sale_stock (customer_file alone) orders have no picking policy.
    env.cr.execute(
        "SELECT 1 FROM information_schema.columns"
        " WHERE table_name = 'sale_order' AND column_name = 'picking_policy'"
    )
    stock = bool(env.cr.fetchone())
    env.cr.execute(SQL(
        """
        CREATE TEMP TABLE bench_customer ON COMMIT DROP AS
        SELECT n, NEXTVAL('res_partner_id_seq')::int AS id
          FROM generate_series(1, %(orders)s) n;
        INSERT INTO res_partner (id, name, complete_name, commercial_partner_id, active, type,
                                 is_company, customer_rank, supplier_rank, autopost_bills)
        SELECT id, 'Bench buyer ' || n, 'Bench buyer ' || n, id, TRUE, 'contact', FALSE, 1, 0,
               'ask'
          FROM bench_customer;
        CREATE TEMP TABLE bench_order ON COMMIT DROP AS
        SELECT c.n, NEXTVAL('sale_order_id_seq')::int AS id, c.id AS partner_id
          FROM bench_customer c;
        INSERT INTO sale_order (id, name, partner_id, partner_invoice_id, partner_shipping_id,
                                company_id, date_order, state, currency_rate%(policy)s)
        SELECT id, 'BENCH/' || n, partner_id, partner_id, partner_id, %(company)s,
               NOW() - (n %% 1000) * INTERVAL '1 day', 'sale', 1%(direct)s
          FROM bench_order;
        INSERT INTO sale_order_line (order_id, name, product_id, product_uom_qty, price_unit,
                                     price_subtotal, customer_lead, company_id)
        SELECT o.id, 'Bench', %(product)s, 1, 10, 10, 0, %(company)s
          FROM bench_order o CROSS JOIN generate_series(1, 5) k;
        ANALYZE sale_order; ANALYZE sale_order_line; ANALYZE res_partner;
        """,
        orders=orders, company=env.company.id, product=product.id,
        policy=SQL(", picking_policy") if stock else SQL(),
        direct=SQL(", 'direct'") if stock else SQL(),
    ))
    return orders * 5


def load():
    return f"load average {os.getloadavg()[0]:.1f}"


def main():
    arguments = parser(__doc__)
    arguments.add_argument("--orders", type=int, default=1000)
    arguments.add_argument("--big-lines", type=int, default=1_000_000)
    arguments.add_argument("--backfill-lines", type=int, default=1_000_000)
    arguments.add_argument("--batch", type=int, default=50_000)
    options = arguments.parse_args()
    print(load())
    with odoo_env(options.config, options.db) as env:
        from odoo.fields import Command
        from odoo.tests import Form
        from odoo.tools import SQL

        product = env["customer.file.demo.generator"]._generate_catalogue()["AC-CASE"]

        # One new line: constant time, whatever the customer's history.
        for label, count in (("small", 10), ("big", options.big_lines)):
            started = time.perf_counter()
            partner = customer_with_lines(env, f"Bench {label}", count, product)
            loaded = time.perf_counter() - started
            one_new_line(env, partner, product, f"warm-{partner.id}")
            timings = []
            for attempt in range(5):
                seconds, queries, _line = measure(
                    env, lambda p=partner, a=attempt: one_new_line(env, p, product,
                                                                   f"new-{p.id}-{a}")
                )
                timings.append(seconds)
            partner.invalidate_recordset()
            print(f"one new line for a customer with {count:,} lines: "
                  f"{min(timings) * 1000:.1f}-{max(timings) * 1000:.1f} ms "
                  f"(5 lines, {queries} queries each; loading the customer took "
                  f"{loaded:.1f} s; {partner.purchase_order_count:,} orders)")

        # Backfill of existing sale order lines.
        started = time.perf_counter()
        count = existing_sale_lines(env, options.backfill_lines, product)
        print(f"{count:,} existing sale order lines inserted in SQL: "
              f"{time.perf_counter() - started:.1f} s")
        # The yardstick of this machine at this moment: the backfill's SELECT of every line
        # inserted into a table of the ledger's shape without foreign keys nor indexes.
        Line = env["customer.purchase.line"]
        env.cr.execute("CREATE TEMP TABLE bench_backfill_yardstick"
                       " (LIKE customer_purchase_line INCLUDING DEFAULTS) ON COMMIT DROP")
        seconds, _queries, _result = measure(env, lambda: env.cr.execute(SQL(
            "INSERT INTO bench_backfill_yardstick (%s) %s",
            Line._sql_insert_columns(), Line._select_sale_order_lines(SQL("TRUE")),
        )))
        print(f"  yardstick: the same lines inserted into a table of the ledger's shape without"
              f" foreign keys or indexes: {seconds:.1f} s ({load()})")
        Backfill = env["customer.purchase.backfill"]
        run = Backfill._start(sources=["sale"])
        seconds, _queries, _done = measure(
            env, lambda: run._run(batch_size=options.batch, max_batches=3)
        )
        print(f"backfill interrupted after 3 batches of {options.batch:,} ids: {seconds:.1f} s,"
              f" {run.lines_added:,} lines, at {run.progress:.0f} %")
        seconds_rest, _queries, _done = measure(env, lambda: run._run(batch_size=options.batch))
        print(f"  resumed to the end: {seconds_rest:.1f} s; in all {seconds + seconds_rest:.1f} s"
              f" for {run.lines_added:,} lines in {run.batch_count} batches ({load()})")
        again = Backfill._start(sources=["sale"])
        seconds, _queries, _done = measure(env, lambda: again._run(batch_size=options.batch))
        print(f"  a second run: {seconds:.1f} s, {again.lines_added} lines added")

        # Batch confirmation.
        customers = env["res.partner"].create(
            [{"name": f"Bench customer {n}"} for n in range(options.orders)]
        )
        orders = env["sale.order"].create([
            {"partner_id": customer.id,
             "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 2})]}
            for customer in customers
        ])
        seconds, queries, _result = measure(env, orders.action_confirm)
        print(f"confirm {len(orders)} sale orders in one batch: {seconds:.2f} s, "
              f"{queries} queries in total (stock and accounting installed or not)")
        # As a live database would have them: statistics that know these rows.
        for table in ("res_partner", "sale_order", "sale_order_line", "customer_purchase_line",
                      "customer_purchase_day"):
            env.cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
        seconds, queries, _result = measure(
            env, lambda: env["customer.purchase.line"]._sync_sale_orders(orders)
        )
        print(f"  of which purchase history + aggregates (a re-sync: the days are recomputed):"
              f" {seconds:.2f} s, {queries} queries")
        env.cr.execute("DELETE FROM customer_purchase_line WHERE sale_order_id = ANY(%s)",
                       [orders.ids])
        env["customer.purchase.day"]._refresh(customers.ids)
        for attempt in range(3):
            if attempt:
                env.cr.execute("DELETE FROM customer_purchase_line WHERE sale_order_id = ANY(%s)",
                               [orders.ids])
                env["customer.purchase.day"]._refresh(customers.ids)
            seconds, queries, _result = measure(
                env, lambda: env["customer.purchase.line"]._sync_sale_orders(orders)
            )
            print(f"  a first sync, as at confirmation (appended to the days): {seconds:.2f} s,"
                  f" {queries} queries ({load()})")

        env.cr.execute(
            "SELECT commercial_partner_id, COUNT(*) FROM customer_purchase_line"
            " GROUP BY commercial_partner_id ORDER BY COUNT(*) DESC LIMIT 1"
        )
        biggest_id, line_count = env.cr.fetchone()
        # Each form is opened twice: the first opening of a form fills the caches of the
        # views, which the second does not pay (nor does a user's second customer).
        biggest = env["res.partner"].browse(biggest_id)
        for label, partner in (("new", customers[0]), ("biggest", biggest),
                               ("new", customers[0]), ("biggest", biggest)):
            env.invalidate_all()
            seconds, queries, _result = measure(env, lambda p=partner: Form(p))
            print(f"open the {label} customer's form: {seconds:.2f} s, {queries} queries"
                  + (f" ({line_count:,} purchase lines)" if label == "biggest" else ""))
        env.cr.rollback()


if __name__ == "__main__":
    main()
