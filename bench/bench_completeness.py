"""Completeness recompute after a weight change, over every customer of the database.

    python bench/load_million.py --db cf_bench --customers 1000000 --lines 100000
    python bench/bench_completeness.py --db cf_bench [--prepare]

--prepare fills, once and committed, some of the weighed fields of the customers (a phone
for 60%, a street and city for 50%, an email for 70%, a gender for 40%...), so the scores
spread as in a real file; the first scores are written once too (committed: what
installing or upgrading the addon does). Then, in one transaction rolled back at the end,
the script
changes a weight through the settings (which recomputes every customer of the company in
SQL, see res.partner._recompute_completeness), recomputes again with nothing changed, and
prints the times and the rows written.
"""

import os
import sys
import time

from _odoo_env import odoo_env, parser


def main():
    arguments = parser(__doc__)
    arguments.add_argument("--prepare", action="store_true")
    options = arguments.parse_args()

    sys.path.insert(0, f"{sys.path[0]}/..")
    with odoo_env(options.config, options.db) as env:
        from odoo.fields import Command
        from odoo.tools import SQL

        from odoo.addons.customer_file.tools.data_quality import ADDRESS_KEY_SQL

        cr = env.cr
        config = env["customer.data.quality.config"]._for_company(env.company)
        cr.execute("SELECT COUNT(*) FROM res_partner")
        partners = cr.fetchone()[0]
        if options.prepare:
            started = time.perf_counter()
            cr.execute(SQL(
                """
                UPDATE res_partner SET
                    phone = CASE WHEN id %% 10 < 6
                                 THEN '+86138' || LPAD((id %% 100000000)::text, 8, '0') END,
                    email = CASE WHEN id %% 10 < 7 THEN 'c' || id || '@example.com' END,
                    email_normalized = CASE WHEN id %% 10 < 7 THEN 'c' || id || '@example.com' END,
                    street = CASE WHEN id %% 2 = 0 THEN (id %% 997) || ' Nanjing Road' END,
                    city = CASE WHEN id %% 2 = 0 THEN '上海' END,
                    gender = CASE WHEN id %% 5 < 2 THEN 'female' END,
                    acquisition_channel = CASE WHEN id %% 3 = 0 THEN 'store' END
                 WHERE customer_rank > 0
                """
            ))
            cr.execute(SQL("UPDATE res_partner SET customer_file_address_key = %s"
                           " WHERE street IS NOT NULL", SQL(ADDRESS_KEY_SQL)))
            cr.commit()
            print(f"prepared in {time.perf_counter() - started:.1f} s", flush=True)
        cr.execute("SELECT COUNT(*) FROM customer_completeness")
        if not cr.fetchone()[0]:
            started = time.perf_counter()
            env["res.partner"]._recompute_completeness()
            cr.execute("ANALYZE customer_completeness")
            cr.commit()
            print(f"first scores written in {time.perf_counter() - started:.1f} s "
                  f"(load average {os.getloadavg()[0]:.2f})", flush=True)

        Field = env["ir.model.fields"]
        email = config.completeness_weight_ids.filtered(lambda line: line.field_id.name == "email")
        load = os.getloadavg()[0]
        started = time.perf_counter()
        config.write({"completeness_weight_ids": [Command.update(email.id, {
            "weight": email.weight + 10})]} if email else {"completeness_weight_ids": [
            Command.create({"field_id": Field._get("res.partner", "email").id, "weight": 10})]})
        changed = time.perf_counter() - started
        print(f"{partners:,} partners; weight change recomputed in {changed:.1f} s "
              f"(load average {load:.2f} -> {os.getloadavg()[0]:.2f})")
        started = time.perf_counter()
        env["res.partner"]._recompute_completeness()
        print(f"recompute with nothing changed: {time.perf_counter() - started:.1f} s")
        cr.execute("SELECT completeness, COUNT(*) FROM res_partner GROUP BY 1 ORDER BY 1")
        print("scores:", ", ".join(f"{score}%: {count:,}" for score, count in cr.fetchall()))
        cr.rollback()


if __name__ == "__main__":
    main()
