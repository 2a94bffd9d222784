"""Figures for customer_file_key_account on a loaded database (see load_million.py).

    python bench/bench_key_account.py --db cf_bench_copy [--managers 20]

The database must have customer_file_key_account installed and value tiers computed (a
segmentation run). Creates two rules (high value for --managers managers without a maximum;
medium value in one province for 2 managers with a maximum of 500 each, so most of them
wait), then times: the first assignment (every key account new, with its welcome call), the
same again (nothing changes), the hand-over of an archived manager's key accounts, and a run
after 1% of the high-value customers dropped to medium. Prints the counts of each run and
the load of the managers. Each step's time includes flushing what it left to the database
(the stored fields Odoo computes at the next flush, such as the welcome calls' document
names). With --fresh-cache the environment's cache is emptied before archiving the manager,
to tell the hand-over's own cost from the script's 200,000 cached records of the first run.
Runs inside a transaction that is rolled back.
"""

import sys
import time
from collections import Counter

from _odoo_env import odoo_env, parser

ENV = []


def timed(label, action):
    started = time.perf_counter()
    result = action()
    ENV[0].flush_all()
    print(f"{label}: {time.perf_counter() - started:.1f} s  {result}", flush=True)
    return result


def main():
    arguments = parser(__doc__)
    arguments.add_argument("--managers", type=int, default=20)
    arguments.add_argument("--fresh-cache", action="store_true",
                           help="empty the environment's cache before archiving the manager")
    options = arguments.parse_args()
    sys.path.insert(0, f"{sys.path[0]}/..")
    with odoo_env(options.config, options.db) as env:
        ENV.append(env)
        from odoo.fields import Command
        from odoo.tools import SQL

        env.cr.execute("SELECT value_tier, COUNT(*) FROM res_partner GROUP BY 1 ORDER BY 1")
        print("customers by value tier:", env.cr.fetchall())
        group = env.ref("customer_file.group_customer_file_user")
        Users = env["res.users"].with_context(no_reset_password=True)
        managers = Users.create([
            {"login": f"bench.kam.{n}", "name": f"Bench manager {n}",
             "group_ids": [Command.link(group.id)]}
            for n in range(options.managers + 2)
        ])
        env.cr.execute("""SELECT state_id FROM res_partner WHERE value_tier = 'medium'
                           AND state_id IS NOT NULL GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1""")
        province = env.cr.fetchone()
        Rule = env["customer.key.account.rule"]
        Rule.search([]).action_archive()
        Rule.create([{
            "name": "Bench: high value", "value_tier": "high",
            "user_ids": [Command.set(managers[:options.managers].ids)],
        }, {
            "name": "Bench: medium value of a province", "value_tier": "medium",
            "domain": repr([("state_id", "=", province[0] if province else False)]),
            "user_ids": [Command.set(managers[options.managers:].ids)], "max_accounts": 500,
        }])
        env.flush_all()

        timed("first assignment (all new, welcome calls; other rules' key accounts released)",
              Rule._run_assignment)
        timed("second assignment (no change)", Rule._run_assignment)
        loads = Counter(dict(env.execute_query(SQL(
            "SELECT key_account_manager_id, COUNT(*) FROM res_partner"
            " WHERE key_account_manager_id IS NOT NULL GROUP BY 1"
        ))))
        print("load of the high-value managers (min, max):",
              min(loads[user.id] for user in managers[:options.managers]),
              max(loads[user.id] for user in managers[:options.managers]))
        if options.fresh_cache:
            env.invalidate_all()
            env.clear()
        timed(f"archive a manager ({loads[managers[0].id]} key accounts handed over)",
              lambda: managers[0].action_archive())
        env.cr.execute("""UPDATE res_partner SET value_tier = 'medium'
                           WHERE id IN (SELECT id FROM res_partner WHERE value_tier = 'high'
                                        ORDER BY id LIMIT (SELECT COUNT(*) / 100 FROM res_partner
                                                           WHERE value_tier = 'high'))""")
        env.invalidate_all()
        timed("assignment after 1% of the high-value customers dropped",
              Rule._run_assignment)
        env.cr.rollback()


if __name__ == "__main__":
    main()
