"""Load customers and purchase lines at scale with PostgreSQL COPY, then the daily summary.

    ./setup/test-style database with customer_file installed, then:
    python bench/load_million.py --db cf_bench --customers 1000000 --lines 10000000

Uses the same seeded rhythm model as the demo (customer_file/tools/demo_data.py) and prints
the time of each phase.
"""

import io
import random
import sys
import time
from datetime import date
from itertools import islice

from _odoo_env import odoo_env, parser

CHUNK = 200_000  # rows per COPY


class RowStream(io.TextIOBase):
    """A file-like object that COPY reads from, filled lazily by a row generator."""

    def __init__(self, rows):
        self._rows = rows
        self._buffer = ""

    def readable(self):
        return True

    def read(self, size=-1):
        while size < 0 or len(self._buffer) < size:
            more = "".join(islice(self._rows, 5000))
            if not more:
                break
            self._buffer += more
        if size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def batched(rows, size):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def main():
    arguments = parser(__doc__)
    arguments.add_argument("--customers", type=int, default=1_000_000)
    arguments.add_argument("--lines", type=int, default=10_000_000)
    arguments.add_argument("--seed", type=int, default=20261123)
    arguments.add_argument(
        "--history-days", type=int, default=560,
        help="customers start buying within this many days; 560 gives about 10 lines per "
        "customer, so 10M lines reach all of 1M customers",
    )
    options = arguments.parse_args()

    sys.path.insert(0, f"{sys.path[0]}/..")
    with odoo_env(options.config, options.db) as env:
        from odoo.tools import SQL

        from odoo.addons.customer_file.tools import demo_data

        rnd = random.Random(options.seed)
        today = date.today()
        cr = env.cr
        company_id = env.company.id
        products = env["customer.file.demo.generator"]._generate_catalogue()
        catalogue = {code: (product.id, product.categ_id.id) for code, product in products.items()}
        env.flush_all()

        started = time.perf_counter()
        cr.execute("SELECT COALESCE(MAX(id), 0) FROM res_partner")
        first_id = cr.fetchone()[0] + 1
        ids = range(first_id, first_id + options.customers)
        cr.execute("SELECT setval('res_partner_id_seq', %s)", [first_id + options.customers])

        def partner_rows():
            for partner_id in ids:
                name = demo_data.person_name(rnd).replace("\t", " ")
                yield (f"{partner_id}\t{name}\t{name}\t{partner_id}\tt\tcontact\tf\task\t1\t"
                       f"{company_id}\tt\n")

        cr.copy_expert(
            "COPY res_partner (id, name, complete_name, commercial_partner_id, active, type,"
            " is_company, autopost_bills, customer_rank, company_id, partner_share) FROM STDIN",
            RowStream(partner_rows()),
        )
        partners_done = time.perf_counter()
        print(f"customers: {options.customers:,} in {partners_done - started:.1f} s", flush=True)

        def line_rows():
            written = buyers = 0
            for partner_id in ids:
                if written >= options.lines:
                    break
                buyers += 1
                dates = demo_data.purchase_dates(rnd, today, options.history_days)
                for order, day in enumerate(dates):
                    if written >= options.lines:
                        break
                    document = f"B/{partner_id}/{order}"
                    for (code, _name, _categ, price, _tracked), qty in demo_data.basket(rnd):
                        product_id, categ_id = catalogue[code]
                        written += 1
                        yield (f"{partner_id}\t{partner_id}\t{company_id}\t{day}\timport\t"
                               f"{document}/{code}\t{document}\t{document}\t{product_id}\t"
                               f"{categ_id}\t{qty}\t{qty * price:.2f}\tf\n")
            print(f"purchase lines generated: {written:,} for {buyers:,} customers", flush=True)

        # Bulk load: check foreign keys and build indexes once after the COPY, not per row.
        cr.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'customer_purchase_line'::regclass AND contype = 'f'"
        )
        foreign_keys = cr.fetchall()
        for name, _definition in foreign_keys:
            cr.execute(SQL("ALTER TABLE customer_purchase_line DROP CONSTRAINT %s",
                           SQL.identifier(name)))
        cr.execute(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE tablename = 'customer_purchase_line' AND indexname NOT LIKE '%%pkey'"
        )
        indexes = cr.fetchall()
        for name, _definition in indexes:
            cr.execute(SQL("DROP INDEX %s", SQL.identifier(name)))
        cr.copy_expert(
            "COPY customer_purchase_line (partner_id, commercial_partner_id, company_id, date,"
            " source, external_ref, document_ref, document_name, product_id, product_categ_id,"
            " quantity, amount, is_refund) FROM STDIN",
            RowStream(line_rows()),
        )
        copied = time.perf_counter()
        print(f"purchase lines COPY in {copied - partners_done:.1f} s", flush=True)
        for _name, definition in indexes:
            cr.execute(definition)
        for name, definition in foreign_keys:
            # The definition is PostgreSQL's own text from pg_get_constraintdef.
            cr.execute(SQL("ALTER TABLE customer_purchase_line ADD CONSTRAINT %s %s",
                           SQL.identifier(name), SQL(definition)))
        lines_done = time.perf_counter()
        print(f"ledger indexes and foreign keys rebuilt in {lines_done - copied:.1f} s", flush=True)
        cr.execute("ANALYZE customer_purchase_line")
        cr.execute("ANALYZE res_partner")
        cr.commit()  # the lines are kept if a later step fails

        # A bulk load rebuilds the daily summary once instead of per chunk of customers;
        # the totals read from it, then the favourite categories and customer codes follow.
        env["customer.purchase.day"]._rebuild()
        summary_done = time.perf_counter()
        print(f"daily summary rebuilt in {summary_done - lines_done:.1f} s", flush=True)
        for chunk in batched(ids, CHUNK):
            env["res.partner"]._refresh_favourite_categories(chunk)
            env["res.partner"]._refresh_purchase_aggregates(chunk)
        refreshed = time.perf_counter()
        print(f"favourite categories and customer codes in {refreshed - summary_done:.1f} s",
              flush=True)
        cr.commit()
        print(f"total: {refreshed - started:.1f} s")


if __name__ == "__main__":
    main()
