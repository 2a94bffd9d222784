"""The Overview dashboard (customer.file.overview's get_overview, the page's only call) on
the database's customers, as a manager and as a salesperson.

    python bench/bench_overview.py --db cf_bench [--salesperson-customers 20000] [--fill]

Gives a new salesperson (Customer File user) --salesperson-customers customers of the
database (the lowest ids, written in SQL) so that record rules have something to keep and,
with --fill, writes what the jobs would have (see fill()). Then times get_overview as a
new manager and as that salesperson: the first call (cold ORM caches) and --repeat more,
with the number of queries, then each section's counts on their own. Rolls everything
back.
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


def fill(env, segmentation):
    """What the jobs write, for a database loaded without running them: a completeness
    score for every customer and, with the segmentation, a tier, segment and stage for
    every customer and a churn warning for one in twenty (a tenth of them in the control
    group, a third closed as won back, a third lost)."""
    cr = env.cr
    started = time.perf_counter()
    cr.execute(
        """
        INSERT INTO customer_completeness (partner_id, score)
        SELECT id, id % 101 FROM res_partner WHERE customer_rank > 0 AND parent_id IS NULL
        ON CONFLICT (partner_id) DO UPDATE SET score = EXCLUDED.score
        """
    )
    if segmentation:
        segments = env["customer.rfm.segment"].search([]).ids
        cr.execute(
            """
            UPDATE res_partner
               SET value_tier = (ARRAY['high', 'medium', 'low'])[1 + id %% 3],
                   rfm_segment_id = (%s::int[])[1 + id %% %s],
                   lifecycle_stage = (ARRAY['new', 'active', 'regular', 'at_risk', 'dormant',
                                            'churned', 'won_back'])[1 + id %% 7]
             WHERE customer_rank > 0 AND parent_id IS NULL
            """,
            [segments, len(segments)],
        )
        cr.execute(
            """
            INSERT INTO customer_churn_warning
                   (partner_id, commercial_partner_id, company_id, user_id, date_detected,
                    score, severity, state, cohort, won_back_percent)
            SELECT p.id, p.id, COALESCE(p.company_id, %s), p.user_id, CURRENT_DATE, 60,
                   'high', (ARRAY['new', 'won_back', 'lost'])[1 + (p.id / 20) %% 3],
                   CASE WHEN (p.id / 20) %% 10 = 0 THEN 'control' ELSE 'treated' END,
                   CASE WHEN (p.id / 20) %% 3 = 1 THEN 100 ELSE 0 END
              FROM res_partner p
             WHERE p.customer_rank > 0 AND p.parent_id IS NULL AND p.id %% 20 = 0
            """,
            [env.company.id],
        )
        cr.execute("ANALYZE customer_churn_warning")
    cr.execute("ANALYZE customer_completeness")
    env.invalidate_all()
    print(f"filled in {time.perf_counter() - started:.1f} s", flush=True)


def main():
    arguments = parser(__doc__)
    arguments.add_argument("--salesperson-customers", type=int, default=20_000)
    arguments.add_argument("--repeat", type=int, default=3)
    arguments.add_argument("--fill", action="store_true",
                           help="first write what the jobs would have (completeness, tiers, "
                           "segments, stages, churn warnings), rolled back with the rest")
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
        installed = [name for name in ("customer_file_segmentation", "customer_file_feedback")
                     if name in env.registry._init_modules]
        if options.fill:
            fill(env, "customer_file_segmentation" in installed)
        cr.execute("ANALYZE res_partner")
        print(f"addons with sections: customer_file {' '.join(installed)}")
        lang = "zh_CN" if env["res.lang"].search_count([("code", "=", "zh_CN")]) else "en_US"
        print(f"language {lang}")

        for label, user in (("manager", manager), ("salesperson", salesperson)):
            Overview = env["customer.file.overview"].with_user(user).with_context(
                lang=lang, tz="Asia/Shanghai")
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
                                      Overview._overview_customers_domain("incomplete")
                                      & Overview._overview_count_hint()),
                "due for review": partial(Partner.search_count,
                                          Overview._overview_customers_domain("overdue")
                                          & Overview._overview_count_hint()),
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
