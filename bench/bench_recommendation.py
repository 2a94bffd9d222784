"""Figures for customer_file_recommendation on a loaded database (see load_million.py).

    odoo -c "$ODOO_CONF" -d cf_bench -i customer_file_recommendation --stop-after-init
    python bench/bench_recommendation.py --db cf_bench --last-week   # once, commits
    python bench/bench_recommendation.py --db cf_bench [--evaluate]

With --last-week: computes products bought together and the recommendations as of 7 days
ago and commits them (what last week's run left in the database), with their times.

Otherwise prints, in one transaction that is rolled back at the end:
- the size of the ledger and the yardstick: one scan that counts the distinct
  customer-product pairs of the window (what any co-purchase computation reads first);
- products bought together: the weekly INSERT ... SELECT over the window, its pairs;
- the recommendations of every customer (the weekly refresh of what is stored): its time,
  rows and customers, and how many rows it deleted, updated and inserted;
- with --evaluate, an evaluation with a cutoff 90 days back and a 60-day horizon (products
  bought together before the cutoff, both lists for every customer, the hit rates);
and the load average before and after, the machine being shared.
"""

import os
import sys
import time
from datetime import timedelta

from _odoo_env import odoo_env, parser


def main():
    arguments = parser(__doc__)
    arguments.add_argument("--evaluate", action="store_true")
    arguments.add_argument("--last-week", action="store_true")
    options = arguments.parse_args()
    sys.path.insert(0, f"{sys.path[0]}/..")
    with odoo_env(options.config, options.db) as env:
        from dateutil.relativedelta import relativedelta

        from odoo import fields
        from odoo.tools import SQL

        cr = env.cr
        company = env.company
        config = env["customer.recommendation.config"]._for_company(company)
        today = fields.Date.context_today(env["res.partner"])
        print(f"load average before: {os.getloadavg()}", flush=True)
        if options.last_week:
            last_week = today - timedelta(days=7)
            started = time.perf_counter()
            affinities = env["customer.product.affinity"]._rebuild(company, last_week)
            print(f"as of {last_week}: products bought together: {affinities:,} pairs in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
            started = time.perf_counter()
            rows = env["customer.recommendation"]._rebuild(company, last_week)
            print(f"as of {last_week}: recommendations: {rows:,} rows in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
            cr.commit()
            print(f"load average after: {os.getloadavg()}", flush=True)
            return
        cr.execute("SELECT COUNT(*), COUNT(DISTINCT product_id) FROM customer_purchase_line")
        lines, products = cr.fetchone()
        print(f"ledger: {lines:,} lines, {products:,} products", flush=True)

        started = time.perf_counter()
        cr.execute(SQL(
            "SELECT COUNT(*) FROM (SELECT DISTINCT commercial_partner_id, product_id"
            " FROM customer_purchase_line WHERE company_id = %s AND date > %s) pairs",
            company.id, today - relativedelta(months=config.window_months),
        ))
        pairs = cr.fetchone()[0]
        yardstick = time.perf_counter() - started
        print(f"yardstick (distinct customer-product pairs of the window): {pairs:,} in "
              f"{yardstick:.1f} s", flush=True)

        started = time.perf_counter()
        affinities = env["customer.product.affinity"]._rebuild(company, today)
        affinity_time = time.perf_counter() - started
        print(f"products bought together: {affinities:,} pairs kept in {affinity_time:.1f} s "
              f"({affinity_time / yardstick:.1f} x the yardstick)", flush=True)

        cr.execute("SELECT COUNT(*), MAX(id) FROM customer_recommendation")
        stored, last_id = cr.fetchone()
        print(f"stored before: {stored:,} recommendations", flush=True)
        started = time.perf_counter()
        rows = env["customer.recommendation"]._rebuild(company, today)
        recommendation_time = time.perf_counter() - started
        cr.execute(SQL(
            "SELECT COUNT(DISTINCT partner_id), COUNT(*) FILTER (WHERE reason = 'co_purchase'),"
            " COUNT(*) FILTER (WHERE id > %(last)s),"
            " COUNT(*) FILTER (WHERE id <= %(last)s AND write_date = NOW() AT TIME ZONE 'UTC')"
            " FROM customer_recommendation", last=last_id or 0,
        ))
        customers, co_purchase, inserted, updated = cr.fetchone()
        kept = rows - inserted - updated
        print(f"recommendations: {rows:,} rows ({co_purchase:,} bought together) for "
              f"{customers:,} customers in {recommendation_time:.1f} s: "
              f"{stored - kept - updated:,} deleted, {updated:,} updated in place, "
              f"{inserted:,} inserted, {kept:,} unchanged", flush=True)

        if options.evaluate:
            started = time.perf_counter()
            evaluation = env["customer.recommendation.evaluation"].create({
                "company_id": company.id, "cutoff_date": today - timedelta(days=90),
                "horizon_days": 60,
            })
            evaluation._run()
            print(f"evaluation: {evaluation.customer_count:,} customers in "
                  f"{time.perf_counter() - started:.1f} s; hit rate at 5 "
                  f"{evaluation.hit_rate_5} % (most popular {evaluation.popular_hit_rate_5} %),"
                  f" at 10 {evaluation.hit_rate_10} % (most popular "
                  f"{evaluation.popular_hit_rate_10} %)", flush=True)
        print(f"load average after: {os.getloadavg()}", flush=True)
        cr.rollback()


if __name__ == "__main__":
    main()
