"""XLSX export of the customer list over --customers customers.

    python bench/bench_export_xlsx.py --db cf_bench [--customers 100000] [--tracemalloc]

Loads the customers with PostgreSQL COPY (name, phone, email, city, a salesperson, a
customer code; one in a hundred named like a formula), three purchase days each in the
daily summary and a completeness score, then exports them all as an officer outside
Sensitive Data (phones and emails masked) would from the customer list with every customer
selected ("Select all": the export is given the list's domain). Prints the time of the
export (reading, masking, writing the workbook and storing it for download), how far the
process's peak memory (maxrss) grew during it and, with --tracemalloc (slower, so timed
apart), the peak of Python's allocations. Reads the file back to count its rows, then rolls
everything back.
"""

import base64
import io
import os
import random
import resource
import sys
import time
import tracemalloc

from _odoo_env import odoo_env, parser

CITIES = ["上海", "杭州", "深圳", "北京", "成都", "广州", "Shanghai", "London"]


def memory_mb(key):
    """VmRSS (resident now) or VmHWM (resident at the peak) of this process, in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024
    raise KeyError(key)


def reset_peak_memory():
    """Linux resets VmHWM to the current resident size on '5' in clear_refs."""
    with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
        clear_refs.write("5")


def main():
    arguments = parser(__doc__)
    arguments.add_argument("--customers", type=int, default=100_000)
    arguments.add_argument("--seed", type=int, default=20261202)
    arguments.add_argument("--tracemalloc", action="store_true",
                           help="measure the peak of Python allocations (slows the export)")
    options = arguments.parse_args()

    sys.path.insert(0, f"{sys.path[0]}/..")
    with odoo_env(options.config, options.db) as env:
        import openpyxl

        from odoo.addons.customer_file.tools import demo_data

        rnd = random.Random(options.seed)
        cr = env.cr
        company = env.company
        officer = env["res.users"].create({
            "name": "Bench Officer", "login": "bench_xlsx_officer",
            "group_ids": [(6, 0, [env.ref("customer_file.group_customer_file_officer").id])],
        })
        salespeople = env["res.users"].create([
            {"name": f"Bench Salesperson {index}", "login": f"bench_xlsx_sales_{index}",
             "group_ids": [(6, 0, [env.ref("customer_file.group_customer_file_user").id])]}
            for index in range(10)
        ])
        env.flush_all()
        cr.execute("SELECT COALESCE(MAX(id), 0) FROM res_partner")
        first_id = cr.fetchone()[0] + 1
        rows = []
        for index in range(options.customers):
            partner_id = first_id + index
            name = (f'=HYPERLINK("http://x.example/{index}","{index}")' if index % 100 == 0
                    else demo_data.person_name(rnd))
            phone = f"+86{demo_data.chinese_mobile(rnd)}"
            email = f"c{partner_id}@example.com"
            rows.append("\t".join([
                str(partner_id), name, name, str(partner_id), "t", "contact", "f", "ask", "1",
                str(company.id), phone, phone, email, email, rnd.choice(CITIES),
                str(rnd.choice(salespeople).id), f"BX{partner_id:08d}",
            ]) + "\n")
        cr.execute("SELECT setval('res_partner_id_seq', %s)", [first_id + options.customers])
        started = time.perf_counter()
        cr.copy_expert(
            "COPY res_partner (id, name, complete_name, commercial_partner_id, active, type,"
            " is_company, autopost_bills, customer_rank, company_id, phone, phone_sanitized,"
            " email, email_normalized, city, user_id, customer_code) FROM STDIN",
            io.StringIO("".join(rows)),
        )
        # The foreign keys of the inserts below look the partners up: without statistics of
        # the new rows (after a restart of PostgreSQL the table counts as empty), each lookup
        # scans the whole table.
        cr.execute("ANALYZE res_partner")
        cr.execute(
            """
            INSERT INTO customer_purchase_day
                   (partner_id, commercial_partner_id, company_id, date, source, is_refund,
                    document_count, amount)
            SELECT p.id, p.id, %(company)s, CURRENT_DATE - (p.id %% 700 + day * 37), 'import',
                   FALSE, 1, 50 + (p.id * 7 + day * 13) %% 900
              FROM res_partner p, generate_series(0, 2) day
             WHERE p.id >= %(first)s
            """,
            {"company": company.id, "first": first_id},
        )
        cr.execute(
            "INSERT INTO customer_completeness (partner_id, score)"
            " SELECT id, id %% 101 FROM res_partner WHERE id >= %s", [first_id],
        )
        cr.execute("ANALYZE customer_purchase_day")
        print(f"{options.customers:,} customers loaded in {time.perf_counter() - started:.1f} s",
              flush=True)

        domain = [("id", ">=", first_id), ("customer_rank", ">", 0)]
        # "Select all" on the list: the first ids of the domain, and the domain.
        limit = int(env["ir.config_parameter"].sudo().get_param("web.active_ids_limit", 20000))
        selection = env["res.partner"].with_user(officer).search(domain, limit=limit)
        exporter = env["customer.xlsx.export"].with_user(officer).with_context(
            active_domain=domain)
        env.invalidate_all()
        del rows
        load = os.getloadavg()[0]
        reset_peak_memory()
        resident = memory_mb("VmRSS")
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        action = exporter._export_customers(selection)
        elapsed = time.perf_counter() - started
        peak = memory_mb("VmHWM")
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        cpu_seconds = (cpu_after.ru_utime - cpu.ru_utime) + (cpu_after.ru_stime - cpu.ru_stime)
        export = env["customer.xlsx.export"].browse(int(action["url"].split("/")[4]))
        content = base64.b64decode(export.content)
        print(f"export of {options.customers:,} customers: {elapsed:.1f} s "
              f"(load average {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end); "
              f"file {len(content) / 1e6:.1f} MB")
        print(f"CPU time of this process during the export: {cpu_seconds:.1f} s (PostgreSQL's "
              "own time not included)")
        print(f"resident memory: {resident:.0f} MB before the export, peak {peak:.0f} MB "
              f"during it (+{peak - resident:.0f} MB)")

        if options.tracemalloc:
            env.invalidate_all()
            tracemalloc.start()
            started = time.perf_counter()
            exporter._export_customers(selection)
            elapsed = time.perf_counter() - started
            _current, traced_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"with tracemalloc: {elapsed:.1f} s, peak of Python allocations "
                  f"{traced_peak / 1e6:.0f} MB")

        sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True)["Customers"]
        data_rows = sum(1 for _row in sheet.iter_rows(min_row=2, values_only=True))
        print(f"read back: {data_rows:,} rows")
        cr.rollback()


if __name__ == "__main__":
    main()
