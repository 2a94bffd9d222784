"""Masking costs no query per record: read a page of the customers list (its own view's
fields, as the web client asks for them) as a user who sees phones and e-mails masked and as
one who sees them plain, for pages of 80 and of 500 customers, and print queries and time.

    python bench/bench_masking.py --db DB

DB: any database with customer_file installed (e.g. the demo's). Users and customers are
created in a transaction that is rolled back.
"""

import time

from _odoo_env import odoo_env, parser


def main():
    options = parser(__doc__).parse_args()
    with odoo_env(options.config, options.db) as env:
        from odoo.tests import new_test_user

        from odoo.addons.customer_file.tests.test_masking_queries import (
            count_list_queries,
            list_specification,
        )

        officer = "customer_file.group_customer_file_officer"
        sensitive = "customer_file.group_customer_file_sensitive"
        masked_user = new_test_user(env, login="bench_mask_officer",
                                    groups=f"base.group_user,{officer}")
        plain_user = new_test_user(env, login="bench_mask_sensitive",
                                   groups=f"base.group_user,{officer},{sensitive}")
        spec = list_specification(env, "customer_file.res_partner_view_list_customer_file")
        for size in (80, 500):
            customers = env["res.partner"].create([{
                "name": f"Bench customer {index}", "customer_rank": 1,
                "phone": f"+86 138 {index:08d}", "email": f"bench{index}@example.com",
            } for index in range(size)])
            for label, user in (("plain (Sensitive Data)", plain_user),
                                ("masked", masked_user)):
                start = time.perf_counter()
                queries, _result = count_list_queries(env, user, customers, spec)
                seconds = time.perf_counter() - start
                print(f"{size} customers, {label}: {queries} queries, {seconds * 1000:.0f} ms "
                      "(two reads, the second counted)")
        env.cr.rollback()


if __name__ == "__main__":
    main()
