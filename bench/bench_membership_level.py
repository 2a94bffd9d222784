"""Figures for customer_file_loyalty on a loaded database (see load_million.py).

    python bench/bench_membership_level.py --db cf_b1m_level

Needs customer_file_loyalty installed in the database. Defines four levels on the 12-month
spend (thresholds at the 50th, 80th and 95th percentiles of the customers' spend, so that
every level has members), then times the nightly evaluation of the company's customers:

1. the first evaluation (every customer is new: levels, history rows, memberships);
2. the next night (nothing changes: the steady state);
3. an evaluation 13 months later (spend dropped out of the window: reviews and demotions).

Runs inside a transaction that is rolled back. Next to each wall-clock time, the CPU seconds
of the PostgreSQL backend (read from /proc when the server runs on this machine): on a
machine shared with other work, the wall clock mostly measures the others.
"""

import os
import sys
import time

from _odoo_env import odoo_env, parser


def backend_cpu(cr):
    """CPU seconds used so far by the PostgreSQL backend of ``cr``, or None if unreadable."""
    cr.execute("SELECT pg_backend_pid()")
    try:
        with open(f"/proc/{cr.fetchone()[0]}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed(cr, action):
    cpu_before = backend_cpu(cr)
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    cpu_after = backend_cpu(cr)
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return seconds, cpu, result


def main():
    options = parser(__doc__).parse_args()
    sys.path.insert(0, f"{sys.path[0]}/..")
    from dateutil.relativedelta import relativedelta

    with odoo_env(options.config, options.db) as env:
        company = env.company
        today = company._customer_file_today()
        env.cr.execute(
            """
            SELECT percentile_disc(ARRAY[0.5, 0.8, 0.95]) WITHIN GROUP (ORDER BY spend)
              FROM (SELECT SUM(amount) AS spend FROM customer_purchase_day
                     WHERE company_id = %s AND date > %s AND date <= %s
                     GROUP BY commercial_partner_id) per_customer
            """,
            [company.id, today - relativedelta(years=1), today],
        )
        median, p80, p95 = env.cr.fetchone()[0]
        env["customer.membership.level"].search([]).write({"active": False})
        Level = env["customer.membership.level"]
        for sequence, (name, threshold) in enumerate(
            [("Standard", 0), ("Silver", median), ("Gold", p80), ("Platinum", p95)], start=1
        ):
            Level.create({"name": name, "sequence": sequence, "threshold": float(threshold)})
        env["customer.membership.config"]._for_company(company).write(
            {"basis": "spend", "grace_days": 30}
        )
        Membership = env["customer.membership"]
        env.cr.execute("SELECT COUNT(*) FROM res_partner WHERE customer_rank > 0")
        print(f"customers: {env.cr.fetchone()[0]:,}; thresholds {median:.0f} / {p80:.0f} / "
              f"{p95:.0f}")
        for label, day in (("first evaluation", today),
                           ("next night, nothing changes", today + relativedelta(days=1)),
                           ("13 months later: reviews, demotions",
                            today + relativedelta(months=13))):
            seconds, cpu, counts = timed(
                env.cr, lambda day=day: Membership._evaluate_company(company, day, notify=False)
            )
            env.cr.execute("SELECT COUNT(*) FROM customer_membership WHERE company_id = %s",
                           [company.id])
            members = env.cr.fetchone()[0]
            cpu_text = f" (database CPU {cpu:.1f} s)" if cpu is not None else ""
            print(f"{label}: {seconds:.1f} s{cpu_text}, {counts['promotion']:,} promoted, "
                  f"{counts['demotion']:,} demoted, {members:,} members")
        env.cr.execute("SELECT COUNT(*) FROM customer_membership_level_history")
        print(f"history rows: {env.cr.fetchone()[0]:,}")
        env.cr.rollback()


if __name__ == "__main__":
    main()
