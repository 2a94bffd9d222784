"""The Overview dashboard (customer.file.overview's get_overview, the page's only call) on
the database's customers, as a manager and as a salesperson.

    python bench/bench_overview.py --db cf_bench [--salesperson-customers 20000] [--repeat 3]

Gives a new salesperson (Customer File user) --salesperson-customers customers of the
database (the lowest ids, written in SQL) so that record rules have something to keep,
then times get_overview as a new manager and as that salesperson: the first call (cold
ORM caches) and --repeat more, with the number of queries, then each section's counts on
their own. Rolls everything back.
"""

import os
import sys
import time
from functools import partial

from _odoo_env import odoo_env, parser


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def main():
    arguments = parser(__doc__)
    arguments.add_argument("--salesperson-customers", type=int, default=20_000)
    arguments.add_argument("--repeat", type=int, default=3)
    options = arguments.parse_args()

    sys.path.insert(0, f"{sys.path[0]}/..")
    with odoo_env(options.config, options.db) as env:
        cr = env.cr
        Users = env["res.users"].with_context(no_reset_password=True)
        manager = Users.create({
            "name": "Bench Overview Manager", "login": "bench_overview_manager",
            "group_ids": [(6, 0, [env.ref("customer_file.group_customer_file_manager").id])],
        })
        salesperson = Users.create({
            "name": "Bench Overview Salesperson", "login": "bench_overview_sales",
            "group_ids": [(6, 0, [env.ref("customer_file.group_customer_file_user").id])],
        })
        env.flush_all()
        cr.execute(
            """
            UPDATE res_partner SET user_id = %s
             WHERE id IN (SELECT id FROM res_partner
                           WHERE parent_id IS NULL AND customer_rank > 0
                           ORDER BY id LIMIT %s)
            """,
            [salesperson.id, options.salesperson_customers],
        )
        print(f"salesperson given {cr.rowcount:,} customers", flush=True)
        cr.execute("ANALYZE res_partner")
        installed = [name for name in ("customer_file_segmentation", "customer_file_feedback")
                     if name in env.registry._init_modules]
        print(f"addons with sections: customer_file {' '.join(installed)}")

        for label, user in (("manager", manager), ("salesperson", salesperson)):
            Overview = env["customer.file.overview"].with_user(user).with_context(
                lang="zh_CN", tz="Asia/Shanghai")
            env.invalidate_all()
            env.registry.clear_cache()
            load = os.getloadavg()[0]
            queries = cr.sql_log_count
            elapsed, overview = timed(Overview.get_overview)
            queries = cr.sql_log_count - queries
            numbers = sum(len(section.get("items", [])) + sum(
                len(row["items"]) for row in section.get("rows", []))
                for section in overview["sections"])
            repeats = []
            for _index in range(options.repeat):
                env.invalidate_all()
                repeats.append(timed(Overview.get_overview)[0])
            print(f"{label}: get_overview first call {elapsed:.2f} s ({queries} queries, "
                  f"{len(overview['sections'])} sections, {numbers} numbers, load average "
                  f"{load:.2f}); then {', '.join(f'{t:.2f}' for t in repeats)} s", flush=True)
            customers = next(section["items"][0]["value"] for section in overview["sections"]
                             if section["key"] == "customers")
            print(f"  customers counted: {customers:,}")

            Partner = env["res.partner"].with_user(user)
            parts = {
                "customers, grouped by the addons' fields":
                    Overview._overview_customer_groups,
                "incomplete": partial(Partner.search_count,
                                      Overview._overview_customers_domain("incomplete")),
                "due for review": partial(Partner.search_count,
                                          Overview._overview_customers_domain("overdue")),
            }
            if "customer_file_segmentation" in installed:
                parts["churn and win-back"] = Overview._overview_churn_section
            if "customer_file_feedback" in installed:
                parts["NPS and CSAT trend"] = Overview._overview_satisfaction_section
                parts["complaints"] = Overview._overview_complaint_section
            for name, part in parts.items():
                env.invalidate_all()
                print(f"  {name}: {timed(part)[0]:.2f} s", flush=True)
        cr.rollback()


if __name__ == "__main__":
    main()
