import logging
import time
from datetime import timedelta

import numpy as np
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import bgnbd


def float8(value):
    """A float parameter typed double precision: PostgreSQL reads a bare ``0.5`` as numeric,
    whose arbitrary-precision arithmetic is many times slower over a million rows."""
    return SQL("%s::float8", float(value))


_logger = logging.getLogger(__name__)

# First key of the advisory lock a scoring run of a company takes (the second: its id).
SCORING_LOCK = 1_480_371_018
RUN_MODES = [("full", "Full"), ("incremental", "Incremental"), ("churn", "Churn evaluation")]
# The churn model's expectations are joined on (repeat purchases, age in days) folded into one
# number: with two keys the planner sees few distinct values in each and sorts every customer
# for a merge join; one key with as many values as pairs gets a hash join.
EXPECTATION_KEY_STRIDE = 100_000


class CustomerRfmRun(models.Model):
    """One scoring run of one company, and the set-based SQL pipeline behind it.

    Every run aggregates the purchase ledger into the temporary table ``customer_rfm_base``
    (one row per customer), scores it into ``customer_rfm_scored``, then writes the current
    scores, a snapshot, the lifecycle stages, the churn predictions and the churn warnings,
    each in one statement. Nothing loops over customers in Python.

    The temporary tables are the pipeline's interface, in the order they are made (each is
    dropped at the end of the transaction):

    ============================= ====================================================
    ``customer_rfm_base``         ``_build_base``: one row per customer with purchases
                                  up to ``as_of`` (dates, orders, purchase days, spend,
                                  spend and orders of the last 90 days and the 90 before)
    ``customer_rfm_expectation``  ``_create_expectations``: BG/NBD's expected purchases
                                  per (repeat purchases, age) pair, from numpy
    ``customer_rfm_scored``       ``_score``: R, F, M, weighted score, tier, segment,
                                  lifecycle stage, rhythm, probability alive, expected
                                  purchases (90 days and the churn horizon), probability of
                                  no purchase in the horizon, order value, CLV
    ``customer_churn_hook``       ``customer.churn.warning._churn_features``: the signals
    ``customer_churn_hook_pivot`` of other addons (hook), per customer and code, pivoted
    ``customer_churn_scored``     ``customer.churn.warning._score_churn``: churn
                                  probability, score (percent) and whether a warning opens
    ``customer_churn_fired``      the reasons of the customers who qualify or have an open
    ``customer_churn_keys``       warning (model terms, values, contributions) and their key
    ``customer_rfm_new``          ``_store_scores``: the score rows that change
    ``customer_churn_evaluated``  ``customer.churn.warning._apply_churn``: open warnings
                                  of the evaluated customers, then the warnings' writes
    ============================= ====================================================

    The churn model (``customer.churn.model._train``) and the backtest run the same steps
    as of a past date without writing scores or warnings.
    """

    _name = "customer.rfm.run"
    _description = "Customer Scoring Run"
    _order = "id desc"

    name = fields.Char(compute="_compute_name")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    mode = fields.Selection(RUN_MODES, required=True, readonly=True)
    is_partial = fields.Boolean(
        string="Selected customers only", readonly=True,
        help="Started on selected customers: it neither counts as the company's nightly run "
        "nor moves the purchase line the next incremental run starts from.",
    )
    run_date = fields.Date(required=True, readonly=True, default=fields.Date.context_today)
    started_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    duration = fields.Float(string="Duration (s)", readonly=True, digits=(16, 2))
    customer_count = fields.Integer(string="Customers", readonly=True)
    warning_count = fields.Integer(string="New Warnings", readonly=True)
    changes_since = fields.Datetime(
        readonly=True,
        help="Start of the oldest transaction under way when the run started: the next "
        "incremental run rescores the customers of the purchase lines created since, so a "
        "line committed late by a transaction that was already running is not missed.",
    )
    boundaries = fields.Json(
        readonly=True,
        help="Limits of scores 2 to 5 for recency (days), frequency (orders) and monetary "
        "value; incremental runs score against those of the last full run.",
    )
    boundaries_display = fields.Text(compute="_compute_boundaries_display")

    def _compute_name(self):
        modes = dict(self._fields["mode"]._description_selection(self.env))
        for run in self:
            run.name = f"{run.run_date} {modes.get(run.mode, '')}"

    def _compute_boundaries_display(self):
        labels = {"recency": "R (days ≤)", "frequency": "F (orders ≥)", "monetary": "M (≥)"}
        for run in self:
            bounds = run.boundaries or {}
            run.boundaries_display = "\n".join(
                f"{labels[key]} 2/3/4/5: " + " / ".join(
                    "-" if value is None else f"{value:g}" for value in bounds[key]
                )
                for key in labels if key in bounds
            )

    # ------------------------------------------------------------------ entry points

    @api.model
    def _run_company(self, company, mode, partner_ids=None):
        """Score one company; ``partner_ids`` restricts incremental and churn runs.

        Full runs score against fresh limits (quintiles or the configured thresholds);
        incremental runs (customers with new purchases) and churn runs (every customer, to
        age recency, stages, predictions and warnings) score against the limits of the last
        full run, so a customer's scores only move when the customer does.
        """
        config = self.env["customer.rfm.config"]._for_company(company)
        self._lock_company(company)
        started = time.monotonic()
        today = fields.Date.context_today(self)
        if mode != "full" and not config.last_full_run_id:
            mode = "full"
        if mode == "full":
            partner_ids = None
        is_partial = partner_ids is not None
        if mode == "incremental" and partner_ids is None:
            partner_ids = self._changed_partner_ids(config)
        self.env.flush_all()
        changes_since = self._oldest_transaction_start()
        previous_run = self.sudo().search([("company_id", "=", company.id)], limit=1)
        run = self.sudo().create({
            "company_id": company.id, "mode": mode, "run_date": today,
            "changes_since": changes_since, "is_partial": is_partial,
        })
        count = self._build_base(config, today, partner_ids)
        if mode != "full" and config.scoring_method == "quintile":
            bounds = config.last_full_run_id.boundaries
        else:
            bounds = self._fresh_bounds(config, count)
        run.boundaries = bounds
        self._score(config, bounds, config._bgnbd_params(), config._gamma_gamma_params())
        warnings = self.env["customer.churn.warning"]
        warnings._score_churn(config, today, every_customer=partner_ids is None)
        self._store_scores(config, run, previous_run, every_customer=partner_ids is None)
        new_warnings = warnings._apply_churn(config, today, run,
                                             remeasure=partner_ids is not None)
        run.write({
            "customer_count": count,
            "warning_count": new_warnings,
            "duration": time.monotonic() - started,
        })
        if mode == "full":
            config.last_full_run_id = run
        self.env.invalidate_all()
        return run

    @api.model
    def _try_lock_company(self, company):
        return self.env.execute_query(SQL(
            "SELECT pg_try_advisory_xact_lock(%s, %s)", SCORING_LOCK, company.id
        ))[0][0]

    @api.model
    def _lock_company(self, company):
        """One scoring run (or training) at a time per company: a transaction-level advisory
        lock, released when the run's transaction ends. A second run refuses at once."""
        if not self._try_lock_company(company):
            raise UserError(self.env._(
                "Customers of %(company)s are being scored by another run right now. "
                "Try again when it has finished.",
                company=company.name,
            ))

    @api.model
    def _oldest_transaction_start(self):
        """When the oldest transaction under way on this database started (this one
        included), in UTC: purchase lines not yet committed were created after it."""
        return self.env.execute_query(SQL(
            """
            SELECT LEAST(NOW(), MIN(xact_start)) AT TIME ZONE 'UTC'
              FROM pg_stat_activity
             WHERE datname = current_database() AND xact_start IS NOT NULL
            """
        ))[0][0]

    @api.model
    def _fit_churn_model(self, config, as_of=None):
        """Fit BG/NBD and Gamma-Gamma on the company's customers; store the parameters."""
        as_of = as_of or fields.Date.context_today(self)
        self._lock_company(config.company_id)
        self.env.flush_all()
        if not self._build_base(config, as_of):
            raise UserError(self.env._(
                "%(company)s has no purchases to fit a churn model on.",
                company=config.company_id.name,
            ))
        values = self._fit_on_base()
        values.update(model_fit_date=fields.Datetime.now())
        config.sudo().write(values)

    @api.model
    def _fit_on_base(self, sample_size=None):
        """Fit BG/NBD and Gamma-Gamma on the customers of ``customer_rfm_base``, or on a
        uniform random sample of about ``sample_size`` of them."""
        count = self.env.execute_query(SQL("SELECT COUNT(*) FROM customer_rfm_base"))[0][0] \
            if sample_size else 0
        share = min(1.0, sample_size / count) if sample_size and count else 1.0
        sampled = SQL("WHERE random() < %s", share) if share < 1 else SQL()
        if share < 1:
            self.env.cr.execute(SQL(
                """
                DROP TABLE IF EXISTS customer_rfm_fit_sample;
                CREATE TEMP TABLE customer_rfm_fit_sample ON COMMIT DROP AS
                SELECT purchase_days, last_date, first_date, as_of, orders, gross_spend
                  FROM customer_rfm_base %s
                """,
                sampled,
            ))
        table = SQL("customer_rfm_fit_sample") if share < 1 else SQL("customer_rfm_base")
        rows = self.env.execute_query(SQL(
            "SELECT purchase_days - 1, last_date - first_date, as_of - first_date, COUNT(*)"
            "  FROM %s GROUP BY 1, 2, 3",
            table,
        ))
        x, t_x, T, weight = (np.array(column, dtype=float) for column in zip(*rows, strict=True))
        if not np.any(x > 0):
            raise UserError(self.env._(
                "No customer has bought twice yet: the churn model needs repeat buyers."
            ))
        fit = bgnbd.fit_bgnbd(x, t_x, T, weight)
        values = {
            "bgnbd_r": fit["r"], "bgnbd_alpha": fit["alpha"],
            "bgnbd_a": fit["a"], "bgnbd_b": fit["b"],
            "model_fit_customers": int(weight.sum()),
            "gamma_gamma_p": 0.0, "gamma_gamma_q": 0.0, "gamma_gamma_v": 0.0,
        }
        repeat = self.env.execute_query(SQL(
            "SELECT purchase_days - 1, gross_spend / purchase_days FROM %s"
            " WHERE purchase_days > 1 AND gross_spend > 0",
            table,
        ))
        if len(repeat) >= 10:
            frequency, mean_value = (
                np.array(column, dtype=float) for column in zip(*repeat, strict=True)
            )
            gamma = bgnbd.fit_gamma_gamma(frequency, mean_value)
            values.update(gamma_gamma_p=gamma["p"], gamma_gamma_q=gamma["q"],
                          gamma_gamma_v=gamma["v"])
        return values

    # ------------------------------------------------------------------ crons

    @api.model
    def _cron_nightly(self):
        """Rescore customers with new purchases, then evaluate churn for every customer."""
        self._cron_companies(("incremental", "churn"))

    @api.model
    def _cron_weekly(self):
        """Refit the churn model and rescore everybody against fresh quintiles."""
        self._cron_companies(("fit", "full"))

    @api.model
    def _cron_companies(self, steps):
        """One company per transaction; a restarted cron skips the runs already done today."""
        today = fields.Date.context_today(self)
        companies = self.env["res.company"].sudo().search([])
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        for index, company in enumerate(companies):
            config = self.env["customer.rfm.config"]._for_company(company)
            done = set(self.sudo().search([
                ("company_id", "=", company.id), ("run_date", "=", today),
                ("is_partial", "=", False),
            ]).mapped("mode"))
            if steps[-1] in done:
                continue
            if not self._try_lock_company(company):
                # Another run of the company is under way (a manual one, or this job
                # started twice): it will be done by that one or at the next start.
                _logger.info("Scoring of %s skipped: another run is under way.",
                             company.name)
                continue
            for step in steps:
                if step == "fit":
                    self._try_fit_churn_model(config, today)
                    self._try_train_churn_model(config, today)
                elif step not in done:
                    self._run_company(company, step)
            if in_cron:
                remaining_time = self.env["ir.cron"]._commit_progress(
                    1, remaining=len(companies) - index - 1
                )
                if remaining_time <= 0:
                    break

    @api.model
    def _try_train_churn_model(self, config, until):
        """Train the churn probability on the company's past; a failure keeps the last
        model (the run still scores with it, or with BG/NBD)."""
        try:
            with self.env.cr.savepoint():
                self._lock_company(config.company_id)
                self.env["customer.churn.model"]._train_and_store(config, until)
        except UserError:
            return False
        return True

    @api.model
    def _try_fit_churn_model(self, config, as_of):
        """Refit when the company has repeat buyers; otherwise keep the rules alone."""
        try:
            with self.env.cr.savepoint():
                self._fit_churn_model(config, as_of)
        except UserError:
            return False
        return True

    # ------------------------------------------------------------------ pipeline steps

    @api.model
    def _changed_partner_ids(self, config):
        """Customers with purchase lines added since the last scoring run of the company
        that was not a churn run nor a run over selected customers.

        Editing an order replaces its lines, so new lines cover edits too; a deleted line
        only counts at the next full run. Lines are found by creation time from the start
        of the oldest transaction under way when that run started (``changes_since``), not
        by id: a transaction that commits late takes ids lower than lines already seen.
        """
        last = self.sudo().search(
            [("company_id", "=", config.company_id.id), ("mode", "!=", "churn"),
             ("is_partial", "=", False)],
            limit=1,
        )
        self.env["customer.purchase.line"].flush_model()
        rows = self.env.execute_query(SQL(
            "SELECT DISTINCT commercial_partner_id FROM customer_purchase_line"
            " WHERE company_id = %s AND create_date >= %s",
            config.company_id.id, last.changes_since or last.started_at,
        ))
        return [row[0] for row in rows]

    @api.model
    def _build_base(self, config, as_of, partner_ids=None):
        """Aggregate the ledger as of ``as_of`` into ``customer_rfm_base``; return its size.

        It reads the daily summary of the ledger (``customer.purchase.day``): orders are
        distinct documents, counted once however many lines they have; a credit note is no
        order but nets the spend of its period when refunds are netted.
        """
        window_start = as_of - relativedelta(months=config.window_months)
        recent, previous = as_of - timedelta(days=90), as_of - timedelta(days=180)
        spend = SQL("day.amount") if config.net_refunds \
            else SQL("CASE WHEN NOT day.is_refund THEN day.amount END")
        purchase = SQL("NOT day.is_refund")
        self._reserve_work_mem()
        self.env.cr.execute(SQL("DROP TABLE IF EXISTS customer_rfm_base"))
        self.env.cr.execute(SQL(
            """
            CREATE TEMP TABLE customer_rfm_base ON COMMIT DROP AS
            SELECT day.commercial_partner_id AS partner_id,
                   %(as_of)s::date AS as_of,
                   MIN(day.date) FILTER (WHERE %(purchase)s) AS first_date,
                   MAX(day.date) FILTER (WHERE %(purchase)s) AS last_date,
                   MIN(day.date) FILTER (WHERE %(purchase)s AND day.date > %(won_back)s)
                       AS return_date,
                   MAX(day.date) FILTER (WHERE %(purchase)s AND day.date <= %(won_back)s)
                       AS before_return_date,
                   COALESCE(SUM(day.document_count)
                       FILTER (WHERE %(purchase)s AND day.date > %(window_start)s), 0)
                       AS frequency,
                   COALESCE(SUM(%(spend)s) FILTER (WHERE day.date > %(window_start)s), 0)
                       AS monetary,
                   COUNT(DISTINCT day.date) FILTER (WHERE %(purchase)s) AS purchase_days,
                   COALESCE(SUM(day.document_count) FILTER (WHERE %(purchase)s), 0) AS orders,
                   COALESCE(SUM(day.amount) FILTER (WHERE %(purchase)s), 0) AS gross_spend,
                   COALESCE(SUM(%(spend)s) FILTER (WHERE day.date > %(recent)s), 0)
                       AS spend_recent,
                   COALESCE(SUM(%(spend)s) FILTER (WHERE day.date > %(previous)s
                                                    AND day.date <= %(recent)s), 0)
                       AS spend_previous,
                   COALESCE(SUM(day.document_count)
                       FILTER (WHERE %(purchase)s AND day.date > %(recent)s), 0)
                       AS orders_recent,
                   COALESCE(SUM(day.document_count)
                       FILTER (WHERE %(purchase)s AND day.date > %(previous)s
                                 AND day.date <= %(recent)s), 0) AS orders_previous
              FROM customer_purchase_day day
             WHERE day.company_id = %(company)s
               AND day.date <= %(as_of)s
               AND day.source = ANY(%(sources)s)
               %(partner_filter)s
             GROUP BY day.commercial_partner_id
            HAVING bool_or(%(purchase)s)
            """,
            company=config.company_id.id,
            as_of=as_of,
            purchase=purchase,
            spend=spend,
            sources=config._sources(),
            partner_filter=SQL(
                "AND day.commercial_partner_id = ANY(%s)", list(partner_ids)
            ) if partner_ids is not None else SQL(),
            window_start=window_start,
            recent=recent,
            previous=previous,
            won_back=as_of - timedelta(days=config.won_back_days),
        ))
        # Archived customers are not scored (there are few: cheaper than a join above).
        self.env.cr.execute(SQL(
            """
            DELETE FROM customer_rfm_base base USING res_partner partner
             WHERE partner.id = base.partner_id AND NOT partner.active
            """
        ))
        # Later steps read the table whole: statistics, no index.
        self.env.cr.execute(SQL("ANALYZE customer_rfm_base"))
        return self.env.execute_query(SQL("SELECT COUNT(*) FROM customer_rfm_base"))[0][0]

    @api.model
    def _reserve_work_mem(self):
        """The pipeline hashes and sorts every customer of the company several times: at
        least 256 MB for each of those, until the transaction ends, keeps them in memory
        (PostgreSQL's default of 4 MB would spill a million customers to disk at each step).
        """
        self.env.cr.execute(SQL(
            "SELECT set_config('work_mem', GREATEST(setting::int, 262144) || 'kB', TRUE)"
            "  FROM pg_settings WHERE name = 'work_mem'"
        ))

    @api.model
    def _quintile_bounds(self, count):
        """The limits of scores 2 to 5 that split the customers of ``customer_rfm_base`` by
        quintile of rank, for recency, frequency and monetary value.

        A customer's quintile score is 1 + 5 × (customers with a strictly lower value) / all
        customers, so equal values always score the same and ties never depend on ids or on
        the order of rows. Score k or more is reached by the values above the m-th smallest
        one, m = ceil((k - 1) × count / 5): the limit is the smallest such value. One pass
        finds the m-th values (ordered-set aggregates, no window sort), a second the limits.
        """
        if not count:
            return {"recency": [None] * 4, "frequency": [None] * 4, "monetary": [None] * 4}
        # percentile_disc(p) is the value at position ceil(p × count): asking for m - 0.5
        # keeps floating-point rounding off the position.
        fractions = [(-(-(step - 1) * count // 5) - 0.5) / count for step in range(2, 6)]
        row = self.env.execute_query(SQL(
            """
            WITH cut AS (
                SELECT PERCENTILE_DISC(%(fractions)s::float8[])
                           WITHIN GROUP (ORDER BY last_date) AS last_date,
                       PERCENTILE_DISC(%(fractions)s::float8[])
                           WITHIN GROUP (ORDER BY frequency) AS frequency,
                       PERCENTILE_DISC(%(fractions)s::float8[])
                           WITHIN GROUP (ORDER BY monetary) AS monetary
                  FROM customer_rfm_base
            )
            SELECT %(limits)s FROM customer_rfm_base base CROSS JOIN cut
            """,
            fractions=fractions,
            limits=SQL(", ").join(
                SQL("%s FILTER (WHERE base.%s > cut.%s[%s])",
                    aggregate, SQL.identifier(column), SQL.identifier(column), index)
                for column, aggregate in (
                    ("last_date", SQL("MAX(base.as_of - base.last_date)")),
                    ("frequency", SQL("MIN(base.frequency)")),
                    ("monetary", SQL("MIN(base.monetary)")),
                )
                for index in range(1, 5)
            ),
        ))[0]
        return {
            "recency": list(row[0:4]),
            "frequency": list(row[4:8]),
            "monetary": [None if value is None else float(value) for value in row[8:12]],
        }

    @api.model
    def _fresh_bounds(self, config, count):
        """The limits of scores 2 to 5 for the ``count`` customers of ``customer_rfm_base``:
        their quintiles, or the configured thresholds."""
        if config.scoring_method == "quintile":
            return self._quintile_bounds(count)
        return self._threshold_bounds(config)

    @api.model
    def _threshold_bounds(self, config):
        return {
            "recency": [config.recency_days_2, config.recency_days_3,
                        config.recency_days_4, config.recency_days_5],
            "frequency": [config.frequency_min_2, config.frequency_min_3,
                          config.frequency_min_4, config.frequency_min_5],
            "monetary": [config.monetary_min_2, config.monetary_min_3,
                         config.monetary_min_4, config.monetary_min_5],
        }

    @api.model
    def _score(self, config, bounds, params, gamma, horizon=None):
        """Everything known about each customer of ``customer_rfm_base``, in one statement,
        into ``customer_rfm_scored``: R, F and M (1 + the number of limits of scores 2 to 5
        reached), FM, the weighted score, value tier and segment, the BG/NBD and
        Gamma-Gamma predictions, the lifecycle stage and the rhythm the customer is measured
        against (``reference_rhythm``: their own, or the median of repeat buyers).

        Each level computes what the next one reads several times (``OFFSET 0`` keeps
        PostgreSQL from folding the levels into one and computing those values again at
        every use).
        """
        def steps(expression, limits, operator):
            return SQL(" + ").join(
                SQL("COALESCE((%s %s %s)::int, 0)", expression, SQL(operator), limit)
                for limit in limits
            )

        cells = self.env["customer.rfm.segment"]._cell_map() or [(0, 0, None)]
        weights = (config.weight_recency, config.weight_frequency, config.weight_monetary)
        inputs, predictions = self._prediction_columns(
            params, gamma, horizon or config.churn_horizon_days)
        self.env.cr.execute(SQL(
            """
            DROP TABLE IF EXISTS customer_rfm_scored;
            CREATE TEMP TABLE customer_rfm_scored ON COMMIT DROP AS
            SELECT predicted.*,
                   CASE WHEN predicted.weighted >= %(high)s THEN 'high'
                        WHEN predicted.weighted >= %(medium)s THEN 'medium'
                        ELSE 'low' END::varchar AS tier,
                   cell.segment_id,
                   %(stage)s::varchar AS lifecycle_stage
              FROM (
                    SELECT rated.partner_id, rated.as_of, rated.first_date, rated.last_date,
                           rated.frequency, rated.monetary, rated.purchase_days,
                           rated.spend_recent,
                           rated.spend_previous, rated.orders_recent, rated.orders_previous,
                           rated.return_date, rated.before_return_date,
                           rated.r, rated.f, rated.m, (rated.f + rated.m + 1) / 2 AS fm,
                           (%(weight_r)s * rated.r + %(weight_f)s * rated.f
                            + %(weight_m)s * rated.m) / %(weight_sum)s AS weighted,
                           rated.rhythm, COALESCE(rated.rhythm, %(median)s) AS reference_rhythm,
                           %(predictions)s
                      FROM (
                            SELECT base.*, 1 + %(r)s AS r, 1 + %(f)s AS f, 1 + %(m)s AS m,
                                   %(rhythm)s AS rhythm, %(inputs)s
                              FROM customer_rfm_base base
                              %(expectation_join)s
                            OFFSET 0
                           ) rated
                    OFFSET 0
                   ) predicted
              LEFT JOIN unnest(%(cell_r)s::int[], %(cell_fm)s::int[], %(cell_id)s::int[])
                   AS cell(r, fm, segment_id)
                ON cell.r = predicted.r AND cell.fm = predicted.fm;
            ANALYZE customer_rfm_scored;
            """,
            r=steps(SQL("(base.as_of - base.last_date)"), bounds["recency"], "<="),
            f=steps(SQL("base.frequency"), bounds["frequency"], ">="),
            m=steps(SQL("base.monetary"), bounds["monetary"], ">="),
            rhythm=self._rhythm(),
            inputs=inputs,
            median=float8(self._median_rhythm()),
            predictions=predictions,
            expectation_join=SQL(
                "JOIN customer_rfm_expectation e ON e.pair"
                " = (base.purchase_days - 1)::int8 * %s + (base.as_of - base.first_date)",
                EXPECTATION_KEY_STRIDE,
            ) if params else SQL(),
            weight_r=float8(weights[0]), weight_f=float8(weights[1]),
            weight_m=float8(weights[2]), weight_sum=float8(sum(weights)),
            high=float8(config.tier_high_min), medium=float8(config.tier_medium_min),
            stage=self._lifecycle_case(config),
            cell_r=[cell[0] for cell in cells],
            cell_fm=[cell[1] for cell in cells],
            cell_id=[cell[2] for cell in cells],
        ))

    @api.model
    def _rhythm(self):
        """A repeat buyer's own purchase rhythm: days between their purchase days."""
        return SQL(
            "CASE WHEN base.purchase_days > 1"
            " THEN (base.last_date - base.first_date)::float8 / (base.purchase_days - 1) END"
        )

    @api.model
    def _median_rhythm(self):
        """Median days between purchases of the repeat buyers being evaluated (one-time
        buyers are measured against it); 90 days when nobody has bought twice."""
        rows = self.env.execute_query(SQL(
            "SELECT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY %s)"
            "  FROM customer_rfm_base base WHERE base.purchase_days > 1"
            "   AND base.last_date > base.first_date",
            self._rhythm(),
        ))
        return rows[0][0] or 90.0

    @api.model
    def _prediction_columns(self, params, gamma, horizon):
        """The BG/NBD and Gamma-Gamma columns of ``_score``, in two parts: the inputs,
        computed once per customer from ``base`` and ``e``, and the predictions from them
        (``rated``): probability alive, expected purchases in 90 days, expected order value
        and 12-month CLV.

        Probability alive and the Gamma-Gamma value are closed forms computed in SQL. The
        expected number of purchases needs the Gauss hypergeometric function, whose part
        depends only on (repeat purchases, customer age): numpy evaluates it once per
        distinct pair, far fewer than customers, into ``customer_rfm_expectation`` that SQL
        joins. Without a fitted model only the average order value is known.
        """
        mean_value = SQL("base.gross_spend::float8 / base.purchase_days AS mean_value")
        if not params:
            return mean_value, SQL(
                """NULL::float8 AS probability_alive, NULL::float8 AS expected_90,
                   NULL::float8 AS expected_h, NULL::float8 AS p_none_h,
                   rated.mean_value AS order_value, NULL::float8 AS clv"""
            )
        self._create_expectations(params, horizon)
        r, alpha, a, b = params
        inputs = SQL(
            """%(mean_value)s, e.head_90, e.head_365, e.head_h,
               CASE WHEN base.purchase_days > 1
                    THEN %(a)s / (%(b)s + base.purchase_days - 2)
                         * EXP(LEAST(700, (%(r)s + base.purchase_days - 1)
                               * LN((%(alpha)s + (base.as_of - base.first_date))
                                    / (%(alpha)s + (base.last_date - base.first_date)))))
                    ELSE 0 END AS odds""",
            mean_value=mean_value,
            r=float8(r), alpha=float8(alpha), a=float8(a), b=float8(b),
        )
        order_value = SQL(
            """(CASE WHEN rated.purchase_days > 1 AND rated.gross_spend > 0 THEN
                   (1 - %(p)s * (rated.purchase_days - 1)
                        / (%(p)s * (rated.purchase_days - 1) + %(q)s - 1))
                       * (%(v)s * %(p)s / (%(q)s - 1))
                 + %(p)s * (rated.purchase_days - 1)
                   / (%(p)s * (rated.purchase_days - 1) + %(q)s - 1) * rated.mean_value
               ELSE rated.mean_value END)""",
            p=float8(gamma[0]), q=float8(gamma[1]), v=float8(gamma[2]),
        ) if gamma and gamma[1] > 1 else SQL("rated.mean_value")
        return inputs, SQL(
            """CASE WHEN rated.purchase_days > 1 THEN 1 / (1 + rated.odds) END
                   AS probability_alive,
               rated.head_90 / (1 + rated.odds) AS expected_90,
               rated.head_h / (1 + rated.odds) AS expected_h,
               (rated.odds + EXP((%(r)s + rated.purchase_days - 1)
                    * LN((%(alpha)s + (rated.as_of - rated.first_date))
                         / (%(alpha)s + (rated.as_of - rated.first_date) + %(horizon)s))))
                   / (1 + rated.odds) AS p_none_h,
               %(order_value)s AS order_value,
               rated.head_365 / (1 + rated.odds) * %(order_value)s AS clv""",
            order_value=order_value, r=float8(r), alpha=float8(alpha), horizon=float8(horizon),
        )

    @api.model
    def _create_expectations(self, params, horizon=90):
        r, alpha, a, b = params
        pairs = self.env.execute_query(SQL(
            "SELECT DISTINCT purchase_days - 1, as_of - first_date FROM customer_rfm_base"
        ))
        x, T = (np.array(column, dtype=float) for column in zip(*pairs, strict=True)) \
            if pairs else (np.zeros(0), np.zeros(0))
        # With t_x = T the denominator of E[X] is 1 + odds·(...): the numerator alone here,
        # times the factor that the odds multiply, so SQL only divides by (1 + odds).
        factor = np.where(x > 0, 1 + (a / np.maximum(b + x - 1, 1e-12)), 1.0)
        head_90 = bgnbd.expected_purchases(params, 90, x, T, T) * factor
        head_365 = bgnbd.expected_purchases(params, 365, x, T, T) * factor
        head_h = bgnbd.expected_purchases(params, horizon, x, T, T) * factor
        self.env.cr.execute(SQL(
            """
            DROP TABLE IF EXISTS customer_rfm_expectation;
            CREATE TEMP TABLE customer_rfm_expectation ON COMMIT DROP AS
            SELECT * FROM unnest(%s::int8[], %s::float8[], %s::float8[], %s::float8[])
                AS e(pair, head_90, head_365, head_h);
            ANALYZE customer_rfm_expectation;
            """,
            [int(x_i) * EXPECTATION_KEY_STRIDE + int(T_i) for x_i, T_i in zip(x, T, strict=True)],
            [float(value) for value in head_90], [float(value) for value in head_365],
            [float(value) for value in head_h],
        ))

    @api.model
    def _lifecycle_case(self, config):
        """The lifecycle rules, first match wins (the settings form documents them)."""
        return SQL(
            """CASE
                WHEN predicted.as_of - predicted.last_date >= %(churned)s THEN 'churned'
                WHEN predicted.as_of - predicted.last_date >= %(dormant)s THEN 'dormant'
                WHEN predicted.return_date - predicted.before_return_date >= %(dormant)s
                     THEN 'won_back'
                WHEN predicted.as_of - predicted.first_date < %(new)s THEN 'new'
                WHEN predicted.as_of - predicted.last_date
                     >= %(ratio)s * predicted.reference_rhythm THEN 'at_risk'
                WHEN predicted.frequency >= %(regular)s THEN 'regular'
                ELSE 'active' END""",
            churned=config.churned_days,
            dormant=config.dormant_days,
            new=config.new_days,
            ratio=float8(config.at_risk_ratio),
            regular=config.regular_min_orders,
        )

    # ------------------------------------------------------------------ storing

    # (column of customer.rfm.score, value from customer_rfm_scored / customer_churn_scored)
    _SCORE_COLUMNS = (
        ("first_purchase_date", "scored.first_date"),
        ("last_purchase_date", "scored.last_date"),
        ("frequency", "scored.frequency"),
        ("monetary", "scored.monetary"),
        ("r_score", "scored.r"),
        ("f_score", "scored.f"),
        ("m_score", "scored.m"),
        ("fm_score", "scored.fm"),
        ("rfm_code", "scored.r::text || scored.f::text || scored.m::text"),
        # Rounded in double precision (see customer.rfm.score): a value that moved less
        # than its last decimal shown is not rewritten.
        ("weighted_score", "ROUND(scored.weighted * 100) / 100"),
        ("segment_id", "scored.segment_id"),
        ("value_tier", "scored.tier"),
        ("lifecycle_stage", "scored.lifecycle_stage"),
        ("purchase_rhythm_days", "ROUND(scored.rhythm * 10) / 10"),
        ("probability_alive", "ROUND(scored.probability_alive * 1000) / 1000"),
        ("expected_purchases_90d", "ROUND(scored.expected_90 * 1000) / 1000"),
        ("expected_order_value", "ROUND(scored.order_value * 100) / 100"),
        ("clv_12m", "ROUND(scored.clv * 100) / 100"),
        # Churned customers are past the point a probability is needed: 100.
        ("churn_score", "COALESCE(churn.score,"
                        " CASE WHEN scored.lifecycle_stage = 'churned' THEN 100 ELSE 0 END)"),
    )
    # Values whose change is remembered as the customer's movement.
    _TRACKED_COLUMNS = (
        ("segment_id", "previous_segment_id"),
        ("value_tier", "previous_value_tier"),
        ("lifecycle_stage", "previous_lifecycle_stage"),
    )

    @api.model
    def _store_scores(self, config, run, previous_run, every_customer):
        """Write the current scores of the evaluated customers, then the partner mirror and
        the snapshot of this run.

        ``customer_rfm_new`` holds the rows to write: customers whose values differ from
        their stored row (with the old values the movement and the snapshot need), new
        customers (no ``score_id``) and, when every customer was evaluated, the stored rows
        of customers who no longer qualify (``stale``). Most customers change nothing on
        most days and never leave the comparison; the table's fill factor keeps room on
        each page so a rewritten row stays on its page.
        """
        company_id = config.company_id.id
        columns = [column for column, _value in self._SCORE_COLUMNS]

        def listed(alias, names):
            return SQL(", ").join(SQL("%s.%s", SQL.identifier(alias), SQL.identifier(name))
                                  for name in names)

        self.env.cr.execute(SQL(
            """
            DROP TABLE IF EXISTS customer_rfm_new;
            CREATE TEMP TABLE customer_rfm_new ON COMMIT DROP AS
            SELECT COALESCE(new.partner_id, score.partner_id) AS partner_id,
                   score.id AS score_id, new.partner_id IS NULL AS stale,
                   %(incoming)s,
                   %(old)s,
                   score.monetary AS old_monetary, score.clv_12m AS old_clv_12m
              FROM (SELECT scored.partner_id AS new_partner_id, %(values)s
                      FROM customer_rfm_scored scored
                      LEFT JOIN customer_churn_scored churn
                        ON churn.partner_id = scored.partner_id) new(partner_id, %(names)s)
              %(join)s (SELECT * FROM customer_rfm_score WHERE company_id = %(company)s) score
                ON score.partner_id = new.partner_id
             WHERE (%(current)s) IS DISTINCT FROM (%(incoming)s);
            ANALYZE customer_rfm_new;
            """,
            old=SQL(", ").join(
                SQL("score.%s AS %s", SQL.identifier(column), SQL.identifier(f"old_{column}"))
                for column, _previous in self._TRACKED_COLUMNS
            ),
            current=listed("score", columns),
            incoming=listed("new", columns),
            values=SQL(", ").join(SQL(value) for _column, value in self._SCORE_COLUMNS),
            names=SQL(", ").join(SQL.identifier(column) for column in columns),
            join=SQL("FULL JOIN") if every_customer else SQL("LEFT JOIN"),
            company=company_id,
        ))
        pruned = [row[0] for row in self.env.execute_query(SQL(
            """
            DELETE FROM customer_rfm_score score
             USING customer_rfm_new new
             WHERE new.stale AND score.id = new.score_id
            RETURNING score.partner_id
            """
        ))]
        self.env.cr.execute(SQL(
            """
            UPDATE customer_rfm_score score
               SET %(updates)s, %(previous)s,
                   score_date = %(today)s,
                   segment_changed_date = CASE
                       WHEN new.old_segment_id IS DISTINCT FROM new.segment_id
                       THEN %(today)s ELSE score.segment_changed_date END
              FROM customer_rfm_new new
             WHERE score.id = new.score_id AND NOT new.stale
            """,
            updates=SQL(", ").join(
                SQL("%s = new.%s", SQL.identifier(column), SQL.identifier(column))
                for column in columns
            ),
            previous=SQL(", ").join(
                SQL("%(previous)s = CASE WHEN new.%(old)s IS DISTINCT FROM new.%(column)s"
                    " THEN new.%(old)s ELSE score.%(previous)s END",
                    previous=SQL.identifier(previous), old=SQL.identifier(f"old_{column}"),
                    column=SQL.identifier(column))
                for column, previous in self._TRACKED_COLUMNS
            ),
            today=run.run_date,
        ))
        self.env.cr.execute(SQL(
            """
            INSERT INTO customer_rfm_score (
                partner_id, commercial_partner_id, company_id, score_date,
                segment_changed_date, %(columns)s)
            SELECT new.partner_id, new.partner_id, %(company)s, %(today)s, %(today)s,
                   %(values)s
              FROM customer_rfm_new new
             WHERE new.score_id IS NULL
            """,
            columns=SQL(", ").join(SQL.identifier(column) for column in columns),
            values=listed("new", columns),
            company=company_id,
            today=run.run_date,
        ))
        self._update_partners(config, pruned, every_customer)
        self._store_snapshot(config, run, previous_run, every_customer)
        self.env["customer.rfm.score"].invalidate_model()

    @api.model
    def _update_partners(self, config, pruned_partner_ids, every_customer):
        """Mirror each customer's main score (the company where they spend most) on the
        partners whose scores changed, touching only rows whose values change. After a run
        over every customer, partners left without any score become prospects (customers)
        or nothing."""
        moved = SQL(
            "score_id IS NULL OR (old_segment_id, old_value_tier, old_lifecycle_stage)"
            " IS DISTINCT FROM (segment_id, value_tier, lifecycle_stage)"
        )
        if self.sudo().search_count([("company_id", "!=", config.company_id.id)], limit=1):
            # Spending decides the main company: a change of spend may change it.
            main = SQL(
                """
                SELECT DISTINCT ON (score.partner_id)
                       score.partner_id, score.value_tier, score.segment_id, score.lifecycle_stage
                  FROM customer_rfm_score score
                 WHERE score.partner_id IN (
                       SELECT partner_id FROM customer_rfm_new
                        WHERE NOT stale AND (%s OR old_monetary IS DISTINCT FROM monetary))
                 ORDER BY score.partner_id, score.monetary DESC, score.company_id
                """,
                moved,
            )
        else:
            # No other company was ever scored: this run's scores are the main ones.
            main = SQL(
                "SELECT partner_id, value_tier, segment_id, lifecycle_stage"
                "  FROM customer_rfm_new WHERE NOT stale AND (%s)",
                moved,
            )
        self.env.cr.execute(SQL(
            """
            UPDATE res_partner partner
               SET value_tier = main.value_tier,
                   rfm_segment_id = main.segment_id,
                   lifecycle_stage = main.lifecycle_stage
              FROM (%s) main
             WHERE partner.id = main.partner_id
               AND (partner.value_tier, partner.rfm_segment_id, partner.lifecycle_stage)
                   IS DISTINCT FROM (main.value_tier, main.segment_id, main.lifecycle_stage)
            """,
            main,
        ))
        if not every_customer:
            self.env["res.partner"].invalidate_model(["value_tier", "rfm_segment_id",
                                                      "lifecycle_stage"])
            return
        self.env.cr.execute(SQL(
            """
            UPDATE res_partner partner
               SET value_tier = NULL, rfm_segment_id = NULL,
                   lifecycle_stage = CASE WHEN partner.customer_rank > 0 THEN 'prospect' END
             WHERE (partner.id = ANY(%(pruned)s)
                    OR (partner.parent_id IS NULL AND partner.customer_rank > 0
                        AND partner.lifecycle_stage IS NULL))
               AND NOT EXISTS (SELECT 1 FROM customer_rfm_score score
                                WHERE score.partner_id = partner.id)
            """,
            pruned=pruned_partner_ids,
        ))
        self.env["res.partner"].invalidate_model(["value_tier", "rfm_segment_id",
                                                  "lifecycle_stage"])

    @api.model
    def _store_snapshot(self, config, run, previous_run, every_customer):
        """Count the company's customers per segment, tier and stage after this run.

        A run that evaluated every customer counts what it scored (the company's rows are
        exactly those now); an incremental run adds its changes to the previous run's
        snapshot, so it stays as cheap as the handful of customers it rescored.
        """
        previous = self.env["customer.rfm.snapshot"].sudo().search_count(
            [("run_id", "=", previous_run.id)], limit=1
        ) if previous_run and not every_customer else 0
        if previous:
            counted = SQL(
                """
                SELECT segment_id, value_tier, lifecycle_stage, customer_count,
                       monetary, clv_12m
                  FROM customer_rfm_snapshot WHERE run_id = %(previous)s
                 UNION ALL
                SELECT old_segment_id, old_value_tier, old_lifecycle_stage, -1,
                       -old_monetary, -old_clv_12m
                  FROM customer_rfm_new WHERE score_id IS NOT NULL
                 UNION ALL
                SELECT segment_id, value_tier, lifecycle_stage, 1, monetary, clv_12m
                  FROM customer_rfm_new
                """,
                previous=previous_run.id,
            )
        elif every_customer:
            counted = SQL(
                "SELECT segment_id, tier, lifecycle_stage, 1, monetary, clv"
                "  FROM customer_rfm_scored"
            )
        else:
            counted = SQL(
                "SELECT segment_id, value_tier, lifecycle_stage, 1, monetary, clv_12m"
                "  FROM customer_rfm_score WHERE company_id = %s",
                config.company_id.id,
            )
        self.env.cr.execute(SQL(
            """
            INSERT INTO customer_rfm_snapshot (
                run_id, company_id, snapshot_date, segment_id, value_tier, lifecycle_stage,
                customer_count, monetary, clv_12m, create_uid, create_date, write_uid, write_date)
            SELECT %(run)s, %(company)s, %(date)s, segment_id, value_tier, lifecycle_stage,
                   SUM(customers), SUM(monetary), ROUND(SUM(clv_12m)::numeric, 2),
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM (%(counted)s) counted(segment_id, value_tier, lifecycle_stage, customers,
                                         monetary, clv_12m)
             GROUP BY segment_id, value_tier, lifecycle_stage
            HAVING SUM(customers) > 0
            """,
            run=run.id, company=config.company_id.id, date=run.run_date, uid=self.env.uid,
            counted=counted,
        ))
