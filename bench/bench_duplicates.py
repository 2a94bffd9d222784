"""Duplicate-suspect detection over a customer file of --customers customers.

    python bench/bench_duplicates.py --db cf_bench [--customers 200000] [--planted 0.02]

Loads the customers with PostgreSQL COPY (names, phones, emails, addresses, as a shop's file
has them) with a share of planted duplicates (the same phone, the same email, or a name and
an address with a typo), runs the detection (customer.duplicate.suspect._detect: exact keys,
pg_trgm on the address key's trigram index, grouping) and prints its time, what it found
and how many planted duplicates it found. Rolls everything back.
"""

import io
import os
import random
import sys
import time

from _odoo_env import odoo_env, parser

STREETS = ["Nanjing Road", "Huaihai Road", "Zhongshan Road", "Renmin Road", "Jiefang Road",
           "Heping Street", "Changan Avenue", "Jianguo Road", "Xinhua Street", "Wenhua Road",
           "南京路", "淮海路", "中山路", "人民路", "解放路", "和平街", "长安街", "建国路",
           "新华街", "文化路", "High Street", "Station Road", "Main Street", "Church Lane"]
CITIES = [("上海", "200000"), ("杭州", "310000"), ("深圳", "518000"), ("北京", "100000"),
          ("成都", "610000"), ("广州", "510000"), ("Shanghai", "200001"),
          ("London", "EC1A"), ("Manchester", "M1"), ("Seattle", "98101")]


def typo(rnd, text):
    """One character dropped, doubled or swapped with its neighbour."""
    if len(text) < 3:
        return text + text[-1]
    index = rnd.randrange(1, len(text) - 1)
    kind = rnd.randrange(3)
    if kind == 0:
        return text[:index] + text[index + 1:]
    if kind == 1:
        return text[:index] + text[index] + text[index:]
    return text[:index - 1] + text[index] + text[index - 1] + text[index + 1:]


def main():
    arguments = parser(__doc__)
    arguments.add_argument("--customers", type=int, default=200_000)
    arguments.add_argument("--planted", type=float, default=0.02,
                           help="share of the customers that get a duplicate")
    arguments.add_argument("--seed", type=int, default=20261202)
    options = arguments.parse_args()

    sys.path.insert(0, f"{sys.path[0]}/..")
    with odoo_env(options.config, options.db) as env:
        from odoo.addons.customer_file.tools import demo_data
        from odoo.addons.customer_file.tools.data_quality import address_key

        rnd = random.Random(options.seed)
        cr = env.cr
        company_id = env.company.id
        env["customer.data.quality.config"]._for_company(env.company)
        env.flush_all()
        cr.execute("SELECT COALESCE(MAX(id), 0) FROM res_partner")
        first_id = cr.fetchone()[0] + 1
        cr.execute("SELECT COUNT(*) FROM res_partner WHERE active AND parent_id IS NULL"
                   " AND (customer_rank > 0 OR customer_code IS NOT NULL)")
        before = cr.fetchone()[0]

        rows = []
        planted = {"phone": [], "email": [], "similar": []}
        originals = options.customers - int(options.customers * options.planted)
        people = []
        for index in range(originals):
            city, zipcode = rnd.choice(CITIES)
            people.append({
                "name": demo_data.person_name(rnd),
                "phone": f"+86{demo_data.chinese_mobile(rnd)}",
                "email": f"c{first_id + index}@example.com",
                "street": f"{rnd.randint(1, 999)} {rnd.choice(STREETS)}",
                "city": city, "zip": zipcode,
            })
        for _index in range(options.customers - originals):
            original = rnd.randrange(originals)
            kind = rnd.choice(list(planted))
            source = people[original]
            copy = {"name": source["name"], "phone": None, "email": None,
                    "street": None, "city": None, "zip": None}
            if kind == "phone":
                copy.update(name=typo(rnd, source["name"]), phone=source["phone"])
            elif kind == "email":
                copy.update(email=source["email"].upper(), city=source["city"])
            else:
                copy.update(name=typo(rnd, source["name"]), street=typo(rnd, source["street"]),
                            city=source["city"], zip=source["zip"])
            planted[kind].append((first_id + original, first_id + len(people)))
            people.append(copy)

        def value(text):
            return "\\N" if text is None else text.replace("\t", " ")

        for offset, person in enumerate(people):
            partner_id = first_id + offset
            email = person["email"]
            key = address_key(person["street"], person["zip"], person["city"])
            rows.append("\t".join([
                str(partner_id), value(person["name"]), value(person["name"]), str(partner_id),
                "t", "contact", "f", "ask", "1", str(company_id),
                value(person["phone"]), value(person["phone"]), value(email),
                value(email and email.lower()), value(person["street"]),
                value(person["zip"]), value(person["city"]), value(key or None),
            ]) + "\n")
        cr.execute("SELECT setval('res_partner_id_seq', %s)", [first_id + len(people)])
        started = time.perf_counter()
        cr.copy_expert(
            "COPY res_partner (id, name, complete_name, commercial_partner_id, active, type,"
            " is_company, autopost_bills, customer_rank, company_id, phone, phone_sanitized,"
            " email, email_normalized, street, zip, city, customer_file_address_key)"
            " FROM STDIN", io.StringIO("".join(rows)),
        )
        cr.execute("ANALYZE res_partner")
        loaded = time.perf_counter()
        print(f"{len(people):,} customers loaded in {loaded - started:.1f} s "
              f"({before:,} customers already there, names only)", flush=True)

        detect_started = time.perf_counter()
        load = os.getloadavg()[0]
        open_pairs = env["customer.duplicate.suspect"]._detect()
        detected = time.perf_counter() - detect_started
        cr.execute("SELECT COUNT(*), MAX(partner_count) FROM customer_duplicate_group")
        groups, largest = cr.fetchone()
        print(f"detection: {detected:.1f} s (load average {load:.2f} at the start, "
              f"{os.getloadavg()[0]:.2f} at the end)")
        print(f"open pairs: {open_pairs:,}; groups: {groups:,} (largest {largest})")
        cr.execute(
            "SELECT same_phone, same_email, same_vat, name_similarity > 0"
            " AND address_similarity > 0, COUNT(*) FROM customer_duplicate_suspect"
            " GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC"
        )
        for phone, email, vat, similar, count in cr.fetchall():
            reasons = [name for name, flag in (("phone", phone), ("email", email),
                                               ("vat", vat), ("name+address", similar)) if flag]
            print(f"  {'+'.join(reasons) or 'other'}: {count:,}")
        cr.execute("SELECT partner_a_id, partner_b_id FROM customer_duplicate_suspect")
        found = set(cr.fetchall())
        for kind, pairs in planted.items():
            hits = sum(1 for pair in pairs if pair in found)
            print(f"planted {kind}: {hits:,} of {len(pairs):,} found")
        cr.execute(
            "EXPLAIN SELECT 1 FROM res_partner a JOIN res_partner b"
            " ON b.customer_file_address_key %% a.customer_file_address_key"
            " WHERE a.id = %s", [first_id],
        )
        plan = "\n".join(row[0] for row in cr.fetchall())
        print("trigram index used:", "customer_file_address_key_index" in plan)
        cr.rollback()


if __name__ == "__main__":
    main()
