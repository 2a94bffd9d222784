"""Figures for the import (customer.import), as the wizard and its job run it: the file is
staged with COPY, then imported in the job's committed batches, then the same file is
imported again (nothing to create, nothing changed).

--kind purchase (the default): a CSV of --lines purchase lines (1,000,000) for --customers
customers (100,000) loaded beforehand.
--kind customers: a CSV of --customers customers (100,000) with phone, e-mail, region and
culture tags and external reference.

    python bench/bench_import.py --db cf_bench [--lines 1000000] [--customers 100000]
    python bench/bench_import.py --db cf_bench --kind customers [--customers 100000]

Runs on a copy of the database that it drops at the end (the import commits batch by
batch, as the job does): the database itself is left as it was.
"""

import base64
import logging
import os
import random
import time
from datetime import date, timedelta

from _odoo_env import database_copy, odoo_env, parser


def load_average():
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def customers(env, count):
    """``count`` customers with the external references CUST<n> of an earlier customer
    import, loaded in SQL."""
    from odoo.tools import SQL

    company_id = env.company.id
    cr = env.cr
    cr.execute(SQL(
        """
        WITH created AS (
            INSERT INTO res_partner (name, complete_name, active, type, is_company,
                                     customer_rank, autopost_bills)
            SELECT 'Bench customer ' || n, 'Bench customer ' || n, TRUE, 'contact', FALSE, 1,
                   'ask'
              FROM generate_series(1, %(count)s) n
            RETURNING id
        )
        SELECT MIN(id) FROM created
        """,
        count=count,
    ))
    first = cr.fetchone()[0]
    cr.execute(SQL(
        """
        UPDATE res_partner SET commercial_partner_id = id WHERE id >= %(first)s;
        INSERT INTO ir_model_data (module, name, model, res_id, noupdate)
        SELECT 'customer_file_import', %(company)s || '_CUST' || (id - %(first)s + 1),
               'res.partner', id, TRUE
          FROM res_partner WHERE id >= %(first)s;
        ANALYZE res_partner;
        ANALYZE ir_model_data;
        """,
        first=first, company=company_id,
    ))


def products(env, count):
    product = env["product.product"]
    return [product.create({"name": f"Bench product {n}", "default_code": f"BP-{n:03d}"})
            .default_code for n in range(count)]


def purchase_file(lines, customer_count, codes, seed=20261202):
    """The CSV: about 3 lines per order, orders over the last three years."""
    rnd = random.Random(seed)
    today = date.today()
    out = ["external_ref,customer,date,product,quantity,amount,document\n"]
    order = 0
    customer = day = None
    for number in range(lines):
        if number % 3 == 0:
            order += 1
            customer = rnd.randint(1, customer_count)
            day = today - timedelta(days=rnd.randint(1, 1095))
        quantity = rnd.randint(1, 3)
        out.append(f"L{number:07d},CUST{customer},{day},{rnd.choice(codes)},{quantity},"
                   f"{quantity * rnd.randint(5, 900)}.{rnd.randint(0, 99):02d},ORD{order}\n")
    return "".join(out).encode()


def run_import(env, content, label, kind="purchase"):
    job = env["customer.import"].create({
        "kind": kind, "file_name": f"{label}.csv",
        "file": base64.b64encode(content),
    })
    env.cr.commit()
    started = time.perf_counter()
    job.action_import()
    env.cr.commit()
    staged = time.perf_counter()
    job._run(commit=True)
    done = time.perf_counter()
    print(f"{label}: {job.row_count:,} rows, staged (decode, parse, COPY) in "
          f"{staged - started:.1f} s, imported in {done - staged:.1f} s "
          f"({job.batch_count} batches), total {done - started:.1f} s "
          f"= {job.row_count / (done - started):,.0f} rows/s, batches alone "
          f"{job.row_count / (done - staged):,.0f} rows/s; created {job.created_count:,}, "
          f"updated {job.updated_count:,}, unchanged {job.unchanged_count:,}, "
          f"refused {job.refused_count:,} [{load_average()}]", flush=True)
    return job


def ledger_size(env):
    env.cr.execute("SELECT COUNT(*) FROM customer_purchase_line WHERE source = 'import'")
    lines = env.cr.fetchone()[0]
    env.cr.execute("SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM customer_purchase_day")
    days, amount = env.cr.fetchone()
    return lines, days, amount


def customer_file(count, tags, seed=20261202):
    """The CSV of ``count`` customers: one in ten a company with a tax ID, each with an
    e-mail, four in five with a mobile number, most with one or two tags."""
    rnd = random.Random(seed)
    cities = ["Shanghai", "Beijing", "Guangzhou", "Shenzhen", "Hangzhou", "Chengdu"]
    out = ["external_ref,name,is_company,vat,email,phone,street,city,zip,country,tags\n"]
    for number in range(1, count + 1):
        company = number % 10 == 0
        # Unique e-mails, phones and tax IDs: a row matches no customer but its own.
        phone = f"13{number % 10} {number // 10000:04d} {number % 10000:04d}"
        chosen = rnd.sample(tags, rnd.choice((0, 1, 1, 2)))
        out.append(
            f"CUST{number},{'Bench Trading ' if company else 'Bench customer '}{number},"
            f"{'yes' if company else 'no'},{f'CN91{number:012d}' if company else ''},"
            f"customer{number}@example.com,{phone if number % 5 else ''},"
            f"{rnd.randint(1, 999)} Bench Road,{rnd.choice(cities)},{rnd.randint(100000, 999999)},"
            f"CN,\"{', '.join(chosen)}\"\n"
        )
    return "".join(out).encode()


def partner_counts(env):
    env.cr.execute("SELECT COUNT(*) FROM res_partner")
    partners = env.cr.fetchone()[0]
    env.cr.execute("SELECT COUNT(*) FROM customer_contact_point")
    points = env.cr.fetchone()[0]
    env.cr.execute("SELECT COUNT(*) FROM ir_model_data WHERE module = 'customer_file_import'")
    refs = env.cr.fetchone()[0]
    return partners, points, refs


def bench_customers(env, options):
    tags = []
    for kind, names in (("region", ("East China", "North China", "South China")),
                        ("culture", ("Cantonese", "Hakka"))):
        for name in names:
            tag = env["customer.tag"].search([("name", "=", name)], limit=1) or env[
                "customer.tag"].create({"name": name, "kind": kind})
            tags.append(tag.name)
    env.cr.commit()
    started = time.perf_counter()
    content = customer_file(options.customers, tags)
    print(f"CSV of {options.customers:,} customers, {len(content) / 1e6:.1f} MB, generated in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    before = partner_counts(env)
    run_import(env, content, "first import", kind="customer")
    after_first = partner_counts(env)
    print("new: {:,} partners, {:,} contact points, {:,} external references".format(
        *(after - earlier for after, earlier in zip(after_first, before, strict=True))),
        flush=True)
    run_import(env, content, "re-import of the same file", kind="customer")
    after_second = partner_counts(env)
    print(f"after the re-import: {after_second[0] - after_first[0]:,} new partners, "
          f"{after_second[1] - after_first[1]:,} new contact points, "
          f"{after_second[2] - after_first[2]:,} new external references", flush=True)


def main():
    arguments = parser(__doc__)
    arguments.add_argument("--kind", choices=("purchase", "customers"), default="purchase")
    arguments.add_argument("--lines", type=int, default=1_000_000)
    arguments.add_argument("--customers", type=int, default=100_000)
    arguments.add_argument("--products", type=int, default=200)
    options = arguments.parse_args()
    with odoo_env(options.config, options.db) as env:
        # The import logs the seconds of each batch's steps.
        logging.getLogger("odoo.addons.customer_file.models.customer_import").setLevel(
            logging.INFO
        )
        env.cr.execute("SELECT COUNT(*) FROM customer_purchase_line")
        lines = env.cr.fetchone()[0]
        env.cr.execute("SELECT COUNT(*) FROM res_partner")
        print(f"database {options.db}: {lines:,} purchase lines, {env.cr.fetchone()[0]:,} "
              f"partners [{load_average()}]", flush=True)
    with database_copy(options.db) as copy, odoo_env(options.config, copy) as env:
        if options.kind == "customers":
            bench_customers(env, options)
            return
        started = time.perf_counter()
        customers(env, options.customers)
        codes = products(env, options.products)
        env.cr.commit()
        print(f"{options.customers:,} customers, {options.products} products in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        started = time.perf_counter()
        content = purchase_file(options.lines, options.customers, codes)
        print(f"CSV of {options.lines:,} lines, {len(content) / 1e6:.1f} MB, generated in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        before = ledger_size(env)
        run_import(env, content, "first import")
        after_first = ledger_size(env)
        print(f"ledger: {after_first[0] - before[0]:,} new import lines, daily summary "
              f"{after_first[1]:,} rows, total {after_first[2]:,.2f}", flush=True)
        run_import(env, content, "re-import of the same file")
        after_second = ledger_size(env)
        print(f"ledger after the re-import: {after_second[0] - after_first[0]:,} new lines, "
              f"daily summary {after_second[1]:,} rows, total {after_second[2]:,.2f} "
              f"({'unchanged' if after_second == after_first else 'CHANGED'})", flush=True)


if __name__ == "__main__":
    main()
