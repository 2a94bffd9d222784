"""Figures for customer_file_feedback on a loaded database (see load_million.py).

    python bench/bench_feedback.py --db cf_bench [--feedback 200000]

Adds --feedback feedback records of random customers over 18 months (a third of them
complaints, most of them scored), then prints how long the analysis takes: NPS and CSAT by
month and by value tier, complaints per 100 orders by month (a live view over the daily
summary of the purchase ledger), the satisfaction trend of a page of 80 customers, and
finding today's survey candidates. Runs inside a transaction that is rolled back.
"""

import sys
import time

from _odoo_env import odoo_env, parser


def timed(action):
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def add_feedback(env, company, count):
    env.cr.execute(
        """
        INSERT INTO customer_feedback (
            name, feedback_type, channel, feedback_date, summary, partner_id,
            commercial_partner_id, company_id, state, priority, csat_score, nps_score,
            is_scored, satisfaction_score, acknowledged_date, resolved_date)
        SELECT 'BENCH/' || n, kind, 'phone', received, 'Bench feedback', partner_id,
               partner_id, %s, 'resolved', '1', csat, nps,
               csat IS NOT NULL OR nps IS NOT NULL,
               COALESCE((csat::int - 1) * 25.0, nps::int * 10.0, 0),
               received + interval '5 hours', received + interval '3 days'
          FROM (SELECT n, partner.partner_id,
                       (ARRAY['review', 'complaint', 'praise'])[1 + n %% 3] AS kind,
                       NOW() AT TIME ZONE 'UTC' - (n %% 540) * interval '1 day' AS received,
                       CASE WHEN n %% 2 = 0 THEN (1 + n %% 5)::text END AS csat,
                       CASE WHEN n %% 2 = 1 THEN (n %% 11)::text END AS nps
                  -- spread over a quarter of the customers: several records for each
                  FROM (SELECT n, 1 + (n * 7919) %% GREATEST(
                                   (SELECT COUNT(*) FROM res_partner WHERE customer_rank > 0)
                                   / 4, 1) AS rank
                          FROM generate_series(1, %s) n) pick
                  JOIN (SELECT id AS partner_id, ROW_NUMBER() OVER (ORDER BY id) AS rank
                          FROM res_partner WHERE customer_rank > 0) partner USING (rank)
               ) generated
        """,
        [company.id, count],
    )
    env.cr.execute("ANALYZE customer_feedback")
    return count


def main():
    arguments = parser(__doc__)
    arguments.add_argument("--feedback", type=int, default=200_000)
    options = arguments.parse_args()
    sys.path.insert(0, f"{sys.path[0]}/..")
    with odoo_env(options.config, options.db) as env:
        company = env.company
        seconds, added = timed(lambda: add_feedback(env, company, options.feedback))
        print(f"{added:,} feedback records added in {seconds:.1f} s", flush=True)
        env.invalidate_all()

        Report = env["customer.feedback.report"]
        seconds, groups = timed(lambda: Report._read_group(
            [], ["feedback_date:month"], ["nps:avg", "csat:avg", "__count"]
        ))
        print(f"NPS and CSAT by month ({len(groups)} months): {seconds:.2f} s", flush=True)
        seconds, groups = timed(lambda: Report._read_group(
            [], ["value_tier"], ["nps:avg", "csat:avg", "hours_to_resolve:avg"]
        ))
        print(f"NPS, CSAT and hours to resolve by value tier: {seconds:.2f} s", flush=True)

        Rate = env["customer.feedback.complaint.rate"]
        seconds, groups = timed(lambda: Rate._read_group(
            [], ["month:month"], ["orders:sum", "complaints:sum",
                                  "complaints_per_100_orders:sum"]
        ))
        print(f"complaints per 100 orders by month ({len(groups)} months, over the daily "
              f"purchase summary): {seconds:.2f} s", flush=True)

        partners = env["customer.feedback"].search([], limit=80).commercial_partner_id
        seconds, _trends = timed(lambda: partners.mapped("satisfaction_trend"))
        print(f"satisfaction trend of {len(partners)} customers: {seconds:.2f} s", flush=True)

        Request = env["customer.feedback.request"]
        seconds, candidates = timed(lambda: Request._survey_candidates(company))
        print(f"survey candidates of the day: {len(candidates):,} customers in {seconds:.1f} s",
              flush=True)
        env.cr.rollback()


if __name__ == "__main__":
    main()
