"""Figures for the purchase history: batch confirmation, aggregate refresh, opening a customer.

    python bench/bench_purchase_history.py --db cf_bench [--orders 1000]

Runs inside a transaction that is rolled back: the database is left as it was.
"""

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


def main():
    arguments = parser(__doc__)
    arguments.add_argument("--orders", type=int, default=1000)
    options = arguments.parse_args()
    with odoo_env(options.config, options.db) as env:
        from odoo.fields import Command
        from odoo.tests import Form

        product = env["customer.file.demo.generator"]._generate_catalogue()["AC-CASE"]
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
              f"{queries} queries in total")
        seconds, queries, _result = measure(
            env, lambda: env["customer.purchase.line"]._sync_sale_orders(orders)
        )
        print(f"  of which purchase history + aggregates: {seconds:.2f} s, {queries} queries")

        env.cr.execute("SELECT id FROM res_partner WHERE purchase_order_count > 0 LIMIT 100000")
        partner_ids = [row[0] for row in env.cr.fetchall()]
        seconds, queries, _result = measure(
            env, lambda: env["res.partner"]._refresh_purchase_aggregates(partner_ids)
        )
        print(f"refresh aggregates of {len(partner_ids):,} customers: {seconds:.2f} s, "
              f"{queries} queries")

        env.cr.execute(
            "SELECT commercial_partner_id, COUNT(*) FROM customer_purchase_line"
            " GROUP BY commercial_partner_id ORDER BY COUNT(*) DESC LIMIT 1"
        )
        biggest_id, line_count = env.cr.fetchone()
        for label, partner in (("biggest", env["res.partner"].browse(biggest_id)),
                               ("new", customers[0])):
            env.invalidate_all()
            seconds, queries, _result = measure(env, lambda p=partner: Form(p))
            print(f"open the {label} customer's form: {seconds:.2f} s, {queries} queries"
                  + (f" ({line_count:,} purchase lines)" if label == "biggest" else ""))
        env.cr.rollback()


if __name__ == "__main__":
    main()
