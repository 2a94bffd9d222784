"""Figures for customer_file_offer on a loaded database (see load_million.py).

    python bench/bench_offer_campaign.py --db cf_bench [--consenting 111111] [--control 10]

Records a current consent to marketing by email for --consenting customers (set-based, not
timed), then launches a coupon campaign whose audience rule selects every customer
(``customer_rank > 0``): the audience is resolved over all of them, the consenting ones are
split into treated and control groups, and each treated customer gets a coupon of a new
loyalty program. Prints the time of the launch (resolution and member insert, coupon issue),
of the same audience with a service-history rule (two repairs in 24 months and owns a
product of a line), and of a measurement of every member against the purchase ledger.
Runs inside a transaction that is rolled back.
"""

import os
import sys
import time

from _odoo_env import odoo_env, parser


def timed(action):
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def record_consents(env, company, count):
    purpose = env["customer.consent.event"]._purpose("marketing")
    env.cr.execute(
        """
        INSERT INTO customer_consent_event
               (partner_id, commercial_partner_id, company_id, purpose_id, channel,
                legal_basis, action, event_date, source, recorded_by_id, create_uid,
                create_date, write_uid, write_date)
        SELECT partner.id, partner.id, %(company)s, %(purpose)s, 'email', 'consent',
               'granted', now() AT TIME ZONE 'UTC', 'import', 1, 1,
               now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
          FROM res_partner partner
         WHERE partner.customer_rank > 0 AND partner.id = partner.commercial_partner_id
         ORDER BY partner.id
         LIMIT %(count)s
        """,
        {"company": company.id, "purpose": purpose.id, "count": count},
    )
    recorded = env.cr.rowcount
    env.cr.execute("ANALYZE customer_consent_event")
    return recorded


def main():
    arguments = parser(__doc__)
    arguments.add_argument("--consenting", type=int, default=111_111)
    arguments.add_argument("--control", type=float, default=10.0)
    options = arguments.parse_args()
    sys.path.insert(0, f"{sys.path[0]}/..")
    with odoo_env(options.config, options.db) as env:
        company = env.company
        customers = env["res.partner"].search_count([("customer_rank", ">", 0)])
        consents = record_consents(env, company, options.consenting)
        program = env["loyalty.program"].create({
            "name": "Bench coupons", "program_type": "coupons", "trigger": "with_code",
            "applies_on": "current", "communication_plan_ids": [],
        })
        campaign = env["customer.offer.campaign"].create({
            "name": "Bench offer", "program_id": program.id, "random_seed": 1,
            "audience_domain": "[('customer_rank', '>', 0)]",
            "control_percent": options.control,
        })
        env.flush_all()
        print(f"customers: {customers:,}, consenting by email: {consents:,}, "
              f"load {os.getloadavg()[0]:.1f}")

        resolve_time, counts = timed(campaign._resolve_audience)
        print(f"audience resolved and members inserted: {resolve_time:.1f} s "
              f"(audience {counts['audience_count']:,}, treated {counts['treated_count']:,}, "
              f"control {counts['control_count']:,}, no consent "
              f"{counts['no_consent_count']:,})")
        issue_time, _result = timed(campaign._issue_coupons)
        cards = env["loyalty.card"].search_count([("program_id", "=", program.id)])
        print(f"coupons issued: {cards:,} in {issue_time:.1f} s; "
              f"launch total {resolve_time + issue_time:.1f} s, "
              f"load {os.getloadavg()[0]:.1f}")

        measure_time, _result = timed(campaign._measure)
        print(f"measurement of {counts['treated_count'] + counts['control_count']:,} "
              f"members: {measure_time:.1f} s")

        line = env["product.category"].search([], limit=1)
        service = env["customer.offer.campaign"].create({
            "name": "Bench service rule", "program_id": program.id, "random_seed": 1,
            "audience_domain": "[('customer_rank', '>', 0)]", "min_repairs": 2,
            "repair_months": 24, "owned_categ_id": line.id, "control_percent": options.control,
        })
        env.flush_all()
        service_time, service_counts = timed(service._resolve_audience)
        print(f"audience with the service-history rule: {service_time:.1f} s "
              f"(audience {service_counts['audience_count']:,})")
        env.cr.rollback()


if __name__ == "__main__":
    main()
