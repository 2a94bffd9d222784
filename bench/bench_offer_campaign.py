"""Figures for customer_file_offer on a loaded database (see load_million.py).

    python bench/bench_offer_campaign.py --db cf_bench [--consenting 111111] [--control 10]
        [--load-history] [--skip-plain] [--skip-service] [--pdf-sample 50]
        [--mail-sample 1000]

Plain campaign: records a current consent to marketing by SMS for --consenting customers
(set-based, not timed), then launches a coupon campaign whose audience rule selects every
customer (``customer_rank > 0``): the audience is resolved over all of them, the consenting
ones are split into treated and control groups, and each treated customer gets a coupon of a
loyalty program that sends no email. Prints the time of the launch (resolution and member
insert, coupon issue) and of a measurement of every member against the purchase ledger.

Service-history campaign: needs the service history that --load-history loads once and
COMMITS into the database (use a copy): value tiers and email addresses on the customers,
owned products, service records and consents to marketing by email (set-based, then
ANALYZE; see load_service_history). Launches a coupon campaign whose audience is "value tier
high or medium, two or more repairs in the 24 months before the start and owns a product in
use of the line Phones" over every customer, with the program's "at creation" coupon email
(Odoo's coupon template), and prints the time of each step of the launch. Then prepares the
coupon emails of --pdf-sample treated customers as the background job does and prints its
rate, with the coupon PDF that Odoo's coupon template attaches (the campaign's option), then
of --mail-sample others without it (the default).

The campaigns run inside a transaction that is rolled back.
"""

import os
import sys
import time

from _odoo_env import odoo_env, parser

from odoo.fields import Command
from odoo.tools import SQL

HISTORY_MARK = "BENCH/"
LINE = "Phones"


def timed(action):
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def load():
    return f"load {os.getloadavg()[0]:.1f}"


def record_consents(env, company, count, channel):
    purpose = env["customer.consent.event"]._purpose("marketing")
    env.cr.execute(
        """
        INSERT INTO customer_consent_event
               (partner_id, commercial_partner_id, company_id, purpose_id, channel,
                legal_basis, action, event_date, source, recorded_by_id, create_uid,
                create_date, write_uid, write_date)
        SELECT partner.id, partner.id, %(company)s, %(purpose)s, %(channel)s, 'consent',
               'granted', now() AT TIME ZONE 'UTC', 'import', 1, 1,
               now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
          FROM res_partner partner
         WHERE partner.customer_rank > 0 AND partner.id = partner.commercial_partner_id
         ORDER BY partner.id
         LIMIT %(count)s
        """,
        {"company": company.id, "purpose": purpose.id, "count": count, "channel": channel},
    )
    recorded = env.cr.rowcount
    env.cr.execute("ANALYZE customer_consent_event")
    return recorded


def products_of(env, *lines):
    return env["product.product"].search([("categ_id.name", "in", list(lines))], order="id").ids


def load_service_history(env, company):
    """Commit a service history on every customer, set-based, drawn from a hash of the
    customer so that it is the same on every copy:

    - value tier: 25 % high, 40 % medium, 35 % low; an email address for 85 %;
    - 50 % own a product (75 % of them a phone, the others a laptop or tablet; 93 % in use)
      and 30 % of those a second one (laptop, tablet or accessory);
    - on the first product, repairs received in the last 24 months: none for 30 % of the
      owners, one for 15 %, two for 30 %, three for 25 % (4 % of repairs cancelled); an
      older repair (25-60 months) for 30 %, an advice record in the last 24 months for 20 %;
    - a current consent to marketing by email for 90 % of the owners.

    The rule of the service-history campaign thus selects about 125,000 customers, the size
    of the target (coupons for 100,000): a denser history than most shops of 1,000,000
    customers have, chosen for the size of the issue."""
    phones = products_of(env, LINE)
    others = products_of(env, "Laptops", "Tablets")
    extras = products_of(env, "Laptops", "Tablets", "Accessories")
    if not (phones and others and extras):
        sys.exit(f"the database needs products of the lines {LINE}, Laptops, Tablets and "
                 "Accessories (see load_million.py)")
    cr = env.cr
    cr.execute("""
        CREATE FUNCTION pg_temp.draw(salt text, id integer) RETURNS double precision
        LANGUAGE sql IMMUTABLE AS
        $$ SELECT ('x' || substr(md5(salt || id::text), 1, 8))::bit(32)::bigint
                  / 4294967296.0 $$
    """)
    steps = []

    def step(name, query, params=None):
        spent, _result = timed(lambda: cr.execute(query, params or {}))
        steps.append(f"{name}: {cr.rowcount:,} rows in {spent:.1f} s")
        print(steps[-1], load(), flush=True)

    base = {"company": company.id, "mark": HISTORY_MARK, "phones": phones,
            "others": others, "extras": extras}
    step("value tiers and emails", """
        UPDATE res_partner
           SET value_tier = CASE WHEN pg_temp.draw('tier', id) < 0.25 THEN 'high'
                                 WHEN pg_temp.draw('tier', id) < 0.65 THEN 'medium'
                                 ELSE 'low' END,
               email = CASE WHEN pg_temp.draw('email', id) < 0.85
                            THEN COALESCE(email, 'customer' || id || '@bench.example.com')
                            ELSE email END,
               email_normalized = CASE WHEN pg_temp.draw('email', id) < 0.85
                            THEN COALESCE(email_normalized,
                                          'customer' || id || '@bench.example.com')
                            ELSE email_normalized END
         WHERE customer_rank > 0 AND id = commercial_partner_id
    """)
    owned_insert = """
        INSERT INTO customer_owned_product
               (partner_id, commercial_partner_id, company_id, product_id, product_categ_id,
                state, purchase_date, warranty_end_date, notes, create_uid, create_date,
                write_uid, write_date)
        SELECT owner.id, owner.id, %(company)s, product.id, template.categ_id,
               owner.state, owner.bought, owner.bought + 730, %(mark)s, 1,
               now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
          FROM (SELECT partner.id, {product} AS product_id,
                       CASE WHEN pg_temp.draw({salt} || 'kept', partner.id) < 0.93
                            THEN 'in_use' ELSE 'replaced' END AS state,
                       current_date - (pg_temp.draw({salt} || 'bought', partner.id)
                                       * 1460)::int AS bought
                  FROM res_partner partner
                 WHERE partner.customer_rank > 0 AND partner.id = partner.commercial_partner_id
                   AND pg_temp.draw('own', partner.id) < 0.5 AND {where}) owner
          JOIN product_product product ON product.id = owner.product_id
          JOIN product_template template ON template.id = product.product_tmpl_id
    """
    step("owned products (first)", owned_insert.format(
        salt="'first'", where="TRUE",
        product="""CASE WHEN pg_temp.draw('line', partner.id) < 0.75
             THEN (%(phones)s::int[])[1 + floor(pg_temp.draw('model', partner.id)
                                                 * cardinality(%(phones)s::int[]))::int]
             ELSE (%(others)s::int[])[1 + floor(pg_temp.draw('model', partner.id)
                                                 * cardinality(%(others)s::int[]))::int]
             END"""), base)
    step("owned products (second)", owned_insert.format(
        salt="'second'", where="pg_temp.draw('second', partner.id) < 0.3",
        product="""(%(extras)s::int[])[1 + floor(pg_temp.draw('extra', partner.id)
                                              * cardinality(%(extras)s::int[]))::int]"""),
        base)
    service_insert = """
        INSERT INTO customer_service_record
               (name, partner_id, commercial_partner_id, company_id, owned_product_id, method,
                state, received_date, returned_date, technician_id, create_uid, create_date,
                write_uid, write_date)
        SELECT %(mark)s || {kind} || '/' || owned.id || '/' || n, owned.partner_id,
               owned.commercial_partner_id, owned.company_id, owned.id, {method},
               CASE WHEN {method} = 'repair'
                         AND pg_temp.draw({kind} || 'cancel' || n, owned.id) < 0.04
                    THEN 'cancelled' ELSE 'done' END,
               received.day, received.day + 5, 1, 1, now() AT TIME ZONE 'UTC', 1,
               now() AT TIME ZONE 'UTC'
          FROM customer_owned_product owned
          CROSS JOIN LATERAL generate_series(1, {count}) n
          CROSS JOIN LATERAL (
               SELECT current_date - ({first_day} + pg_temp.draw({kind} || n, owned.id)
                                      * {days})::int AS day) received
         WHERE owned.notes = %(mark)s AND owned.id IN (
               SELECT min(first.id) FROM customer_owned_product first
                WHERE first.notes = %(mark)s GROUP BY first.partner_id)
    """
    step("repairs in the last 24 months", service_insert.format(
        kind="'repair'", method="'repair'", first_day=1, days=715,
        count="""CASE WHEN pg_temp.draw('repairs', owned.partner_id) < 0.30 THEN 0
                      WHEN pg_temp.draw('repairs', owned.partner_id) < 0.45 THEN 1
                      WHEN pg_temp.draw('repairs', owned.partner_id) < 0.75 THEN 2
                      ELSE 3 END"""), base)
    step("older repairs", service_insert.format(
        kind="'old'", method="'repair'", first_day=750, days=1050,
        count="CASE WHEN pg_temp.draw('old', owned.partner_id) < 0.3 THEN 1 ELSE 0 END"),
        base)
    step("advice", service_insert.format(
        kind="'advice'", method="'advice'", first_day=1, days=715,
        count="CASE WHEN pg_temp.draw('advice', owned.partner_id) < 0.2 THEN 1 ELSE 0 END"),
        base)
    purpose = env["customer.consent.event"]._purpose("marketing")
    step("consents to marketing by email", """
        INSERT INTO customer_consent_event
               (partner_id, commercial_partner_id, company_id, purpose_id, channel,
                legal_basis, action, event_date, source, recorded_by_id, create_uid,
                create_date, write_uid, write_date)
        SELECT DISTINCT owned.partner_id, owned.partner_id, %(company)s, %(purpose)s,
               'email', 'consent', 'granted', now() AT TIME ZONE 'UTC', 'import', 1, 1,
               now() AT TIME ZONE 'UTC', 1, now() AT TIME ZONE 'UTC'
          FROM customer_owned_product owned
         WHERE owned.notes = %(mark)s AND pg_temp.draw('consent', owned.partner_id) < 0.9
    """, {**base, "purpose": purpose.id})
    cr.execute("SELECT setval('customer_service_record_id_seq', "
               "(SELECT max(id) FROM customer_service_record))")
    for table in ("res_partner", "customer_owned_product", "customer_service_record",
                  "customer_consent_event"):
        spent, _result = timed(lambda table=table: cr.execute(
            SQL("ANALYZE %s", SQL.identifier(table))))
        print(f"ANALYZE {table}: {spent:.1f} s", flush=True)
    cr.commit()


def history_loaded(env):
    env.cr.execute("SELECT 1 FROM customer_owned_product WHERE notes = %s LIMIT 1",
                   [HISTORY_MARK])
    return bool(env.cr.fetchone())


def time_methods(env, names):
    """Time each call of the campaign's methods ``names`` (wrapped on the registry class)."""
    spent = {}
    model_class = type(env["customer.offer.campaign"])
    for name in names:
        original = getattr(model_class, name)

        def wrapper(self, *args, __original=original, __name=name, **kwargs):
            started = time.perf_counter()
            result = __original(self, *args, **kwargs)
            spent[__name] = spent.get(__name, 0.0) + time.perf_counter() - started
            return result

        setattr(model_class, name, wrapper)
    return spent


def plain_campaign(env, company, options):
    customers = env["res.partner"].search_count([("customer_rank", ">", 0)])
    consents = record_consents(env, company, options.consenting, "sms")
    program = env["loyalty.program"].create({
        "name": "Bench coupons", "program_type": "coupons", "trigger": "with_code",
        "applies_on": "current", "communication_plan_ids": [],
    })
    campaign = env["customer.offer.campaign"].create({
        "name": "Bench offer", "program_id": program.id, "random_seed": 1,
        "audience_domain": "[('customer_rank', '>', 0)]", "consent_channel": "sms",
        "control_percent": options.control,
    })
    env.flush_all()
    print(f"customers: {customers:,}, consenting by SMS: {consents:,}, {load()}")

    resolve_time, counts = timed(campaign._resolve_audience)
    print(f"audience resolved and members inserted: {resolve_time:.1f} s "
          f"(audience {counts['audience_count']:,}, treated {counts['treated_count']:,}, "
          f"control {counts['control_count']:,}, no consent "
          f"{counts['no_consent_count']:,})")
    issue_time, _result = timed(campaign._issue_coupons)
    cards = env["loyalty.card"].search_count([("program_id", "=", program.id)])
    print(f"coupons issued: {cards:,} in {issue_time:.1f} s; "
          f"launch total {resolve_time + issue_time:.1f} s, {load()}")
    measure_time, _result = timed(campaign._measure)
    print(f"measurement of {counts['treated_count'] + counts['control_count']:,} "
          f"members: {measure_time:.1f} s, {load()}")


def service_campaign(env, options):
    template = env.ref("loyalty.mail_template_loyalty_card")
    program = env["loyalty.program"].create({
        "name": "Bench coupons with email", "program_type": "coupons",
        "trigger": "with_code", "applies_on": "current",
        "communication_plan_ids": [
            Command.create({"trigger": "create", "mail_template_id": template.id}),
        ],
    })
    line = env["product.category"].search([("name", "=", LINE)], limit=1)
    campaign = env["customer.offer.campaign"].create({
        "name": "Bench service rule", "program_id": program.id, "random_seed": 1,
        "audience_domain": "[('customer_rank', '>', 0), "
                           "('value_tier', 'in', ['high', 'medium'])]",
        "min_repairs": 2, "repair_months": 24, "owned_categ_id": line.id,
        "control_percent": options.control,
    })
    env.flush_all()
    env.cr.execute("SELECT count(*) FROM customer_service_record")
    services = env.cr.fetchone()[0]
    env.cr.execute("SELECT count(*) FROM customer_owned_product")
    owned = env.cr.fetchone()[0]
    print(f"service records: {services:,}, owned products: {owned:,}; coupon email at "
          f"creation: {template.name}, {load()}", flush=True)
    spent = time_methods(env, ["_resolve_audience", "_issue_coupons"])
    launch_time, _result = timed(campaign.action_launch)
    queued = campaign.coupon_mail_count
    print(f"launch: {launch_time:.1f} s in all (target: under 2 minutes), {load()}\n"
          f"  audience resolved and members inserted: {spent['_resolve_audience']:.1f} s "
          f"(audience {campaign.audience_count:,}, treated {campaign.treated_count:,}, "
          f"control {campaign.control_count:,}, no consent {campaign.no_consent_count:,}, "
          f"blacklisted {campaign.blacklisted_count:,})\n"
          f"  coupons issued: {spent['_issue_coupons']:.1f} s\n"
          f"  coupon emails marked for the background job: {queued:,}", flush=True)
    pending = [("campaign_id", "=", campaign.id), ("coupon_mail", "=", "pending")]
    for label, sample, pdf in (("with the coupon PDF", options.pdf_sample, True),
                               ("without the PDF (the default)", options.mail_sample, False)):
        if sample:
            campaign.sudo().coupon_mail_pdf = pdf
            members = env["customer.offer.member"].search(pending, order="id", limit=sample)
            time_mails(env, campaign, members, queued, label)


def time_mails(env, campaign, members, queued, label):
    mail_time, _result = timed(lambda: campaign._send_coupon_mails(members))
    env.flush_all()
    mails = env["mail.mail"].search_count(
        [("model", "=", "loyalty.card"), ("res_id", "in", members.coupon_id.ids)]
    )
    rate = len(members) / mail_time
    print(f"coupon emails {label} prepared by the job for {len(members):,} customers: "
          f"{mails:,} mails in {mail_time:.1f} s ({rate:.1f} per second: {queued:,} would "
          f"take {queued / rate / 60:.0f} min), {load()}", flush=True)


def main():
    arguments = parser(__doc__)
    arguments.add_argument("--consenting", type=int, default=111_111)
    arguments.add_argument("--control", type=float, default=10.0)
    arguments.add_argument("--load-history", action="store_true",
                           help="load and COMMIT the service history (once, on a copy)")
    arguments.add_argument("--skip-plain", action="store_true")
    arguments.add_argument("--skip-service", action="store_true")
    arguments.add_argument("--pdf-sample", type=int, default=50)
    arguments.add_argument("--mail-sample", type=int, default=1000)
    options = arguments.parse_args()
    sys.path.insert(0, f"{sys.path[0]}/..")
    with odoo_env(options.config, options.db) as env:
        company = env.company
        if options.load_history and not history_loaded(env):
            spent, _result = timed(lambda: load_service_history(env, company))
            print(f"service history loaded and committed in {spent:.1f} s, {load()}")
        if not options.skip_plain:
            plain_campaign(env, company, options)
            env.cr.rollback()
        if not options.skip_service:
            if not history_loaded(env):
                sys.exit("no service history: run with --load-history first (on a copy)")
            service_campaign(env, options)
        env.cr.rollback()


if __name__ == "__main__":
    main()
