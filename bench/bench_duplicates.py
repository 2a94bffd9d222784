"""Duplicate-suspect detection over a customer file of --customers customers.

    python bench/bench_duplicates.py --db cf_bench [--customers 200000] [--planted 0.02]

Loads the customers with PostgreSQL COPY (names, phones, emails, addresses, as a shop's file
has them) with a share of planted duplicates (the same phone, the same email, or a name and
an address with a typo), runs the detection (customer.duplicate.suspect._detect: exact keys,
the address pass, the name pass in pinyin, grouping) and prints its time, what it found,
how many planted duplicates it found and how many pairs it suspects that were not planted.
Rolls everything back.
"""

import io
import os
import random
import sys
import time

from _odoo_env import odoo_env, parser

STREET_NAMES = ["Nanjing", "Huaihai", "Zhongshan", "Renmin", "Jiefang", "Heping", "Changan",
                "Jianguo", "Xinhua", "Wenhua", "Yanan", "Beijing", "Sichuan", "Xizang",
                "Fuzhou", "Henan", "Shaanxi", "Huashan", "Wuning", "Siping"]
STREETS = ([f"{name} {kind}" for name in STREET_NAMES
            for kind in ("Road", "East Road", "West Road", "North Road", "Street")]
           + [f"{name}{kind}" for name in ("南京", "淮海", "中山", "人民", "解放", "和平", "长安",
                                           "建国", "新华", "文化", "延安", "四川", "西藏", "福州")
              for kind in ("路", "东路", "西路", "中路", "街")])
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
    arguments.add_argument("--address-similarity", type=float, default=0.7)
    arguments.add_argument("--name-similarity", type=float, default=0.5)
    options = arguments.parse_args()

    sys.path.insert(0, f"{sys.path[0]}/..")
    with odoo_env(options.config, options.db) as env:
        from odoo.tools import SQL

        from odoo.addons.customer_file.models.customer_duplicate_suspect import name_pinyin
        from odoo.addons.customer_file.tools import demo_data
        from odoo.addons.customer_file.tools.data_quality import address_key

        rnd = random.Random(options.seed)
        cr = env.cr
        company_id = env.company.id
        env["customer.data.quality.config"]._for_company(env.company).write({
            "duplicate_address_similarity": options.address_similarity,
            "duplicate_name_similarity": options.name_similarity,
        })
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
                value(name_pinyin(person["name"]) or None),
            ]) + "\n")
        cr.execute("SELECT setval('res_partner_id_seq', %s)", [first_id + len(people)])
        started = time.perf_counter()
        cr.copy_expert(
            "COPY res_partner (id, name, complete_name, commercial_partner_id, active, type,"
            " is_company, autopost_bills, customer_rank, company_id, phone, phone_sanitized,"
            " email, email_normalized, street, zip, city, customer_file_address_key,"
            " customer_file_name_pinyin)"
            " FROM STDIN", io.StringIO("".join(rows)),
        )
        cr.execute("ANALYZE res_partner")
        loaded = time.perf_counter()
        print(f"{len(people):,} customers loaded in {loaded - started:.1f} s "
              f"({before:,} customers already there, names only)", flush=True)

        # A pair is planted when both are the same original customer or copies of it.
        family = {copy: original for pairs in planted.values() for original, copy in pairs}
        planted_similar = set(planted["similar"])

        def unplanted(pairs):
            return sum(1 for a, b in pairs if family.get(a, a) != family.get(b, b))

        Suspect = env["customer.duplicate.suspect"]
        config = env["customer.data.quality.config"]._for_company(env.company)
        for label, query in (
            ("exact keys (phone, email, tax ID)", Suspect._exact_pairs_query()),
            ("address pass: similar address and name, same numbers", Suspect._address_pairs_query(
                config.duplicate_address_similarity, config.duplicate_name_similarity)),
            ("name pass: similar name in pinyin and address, same place",
             Suspect._name_pairs_query(config.duplicate_address_similarity)),
        ):
            step = time.perf_counter()
            with env["customer.purchase.line"]._without_jit():  # as _detect runs them
                cr.execute(SQL("SELECT DISTINCT a, b FROM (%s) found", query))
                pairs = cr.fetchall()
            print(f"  {label}: {len(pairs):,} pairs in {time.perf_counter() - step:.1f} s "
                  f"({sum(1 for pair in pairs if pair in planted_similar):,} planted typos, "
                  f"{unplanted(pairs):,} not planted)", flush=True)
        detect_started = time.perf_counter()
        load = os.getloadavg()[0]
        open_pairs = env["customer.duplicate.suspect"]._detect()
        detected = time.perf_counter() - detect_started
        step = time.perf_counter()
        env["customer.duplicate.group"]._regroup()
        print(f"  of which grouping (run again): {time.perf_counter() - step:.1f} s")
        cr.execute("SELECT COUNT(*), MAX(partner_count) FROM customer_duplicate_group")
        groups, largest = cr.fetchone()
        print(f"detection: {detected:.1f} s (load average {load:.2f} at the start, "
              f"{os.getloadavg()[0]:.2f} at the end)")
        print(f"open pairs: {open_pairs:,}; groups: {groups:,} (largest {largest})")
        cr.execute(
            "SELECT same_phone, same_email, same_vat,"
            " (name_similarity > 0 OR same_name_pinyin OR pinyin_similarity > 0)"
            " AND address_similarity > 0, COUNT(*) FROM customer_duplicate_suspect"
            " GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC"
        )
        for phone, email, vat, similar, count in cr.fetchall():
            reasons = [name for name, flag in (("phone", phone), ("email", email),
                                               ("vat", vat), ("name+address", similar)) if flag]
            print(f"  {'+'.join(reasons) or 'other'}: {count:,}")
        cr.execute("SELECT partner_a_id, partner_b_id, same_phone OR same_email OR same_vat"
                   "  FROM customer_duplicate_suspect")
        found = {(a, b): exact for a, b, exact in cr.fetchall()}
        for kind, pairs in planted.items():
            hits = sum(1 for pair in pairs if pair in found)
            print(f"planted {kind}: {hits:,} of {len(pairs):,} found")
        exact = unplanted(pair for pair, shared in found.items() if shared)
        similar = unplanted(pair for pair, shared in found.items() if not shared)
        print(f"pairs not planted: {exact + similar:,} ({exact:,} sharing a phone, email or "
              f"tax ID, {similar:,} on similar names and addresses only)")
        cr.rollback()


if __name__ == "__main__":
    main()
