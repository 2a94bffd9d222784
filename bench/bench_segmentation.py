"""Figures for customer_file_segmentation on a loaded database (see load_million.py).

    python bench/bench_segmentation.py --db cf_bench [--naive 10000] [--fit 100000]

Prints, in one run on the same rows:
- the whole rebuild of the daily summary of the ledger (what the upgrade to it costs once);
- the baseline: a raw SQL GROUP BY with three NTILE(5) into a temporary table, over the
  purchase lines (the yardstick) and over the daily summary the pipeline reads, with the
  memory the pipeline takes;
- the BG/NBD and Gamma-Gamma fit on --fit customers and on every customer;
- the training of the churn probability (the company one horizon ago, its outcomes since);
- scoring without writes (ledger aggregation, RFM, predictions, churn probability) against
  the yardstick;
- a full run (RFM, lifecycle, BG/NBD predictions, churn warnings) right after a refit (on a
  database never scored, the first full run ever), again the same day, and once more a
  week later, with their ratio to the baseline; these runs start two weeks before the
  load's last purchase day, so that each week brings the load's purchases of that week;
- an incremental run after 1,000 new orders;
- the nightly job the day after (incremental, then a churn run over every customer);
- the weekly job a week after that (the load's last day): the training, a refit, then a
  full run that starts from the ledger aggregated for the refit (every prediction changes);
- on a database scored before, the first full run ever on emptied score and warning tables
  (what the first weekly job costs on a loaded database);
- where the full runs again the same day, a week later and in the weekly job spend their
  time: the seconds of their statements, by the table each one creates or writes;
- the naive way (an ORM loop per customer) on --naive customers against the pipeline's
  incremental mode on the same customers, for the ratio.

With --weekly-run it measures only the weekly job's run, on a copy of the database whose
scores, warnings and runs are emptied and whose partners are rewritten with their room
(VACUUM FULL): the yardstick, then the runs two weeks before the load's last day (the
weekly job: training, refit, first full run ever), a week later (full run) and on the last
day (the weekly job: training, refit, full run), the last two with the seconds of their
statements. The weekly job's full run starts from the ledger aggregated for the refit, in
the same transaction; the full run a week later aggregates it itself.

The first figures are taken in a transaction that is rolled back; the runs, on a copy of
the database that is dropped at the end (each run commits, as the crons do; the naive loop
is rolled back). The database is left as it was.
"""

import re
import sys
import time
from collections import defaultdict
from contextlib import contextmanager

from _odoo_env import database_copy, odoo_env, parser


def timed(env, action):
    env.flush_all()
    started = time.perf_counter()
    result = action()
    env.flush_all()
    return time.perf_counter() - started, result


@contextmanager
def statement_times():
    """Seconds spent in the statements the cursors run, and the rows they wrote, summed by
    what each one writes: the first table it creates, inserts into, updates or deletes from
    (reads count as SELECT, their rows are not counted). A call of several statements
    reports the rows of its last one only: none when it ends with ``ANALYZE``."""
    from odoo.sql_db import Cursor

    times = defaultdict(lambda: [0.0, 0])
    execute = Cursor.execute

    def timed_execute(self, query, params=None, log_exceptions=True):
        started = time.perf_counter()
        try:
            return execute(self, query, params, log_exceptions)
        finally:
            text = getattr(query, "code", query)
            written = re.search(
                r"\b(CREATE TEMP TABLE|INSERT INTO|UPDATE|DELETE FROM)\s+\"?(\w+)", text
            )
            figures = times[" ".join(written.groups()) if written else "SELECT"]
            figures[0] += time.perf_counter() - started
            if written and self.rowcount > 0:
                figures[1] += self.rowcount

    Cursor.execute = timed_execute
    try:
        yield times
    finally:
        Cursor.execute = execute


def print_times(times, shown=12):
    ranked = sorted(times.items(), key=lambda item: item[1][0], reverse=True)
    for what, (seconds, rows) in ranked[:shown]:
        print(f"    {seconds:5.2f} s  {what}" + (f" ({rows:,} rows)" if rows else ""),
              flush=True)
    rest = ranked[shown:]
    if rest:
        print(f"    {sum(seconds for _what, (seconds, _rows) in rest):5.2f} s  {len(rest)}"
              " other kinds of statement", flush=True)


def baseline(env, company, today, window_start, table="customer_purchase_line"):
    """What a hand-written RFM query costs on the same rows (every line of the company up to
    today, as the issue states it): the yardstick of the full run. On the daily summary
    (``customer_purchase_day``) it shows what the pipeline's reading of the ledger costs."""
    orders, amount = {
        "customer_purchase_line": ("COUNT(DISTINCT document_ref)", "amount"),
        "customer_purchase_day": ("SUM(document_count)", "amount"),
    }[table]
    env.cr.execute(
        f"""
        CREATE TEMP TABLE bench_baseline AS
        SELECT partner_id,
               NTILE(5) OVER (ORDER BY last_date) AS r,
               NTILE(5) OVER (ORDER BY frequency) AS f,
               NTILE(5) OVER (ORDER BY monetary) AS m
          FROM (SELECT commercial_partner_id AS partner_id, MAX(date) AS last_date,
                       {orders} FILTER (WHERE date > %s) AS frequency,
                       SUM({amount}) FILTER (WHERE date > %s) AS monetary
                  FROM {table}
                 WHERE company_id = %s AND date <= %s
                 GROUP BY commercial_partner_id) per_customer
        """,
        [window_start, window_start, company.id, today],
    )
    rows = env.cr.rowcount
    env.cr.execute("DROP TABLE bench_baseline")
    return rows


def add_orders(env, company, count, today):
    """``count`` one-line imported orders of random existing customers, dated today."""
    env.cr.execute(
        """
        INSERT INTO customer_purchase_line (
            partner_id, commercial_partner_id, company_id, date, source, external_ref,
            document_ref, document_name, quantity, amount, is_refund, create_date, write_date)
        SELECT partner_id, partner_id, %s, %s, 'import', 'bench:' || partner_id,
               'bench:' || partner_id, 'BENCH', 1, 100, FALSE,
               NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
          FROM (SELECT DISTINCT commercial_partner_id AS partner_id
                  FROM customer_purchase_line TABLESAMPLE SYSTEM (1)
                 LIMIT %s) sample
        RETURNING id, commercial_partner_id
        """,
        [company.id, today, count],
    )
    rows = env.cr.fetchall()
    partner_ids = [row[1] for row in rows]
    # What confirming the orders does: the daily rows follow by delta, then the totals.
    env["customer.purchase.day"]._append_lines([row[0] for row in rows])
    env["res.partner"]._refresh_purchase_aggregates(partner_ids)
    return len(partner_ids)


def naive(env, company, partner_ids, today, window_start):
    """The way many modules do it: read each customer's lines, score in Python, write."""
    Line = env["customer.purchase.line"]
    Partner = env["res.partner"]
    values = {}
    for partner in Partner.browse(partner_ids):
        lines = Line.search([
            ("commercial_partner_id", "=", partner.id), ("company_id", "=", company.id),
        ])
        recent = lines.filtered(lambda line: line.date > window_start)
        values[partner.id] = (
            (today - max(lines.mapped("date"))).days,
            len(set(recent.mapped("document_ref"))),
            sum(recent.mapped("amount")),
        )

    def quintile(index, reverse=False):
        ranked = sorted(values, key=lambda pid: values[pid][index], reverse=reverse)
        return {pid: 1 + 5 * rank // len(ranked) for rank, pid in enumerate(ranked)}

    r, f, m = quintile(0, reverse=True), quintile(1), quintile(2)
    for partner in Partner.browse(partner_ids):
        score = (r[partner.id] + f[partner.id] + 2 * m[partner.id]) / 4
        tier = "high" if score >= 4 else "medium" if score >= 2.5 else "low"
        partner.write({"value_tier": tier})
    env.flush_all()


def load_average():
    with open("/proc/loadavg") as loadavg:
        return " ".join(loadavg.read().split()[:3])


def weekly_run(options):
    """The weekly job's run as bench/README.md measures it (see --weekly-run above)."""
    from odoo.tools import config

    config.parse_config(["-c", options.config, "--log-level=warn"])
    with database_copy(options.db) as copy, odoo_env(options.config, copy) as env:
        from datetime import timedelta

        from dateutil.relativedelta import relativedelta
        from freezegun import freeze_time

        from odoo import fields

        company = env.company
        Run = env["customer.rfm.run"]
        config = env["customer.rfm.config"]._for_company(company)
        today = fields.Date.context_today(Run)
        env.cr.execute("TRUNCATE customer_rfm_score, customer_churn_warning CASCADE")
        env.cr.execute("DELETE FROM customer_rfm_run")
        env.cr.execute("UPDATE res_partner SET value_tier = NULL, rfm_segment_id = NULL,"
                       " lifecycle_stage = NULL WHERE lifecycle_stage IS NOT NULL"
                       " OR value_tier IS NOT NULL")
        env.cr.commit()
        env.cr._cnx.autocommit = True  # VACUUM refuses a transaction
        env.cr.execute("VACUUM FULL res_partner")
        env.cr.execute("VACUUM ANALYZE res_partner")
        env.cr._cnx.autocommit = False
        env.invalidate_all()
        env["customer.rfm.pipeline"]._reserve_work_mem()
        window_start = today - relativedelta(months=config.window_months)
        base_seconds, _rows = timed(env, lambda: baseline(env, company, today, window_start))
        env.cr.rollback()
        print(f"baseline (the yardstick): {base_seconds:.1f} s, load {load_average()}",
              flush=True)
        start = today - timedelta(days=14)
        for label, day, refit in (("first full run ever", start, True),
                                  ("full run a week later", start + timedelta(days=7), False),
                                  ("the weekly job's full run", today, True)):
            with freeze_time(day, tick=True):
                refitted_since = None
                if refit:
                    # As the weekly job does it: in the run's transaction, which starts from
                    # the ledger aggregated for the fit.
                    seconds, refitted_since = timed(env, lambda day=day: Run._refit(config, day))
                    print(f"refit and training as of {day}: {seconds:.1f} s", flush=True)
                before = load_average()
                with statement_times() as times:
                    seconds, run = timed(env, lambda since=refitted_since: Run._run_company(
                        company, "full", refitted_since=since))
                    env.cr.commit()
                print(f"{label} ({day}): {seconds:.1f} s = {seconds / base_seconds:.2f} ×"
                      f" baseline, {run.warning_count:,} new warnings; load {before} before,"
                      f" {load_average()} after", flush=True)
                if day != start:
                    print_times(times, shown=20)


def main():
    arguments = parser(__doc__)
    arguments.add_argument("--naive", type=int, default=10_000)
    arguments.add_argument("--fit", type=int, default=100_000)
    arguments.add_argument("--no-rebuild", action="store_true",
                           help="skip the whole rebuild of the daily summary")
    arguments.add_argument("--weekly-run", action="store_true",
                           help="measure only the weekly job's run (see above)")
    options = arguments.parse_args()
    sys.path.insert(0, f"{sys.path[0]}/..")
    if options.weekly_run:
        weekly_run(options)
        return
    with odoo_env(options.config, options.db) as env:
        from datetime import timedelta

        from dateutil.relativedelta import relativedelta
        from freezegun import freeze_time

        from odoo import fields
        from odoo.tools import SQL

        company = env.company
        pipeline = env["customer.rfm.pipeline"]
        config = env["customer.rfm.config"]._for_company(company)
        today = fields.Date.context_today(pipeline)
        window_start = today - relativedelta(months=config.window_months)
        env.cr.execute(
            "SELECT COUNT(*), COUNT(DISTINCT commercial_partner_id) FROM customer_purchase_line"
            " WHERE company_id = %s", [company.id],
        )
        lines, customers = env.cr.fetchone()
        print(f"data: {customers:,} customers with {lines:,} purchase lines", flush=True)
        env.cr.execute(
            "SELECT (SELECT COUNT(*) FROM customer_rfm_score WHERE company_id = %s),"
            " (SELECT COUNT(*) FROM customer_churn_warning WHERE company_id = %s)",
            [company.id, company.id],
        )
        scores, warnings = env.cr.fetchone()
        print(f"before: {scores:,} score rows and {warnings:,} warnings (the first full run"
              " below is the first ever only when both are 0)", flush=True)

        # The yardstick gets the memory the pipeline takes for itself.
        pipeline._reserve_work_mem()
        if not options.no_rebuild:
            seconds, _result = timed(env, env["customer.purchase.day"]._rebuild)
            days = env.execute_query(SQL("SELECT COUNT(*) FROM customer_purchase_day"))[0][0]
            print(f"daily summary rebuilt whole ({days:,} rows; the upgrade's one-time cost):"
                  f" {seconds:.1f} s", flush=True)
        seconds, rows = timed(env, lambda: baseline(env, company, today, window_start))
        base_seconds = seconds
        print(f"baseline GROUP BY + 3 × NTILE(5) over the lines: {rows:,} customers in"
              f" {seconds:.1f} s", flush=True)
        seconds, rows = timed(env, lambda: baseline(
            env, company, today, window_start, "customer_purchase_day"))
        day_seconds = seconds
        print(f"the same over the daily summary: {rows:,} customers in {seconds:.1f} s",
              flush=True)

        seconds, _count = timed(env, lambda: pipeline._build_base(config, today))
        print(f"daily summary aggregated per customer in {seconds:.1f} s", flush=True)
        fit_ids = [row[0] for row in env.execute_query(SQL(
            "SELECT partner_id FROM customer_rfm_base ORDER BY partner_id LIMIT %s", options.fit,
        ))]
        seconds, values = timed(env, pipeline._fit_on_base)
        print(f"BG/NBD + Gamma-Gamma fit on every customer ({values['model_fit_customers']:,}):"
              f" {seconds:.1f} s (r={values['bgnbd_r']:.3f} alpha={values['bgnbd_alpha']:.1f}"
              f" a={values['bgnbd_a']:.3f} b={values['bgnbd_b']:.3f})", flush=True)
        pipeline._build_base(config, today, fit_ids)
        seconds, small = timed(env, pipeline._fit_on_base)
        print(f"BG/NBD + Gamma-Gamma fit on {small['model_fit_customers']:,} customers:"
              f" {seconds:.1f} s", flush=True)
        # Training the churn probability: the company as it was one horizon ago (ledger
        # aggregation, BG/NBD refit, RFM and predictions, features in SQL), the outcomes of
        # the horizon since, and the logistic fit.
        horizon = config.churn_horizon_days
        seconds, trained = timed(env, lambda: env["customer.churn.model"]._train(
            config, today, horizon))
        print(f"churn probability trained ({trained['kind']}) on"
              f" {trained.get('customer_count', 0):,} customers as of"
              f" {trained['train_cutoff']} ({horizon} days): {seconds:.1f} s"
              f" (training ROC AUC {trained.get('roc_auc', 0):.3f})", flush=True)
        model = {"kind": trained["kind"], "horizon": horizon,
                 "intercept": trained["intercept"], "features": trained["coefficients"]}
        params = (values["bgnbd_r"], values["bgnbd_alpha"], values["bgnbd_a"],
                  values["bgnbd_b"])
        gamma = (values["gamma_gamma_p"], values["gamma_gamma_q"], values["gamma_gamma_v"])

        def scoring():
            count = pipeline._build_base(config, today)
            pipeline._score(config, pipeline._fresh_bounds(config, count), params, gamma)
            env["customer.churn.evaluation"]._score_churn(config, today, model=model,
                                                           with_signals=False)
            return count

        seconds, count = timed(env, scoring)
        print(f"scoring (ledger aggregation, quintiles, RFM, lifecycle, BG/NBD and"
              f" Gamma-Gamma predictions, churn probability; no writes): {count:,} customers"
              f" in {seconds:.1f} s = {seconds / base_seconds:.2f} × baseline", flush=True)
        env.cr.rollback()

    # Runs are measured as the crons make them, each in a transaction of its own: within one
    # transaction PostgreSQL checks every foreign key again when a row written earlier in
    # the same transaction is rewritten, which no cron does. So they run on a copy.
    with database_copy(options.db) as copy, odoo_env(options.config, copy) as env:
        company = env.company
        Run = env["customer.rfm.run"]
        config = env["customer.rfm.config"]._for_company(company)
        # The runs start two weeks before the last day of the load, so that a week later a
        # week of purchases has come in (the load's, some 18,000 lines a day at 10M lines
        # over 560 days), as in a shop: a week without a single purchase would make every
        # customer a week more overdue and the refit learn that nobody buys any more.
        start = today - timedelta(days=14)
        with freeze_time(start, tick=True):
            Run._fit_churn_model(config, start)
            env["customer.churn.model"]._train_and_store(config, start)
        env.cr.commit()

        def reported(label, run, seconds):
            print(f"{label}: {run.customer_count:,} customers, "
                  f"{run.warning_count:,} new warnings in {seconds:.1f} s "
                  f"= {seconds / base_seconds:.1f} × baseline"
                  f" ({seconds / day_seconds:.1f} × on the summary)", flush=True)
            env.cr.commit()

        # The copy takes the fit on every customer above: its first run follows a refit,
        # every prediction changes; the second one finds nothing to change.
        first_label = "full run right after a refit" if scores else \
            "first full run ever, right after a refit (empty scores and warnings)"
        with freeze_time(start, tick=True):
            seconds, run = timed(env, lambda: Run._run_company(company, "full"))
            reported(first_label, run, seconds)
            with statement_times() as same_day:
                seconds, run = timed(env, lambda: Run._run_company(company, "full"))
            reported("full run again the same day", run, seconds)
            print_times(same_day)
        # A week later: a week of purchases, and every customer a week older, so recency,
        # predictions and signal values move for nearly everybody.
        with freeze_time(start + timedelta(days=7), tick=True):
            with statement_times() as week_later:
                seconds, run = timed(env, lambda: Run._run_company(company, "full"))
            reported("full run a week later", run, seconds)
            print_times(week_later)
            added = add_orders(env, company, 1000, start + timedelta(days=7))
            env.cr.commit()
            seconds, run = timed(env, lambda: Run._run_company(company, "incremental"))
            print(f"incremental run after {added:,} new orders: {run.customer_count:,}"
                  f" customers rescored in {seconds:.2f} s", flush=True)
            env.cr.commit()
        # The nightly job the day after: rescore who bought (nobody), then evaluate the
        # churn of every customer a day older.
        with freeze_time(start + timedelta(days=8), tick=True):
            seconds, run = timed(env, Run._cron_nightly)
            run = Run.search([("company_id", "=", company.id)], limit=1)
            reported("the nightly job the day after (incremental, then churn run)", run,
                     seconds)
        # The weekly job itself a week after that (the load's last day): training, refit,
        # then a full run against the new parameters and model (every prediction changes),
        # in one transaction as the job runs them.
        with freeze_time(today, tick=True):
            refit_seconds, refitted_since = timed(env, lambda: Run._refit(config, today))
            with statement_times() as weekly:
                seconds, run = timed(env, lambda: Run._run_company(
                    company, "full", refitted_since=refitted_since))
            print(f"the weekly job a week after that: training and refit {refit_seconds:.1f} s,"
                  " then", end=" ")
            reported("full run", run, seconds)
            print_times(weekly)
        if scores or warnings:
            # What installing the addon on a loaded database costs: nothing scored, nothing
            # warned, no segment, tier or stage on the partners.
            env.cr.execute("TRUNCATE customer_rfm_score, customer_churn_warning CASCADE")
            env.cr.execute("UPDATE res_partner SET value_tier = NULL, rfm_segment_id = NULL,"
                           " lifecycle_stage = NULL WHERE lifecycle_stage IS NOT NULL")
            env.cr.commit()
            env.cr._cnx.autocommit = True  # VACUUM refuses a transaction
            env.cr.execute("VACUUM ANALYZE res_partner")
            env.cr._cnx.autocommit = False
            seconds, run = timed(env, lambda: Run._run_company(company, "full"))
            reported("first full run ever (empty scores and warnings)", run, seconds)
        # The naive way against the pipeline on the same customers, rolled back (the
        # pipeline's incremental mode needs the full runs above).
        # Customers who bought (a database scored for the first time has no scores yet).
        env.cr.execute(
            "SELECT DISTINCT commercial_partner_id FROM customer_purchase_day"
            " WHERE company_id = %s ORDER BY commercial_partner_id LIMIT %s",
            [company.id, options.naive],
        )
        naive_ids = [row[0] for row in env.cr.fetchall()]
        seconds, _result = timed(env, lambda: naive(env, company, naive_ids, today,
                                                    window_start))
        per_customer = seconds / len(naive_ids)
        print(f"naive ORM loop on {len(naive_ids):,} customers (RFM and tier only): "
              f"{seconds:.1f} s, {per_customer * 1000:.2f} ms per customer, "
              f"≈ {per_customer * customers / 3600:.1f} h for {customers:,}", flush=True)
        set_seconds, run = timed(
            env, lambda: Run._run_company(company, "incremental", naive_ids)
        )
        print(f"the set-based pipeline on the same {len(naive_ids):,} customers: "
              f"{set_seconds:.2f} s ({seconds / set_seconds:.0f} × faster)", flush=True)
        env.cr.rollback()


if __name__ == "__main__":
    main()
