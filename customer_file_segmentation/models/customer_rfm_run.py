import time
from datetime import timedelta

import numpy as np
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import bgnbd

RUN_MODES = [("full", "Full"), ("incremental", "Incremental"), ("churn", "Churn evaluation")]


class CustomerRfmRun(models.Model):
    """One scoring run of one company, and the set-based SQL pipeline behind it.

    Every run aggregates the purchase ledger into the temporary table ``customer_rfm_base``
    (one row per customer), scores it into ``customer_rfm_scored``, then writes the current
    scores, a snapshot, the lifecycle stages, the churn predictions and the churn warnings,
    each in one statement. Nothing loops over customers in Python.
    """

    _name = "customer.rfm.run"
    _description = "Customer Scoring Run"
    _order = "id desc"

    name = fields.Char(compute="_compute_name")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    mode = fields.Selection(RUN_MODES, required=True, readonly=True)
    run_date = fields.Date(required=True, readonly=True, default=fields.Date.context_today)
    started_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    duration = fields.Float(string="Duration (s)", readonly=True, digits=(16, 2))
    customer_count = fields.Integer(string="Customers", readonly=True)
    warning_count = fields.Integer(string="New Warnings", readonly=True)
    last_line_id = fields.Integer(
        readonly=True,
        help="Highest purchase line id when the run started: the next incremental run "
        "rescores the customers of the lines added after it.",
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
        """Score one company; ``partner_ids`` restricts incremental and churn runs."""
        config = self.env["customer.rfm.config"]._for_company(company)
        started = time.monotonic()
        today = fields.Date.context_today(self)
        if mode == "incremental" and not config.last_full_run_id:
            mode, partner_ids = "full", None
        if mode == "incremental" and partner_ids is None:
            partner_ids = self._changed_partner_ids(config)
        self.env.flush_all()
        last_line_id = self.env.execute_query(
            SQL("SELECT COALESCE(MAX(id), 0) FROM customer_purchase_line")
        )[0][0]
        run = self.sudo().create({
            "company_id": company.id, "mode": mode, "run_date": today,
            "last_line_id": last_line_id,
        })
        count = self._build_base(config, today, partner_ids)
        if mode == "full":
            run.boundaries = self._score_quintiles(config) if config.scoring_method == "quintile" \
                else self._score_with_bounds(config, self._threshold_bounds(config))
        elif mode == "incremental":
            bounds = self._threshold_bounds(config) if config.scoring_method == "threshold" \
                else config.last_full_run_id.boundaries
            run.boundaries = self._score_with_bounds(config, bounds)
        else:
            self._load_current_scores(config)
        if mode != "churn":
            self._store_scores(config, run, prune=mode == "full")
        warnings = self.env["customer.churn.warning"]
        self._predict(config._bgnbd_params(), config._gamma_gamma_params())
        warnings._score_churn(config, today)
        new_warnings = warnings._apply_churn(config, today, run)
        self._store_lifecycle(config, run)
        self._update_partners(config, prune=mode == "full")
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
    def _fit_churn_model(self, config, as_of=None):
        """Fit BG/NBD and Gamma-Gamma on the company's customers; store the parameters."""
        as_of = as_of or fields.Date.context_today(self)
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
    def _fit_on_base(self):
        rows = self.env.execute_query(SQL(
            "SELECT purchase_days - 1, last_date - first_date, as_of - first_date, COUNT(*)"
            "  FROM customer_rfm_base GROUP BY 1, 2, 3"
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
            "SELECT orders, gross_spend / orders FROM customer_rfm_base"
            " WHERE orders > 1 AND gross_spend > 0"
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
            ]).mapped("mode"))
            if steps[-1] in done:
                continue
            for step in steps:
                if step == "fit":
                    self._try_fit_churn_model(config, today)
                elif step not in done:
                    self._run_company(company, step)
            if in_cron:
                remaining_time = self.env["ir.cron"]._commit_progress(
                    1, remaining=len(companies) - index - 1
                )
                if remaining_time <= 0:
                    break

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
        """Customers with purchase lines added since the last scoring run of the company.

        Editing an order replaces its lines, so new ids cover edits too; a deleted line only
        counts at the next full run.
        """
        last = self.sudo().search(
            [("company_id", "=", config.company_id.id), ("mode", "!=", "churn")], limit=1
        )
        rows = self.env.execute_query(SQL(
            "SELECT DISTINCT commercial_partner_id FROM customer_purchase_line"
            " WHERE company_id = %s AND id > %s",
            config.company_id.id, last.last_line_id,
        ))
        return [row[0] for row in rows]

    @api.model
    def _build_base(self, config, as_of, partner_ids=None):
        """Aggregate the ledger as of ``as_of`` into ``customer_rfm_base``; return its size.

        Lines are first summed per document, so an order counts once however many lines it
        has and a credit note nets against the spend of its period.
        """
        window_start = as_of - relativedelta(months=config.window_months)
        net = config.net_refunds
        self.env.cr.execute(SQL("DROP TABLE IF EXISTS customer_rfm_base"))
        self.env.cr.execute(SQL(
            """
            CREATE TEMP TABLE customer_rfm_base ON COMMIT DROP AS
            WITH documents AS (
                SELECT line.commercial_partner_id AS partner_id, line.document_ref,
                       MIN(line.date) AS date, SUM(line.amount) AS amount,
                       BOOL_AND(line.is_refund IS TRUE) AS is_refund
                  FROM customer_purchase_line line
                 WHERE line.company_id = %(company)s
                   AND line.date <= %(as_of)s
                   AND line.source = ANY(%(sources)s)
                   %(partner_filter)s
                 GROUP BY line.commercial_partner_id, line.document_ref
            )
            SELECT documents.partner_id,
                   %(as_of)s::date AS as_of,
                   MIN(date) FILTER (WHERE NOT is_refund) AS first_date,
                   MAX(date) FILTER (WHERE NOT is_refund) AS last_date,
                   NULL::date AS previous_date,
                   COUNT(*) FILTER (WHERE NOT is_refund AND date > %(window_start)s)
                       AS frequency,
                   COALESCE(SUM(amount) FILTER (WHERE date > %(window_start)s
                                                  AND (%(net)s OR NOT is_refund)), 0)
                       AS monetary,
                   COUNT(DISTINCT date) FILTER (WHERE NOT is_refund) AS purchase_days,
                   COUNT(*) FILTER (WHERE NOT is_refund) AS orders,
                   COALESCE(SUM(amount) FILTER (WHERE NOT is_refund), 0) AS gross_spend,
                   COALESCE(SUM(amount) FILTER (WHERE date > %(recent)s
                                                  AND (%(net)s OR NOT is_refund)), 0)
                       AS spend_recent,
                   COALESCE(SUM(amount) FILTER (WHERE date > %(previous)s AND date <= %(recent)s
                                                  AND (%(net)s OR NOT is_refund)), 0)
                       AS spend_previous,
                   COUNT(*) FILTER (WHERE NOT is_refund AND date > %(recent)s) AS orders_recent,
                   COUNT(*) FILTER (WHERE NOT is_refund AND date > %(previous)s
                                      AND date <= %(recent)s) AS orders_previous
              FROM documents
              JOIN res_partner partner ON partner.id = documents.partner_id AND partner.active
             GROUP BY documents.partner_id
            HAVING COUNT(*) FILTER (WHERE NOT is_refund) > 0
            """,
            company=config.company_id.id,
            as_of=as_of,
            sources=config._sources(),
            partner_filter=SQL(
                "AND line.commercial_partner_id = ANY(%s)", list(partner_ids)
            ) if partner_ids is not None else SQL(),
            window_start=window_start,
            net=net,
            recent=as_of - timedelta(days=90),
            previous=as_of - timedelta(days=180),
        ))
        count = self.env.cr.rowcount
        self.env.cr.execute(SQL("ALTER TABLE customer_rfm_base ADD PRIMARY KEY (partner_id)"))
        # The purchase before the last one, only for recent buyers: did they return after a gap?
        self.env.cr.execute(SQL(
            """
            UPDATE customer_rfm_base base
               SET previous_date = earlier.date
              FROM (
                    SELECT line.commercial_partner_id AS partner_id, MAX(line.date) AS date
                      FROM customer_purchase_line line
                      JOIN customer_rfm_base recent
                        ON recent.partner_id = line.commercial_partner_id
                     WHERE recent.last_date > %(since)s
                       AND line.company_id = %(company)s
                       AND line.source = ANY(%(sources)s)
                       AND line.is_refund IS NOT TRUE
                       AND line.date < recent.last_date
                     GROUP BY line.commercial_partner_id
                   ) earlier
             WHERE earlier.partner_id = base.partner_id
            """,
            since=as_of - timedelta(days=config.won_back_days),
            company=config.company_id.id,
            sources=config._sources(),
        ))
        self.env.cr.execute(SQL("ANALYZE customer_rfm_base"))
        return count

    @api.model
    def _score_quintiles(self, config):
        """Score R, F and M by quintile of the company's customers and return the limits.

        Equal values always get the same score: a customer scores by the rank of the first
        customer with the same value, so ties never depend on ids or on the order of rows.
        """
        self.env.cr.execute(SQL("DROP TABLE IF EXISTS customer_rfm_scored"))
        self.env.cr.execute(SQL(
            """
            CREATE TEMP TABLE customer_rfm_scored ON COMMIT DROP AS
            SELECT partner_id,
                   1 + 5 * (RANK() OVER (ORDER BY last_date) - 1) / COUNT(*) OVER () AS r,
                   1 + 5 * (RANK() OVER (ORDER BY frequency) - 1) / COUNT(*) OVER () AS f,
                   1 + 5 * (RANK() OVER (ORDER BY monetary) - 1) / COUNT(*) OVER () AS m
              FROM customer_rfm_base
            """
        ))
        self._finish_scores(config)
        rows = self.env.execute_query(SQL(
            """
            SELECT step,
                   MAX(base.as_of - base.last_date) FILTER (WHERE scored.r >= step),
                   MIN(base.frequency) FILTER (WHERE scored.f >= step),
                   MIN(base.monetary) FILTER (WHERE scored.m >= step)
              FROM generate_series(2, 5) step
             CROSS JOIN customer_rfm_scored scored
              JOIN customer_rfm_base base ON base.partner_id = scored.partner_id
             GROUP BY step ORDER BY step
            """
        ))
        return {
            "recency": [row[1] for row in rows],
            "frequency": [row[2] for row in rows],
            "monetary": [None if row[3] is None else float(row[3]) for row in rows],
        }

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
    def _score_with_bounds(self, config, bounds):
        """Score each dimension as 1 + the number of limits (scores 2 to 5) it reaches."""
        def steps(expression, limits, operator):
            return SQL(" + ").join(
                SQL("COALESCE((%s %s %s)::int, 0)", expression, SQL(operator), limit)
                for limit in limits
            )

        self.env.cr.execute(SQL("DROP TABLE IF EXISTS customer_rfm_scored"))
        self.env.cr.execute(SQL(
            """
            CREATE TEMP TABLE customer_rfm_scored ON COMMIT DROP AS
            SELECT partner_id, 1 + %(r)s AS r, 1 + %(f)s AS f, 1 + %(m)s AS m
              FROM customer_rfm_base
            """,
            r=steps(SQL("(as_of - last_date)"), bounds["recency"], "<="),
            f=steps(SQL("frequency"), bounds["frequency"], ">="),
            m=steps(SQL("monetary"), bounds["monetary"], ">="),
        ))
        self._finish_scores(config)
        return bounds

    @api.model
    def _finish_scores(self, config):
        """Add the FM score, the weighted score, the value tier and the segment."""
        cells = self.env["customer.rfm.segment"]._cell_map() or [(0, 0, None)]
        weights = (config.weight_recency, config.weight_frequency, config.weight_monetary)
        self.env.cr.execute(SQL(
            """
            ALTER TABLE customer_rfm_scored
                ADD COLUMN fm int, ADD COLUMN weighted float, ADD COLUMN tier varchar,
                ADD COLUMN segment_id int;
            UPDATE customer_rfm_scored
               SET fm = (f + m + 1) / 2,
                   weighted = (%(wr)s * r + %(wf)s * f + %(wm)s * m) / %(total)s;
            UPDATE customer_rfm_scored
               SET tier = CASE WHEN weighted >= %(high)s THEN 'high'
                               WHEN weighted >= %(medium)s THEN 'medium'
                               ELSE 'low' END,
                   segment_id = cell.segment_id
              FROM (SELECT * FROM unnest(%(cell_r)s::int[], %(cell_fm)s::int[], %(cell_id)s::int[])
                    AS cell(r, fm, segment_id)) cell
             WHERE cell.r = customer_rfm_scored.r AND cell.fm = customer_rfm_scored.fm;
            UPDATE customer_rfm_scored
               SET tier = CASE WHEN weighted >= %(high)s THEN 'high'
                               WHEN weighted >= %(medium)s THEN 'medium'
                               ELSE 'low' END
             WHERE tier IS NULL;
            ALTER TABLE customer_rfm_scored ADD PRIMARY KEY (partner_id);
            """,
            wr=weights[0], wf=weights[1], wm=weights[2], total=sum(weights),
            high=config.tier_high_min, medium=config.tier_medium_min,
            cell_r=[cell[0] for cell in cells],
            cell_fm=[cell[1] for cell in cells],
            cell_id=[cell[2] for cell in cells],
        ))

    @api.model
    def _load_current_scores(self, config):
        """A churn-only run reuses the stored scores (for the value tier signal)."""
        self.env.cr.execute(SQL("DROP TABLE IF EXISTS customer_rfm_scored"))
        self.env.cr.execute(SQL(
            """
            CREATE TEMP TABLE customer_rfm_scored ON COMMIT DROP AS
            SELECT score.partner_id, score.r_score AS r, score.f_score AS f,
                   score.m_score AS m, score.fm_score AS fm, score.weighted_score AS weighted,
                   score.value_tier::varchar AS tier, score.segment_id
              FROM customer_rfm_score score
              JOIN customer_rfm_base base ON base.partner_id = score.partner_id
             WHERE score.company_id = %s
            """,
            config.company_id.id,
        ))

    @api.model
    def _store_scores(self, config, run, prune):
        """Upsert the current score rows, remember where each customer came from, snapshot."""
        company_id = config.company_id.id
        if prune:
            self.env.cr.execute(SQL(
                """
                DELETE FROM customer_rfm_score score
                 WHERE score.company_id = %s
                   AND NOT EXISTS (SELECT 1 FROM customer_rfm_base base
                                    WHERE base.partner_id = score.partner_id)
                """,
                company_id,
            ))
        self.env.cr.execute(SQL(
            """
            INSERT INTO customer_rfm_score AS score (
                partner_id, commercial_partner_id, company_id, run_id, score_date,
                first_purchase_date,
                last_purchase_date, recency_days, frequency, monetary, r_score, f_score,
                m_score, fm_score, rfm_code, weighted_score, segment_id, value_tier,
                segment_changed_date, create_uid, create_date, write_uid, write_date)
            SELECT base.partner_id, base.partner_id, %(company)s, %(run)s, base.as_of,
                   base.first_date,
                   base.last_date, base.as_of - base.last_date, base.frequency, base.monetary,
                   scored.r, scored.f, scored.m, scored.fm,
                   scored.r::text || scored.f::text || scored.m::text, scored.weighted,
                   scored.segment_id, scored.tier, base.as_of,
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM customer_rfm_base base
              JOIN customer_rfm_scored scored ON scored.partner_id = base.partner_id
            ON CONFLICT (partner_id, company_id) DO UPDATE SET
                run_id = EXCLUDED.run_id,
                score_date = EXCLUDED.score_date,
                first_purchase_date = EXCLUDED.first_purchase_date,
                last_purchase_date = EXCLUDED.last_purchase_date,
                recency_days = EXCLUDED.recency_days,
                frequency = EXCLUDED.frequency,
                monetary = EXCLUDED.monetary,
                r_score = EXCLUDED.r_score,
                f_score = EXCLUDED.f_score,
                m_score = EXCLUDED.m_score,
                fm_score = EXCLUDED.fm_score,
                rfm_code = EXCLUDED.rfm_code,
                weighted_score = EXCLUDED.weighted_score,
                previous_segment_id = score.segment_id,
                previous_value_tier = score.value_tier,
                segment_changed_date = CASE
                    WHEN score.segment_id IS DISTINCT FROM EXCLUDED.segment_id
                    THEN EXCLUDED.score_date ELSE score.segment_changed_date END,
                segment_id = EXCLUDED.segment_id,
                value_tier = EXCLUDED.value_tier,
                write_uid = EXCLUDED.write_uid,
                write_date = EXCLUDED.write_date
            """,
            company=company_id, run=run.id, uid=self.env.uid,
        ))
        self.env.cr.execute(SQL(
            """
            INSERT INTO customer_rfm_snapshot (
                run_id, company_id, partner_id, snapshot_date, r_score, f_score, m_score,
                segment_id, value_tier, monetary, create_uid, create_date, write_uid, write_date)
            SELECT %(run)s, %(company)s, score.partner_id, score.score_date, score.r_score,
                   score.f_score, score.m_score, score.segment_id, score.value_tier,
                   score.monetary,
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM customer_rfm_score score
             WHERE score.run_id = %(run)s
            """,
            run=run.id, company=company_id, uid=self.env.uid,
        ))

    @api.model
    def _predict(self, params, gamma):
        """BG/NBD and Gamma-Gamma predictions per customer into ``customer_rfm_predicted``.

        Probability alive and the Gamma-Gamma value are closed forms computed in SQL. The
        expected number of purchases needs the Gauss hypergeometric function, whose part
        depends only on (repeat purchases, customer age): numpy evaluates it once per
        distinct pair, far fewer than customers, and SQL joins it back.
        """
        self.env.cr.execute(SQL(
            """
            DROP TABLE IF EXISTS customer_rfm_predicted;
            CREATE TEMP TABLE customer_rfm_predicted (
                partner_id int PRIMARY KEY, rhythm float, probability_alive float,
                expected_90 float, expected_365 float, order_value float, clv float
            ) ON COMMIT DROP;
            INSERT INTO customer_rfm_predicted (partner_id, rhythm, order_value)
            SELECT partner_id,
                   CASE WHEN purchase_days > 1
                        THEN (last_date - first_date)::float / (purchase_days - 1) END,
                   gross_spend / orders
              FROM customer_rfm_base;
            """
        ))
        if not params:
            return
        r, alpha, a, b = params
        pairs = self.env.execute_query(SQL(
            "SELECT DISTINCT purchase_days - 1, as_of - first_date FROM customer_rfm_base"
        ))
        if pairs:
            x, T = (np.array(column, dtype=float) for column in zip(*pairs, strict=True))
            zeros = np.zeros_like(x)
            # With t_x = T and x = 0 the denominator is 1, so this is the numerator alone.
            head_90 = bgnbd.expected_purchases(params, 90, zeros + x, T, T) * np.where(
                x > 0, 1 + (a / np.maximum(b + x - 1, 1e-12)), 1.0
            )
            head_365 = bgnbd.expected_purchases(params, 365, zeros + x, T, T) * np.where(
                x > 0, 1 + (a / np.maximum(b + x - 1, 1e-12)), 1.0
            )
            self.env.cr.execute(SQL(
                """
                DROP TABLE IF EXISTS customer_rfm_expectation;
                CREATE TEMP TABLE customer_rfm_expectation ON COMMIT DROP AS
                SELECT * FROM unnest(%s::int[], %s::int[], %s::float[], %s::float[])
                    AS e(x, age, head_90, head_365);
                """,
                [int(value) for value in x], [int(value) for value in T],
                [float(value) for value in head_90], [float(value) for value in head_365],
            ))
        self.env.cr.execute(SQL(
            """
            UPDATE customer_rfm_predicted predicted
               SET probability_alive = CASE WHEN base.purchase_days > 1
                       THEN 1 / (1 + odds.value) END,
                   expected_90 = e.head_90 / (1 + odds.value),
                   expected_365 = e.head_365 / (1 + odds.value),
                   order_value = %(order_value)s
              FROM customer_rfm_base base
              JOIN customer_rfm_expectation e
                ON e.x = base.purchase_days - 1 AND e.age = base.as_of - base.first_date
             CROSS JOIN LATERAL (
                   SELECT CASE WHEN base.purchase_days > 1
                          THEN %(a)s / (%(b)s + base.purchase_days - 2)
                               * EXP(LEAST(700, (%(r)s + base.purchase_days - 1)
                                     * LN((%(alpha)s + (base.as_of - base.first_date))
                                          / (%(alpha)s + (base.last_date - base.first_date)))))
                          ELSE 0 END AS value
                   ) odds
             WHERE base.partner_id = predicted.partner_id;
            UPDATE customer_rfm_predicted SET clv = expected_365 * order_value;
            """,
            r=r, alpha=alpha, a=a, b=b,
            order_value=SQL(
                """CASE WHEN base.orders > 1 AND base.gross_spend > 0 THEN
                       (1 - %(p)s * base.orders / (%(p)s * base.orders + %(q)s - 1))
                           * (%(v)s * %(p)s / (%(q)s - 1))
                     + %(p)s * base.orders / (%(p)s * base.orders + %(q)s - 1)
                           * (base.gross_spend / base.orders)
                   ELSE base.gross_spend / base.orders END""",
                p=gamma[0], q=gamma[1], v=gamma[2],
            ) if gamma and gamma[1] > 1 else SQL("predicted.order_value"),
        ))

    @api.model
    def _store_lifecycle(self, config, run):
        """Write lifecycle stages and predictions on the score rows of evaluated customers."""
        self.env.cr.execute(SQL(
            """
            UPDATE customer_rfm_score score
               SET previous_lifecycle_stage = CASE
                       WHEN score.lifecycle_stage IS DISTINCT FROM stage.value
                       THEN score.lifecycle_stage ELSE score.previous_lifecycle_stage END,
                   lifecycle_stage = stage.value,
                   purchase_rhythm_days = predicted.rhythm,
                   probability_alive = predicted.probability_alive,
                   expected_purchases_90d = predicted.expected_90,
                   expected_order_value = predicted.order_value,
                   clv_12m = predicted.clv,
                   churn_score = COALESCE(churn.score, 0),
                   write_date = NOW() AT TIME ZONE 'UTC'
              FROM customer_rfm_base base
              JOIN customer_rfm_predicted predicted ON predicted.partner_id = base.partner_id
              LEFT JOIN customer_churn_scored churn ON churn.partner_id = base.partner_id
             CROSS JOIN LATERAL (SELECT %(stage)s AS value) stage
             WHERE score.partner_id = base.partner_id AND score.company_id = %(company)s
            """,
            stage=self._lifecycle_case(config),
            company=config.company_id.id,
        ))

    @api.model
    def _lifecycle_case(self, config):
        """The lifecycle rules, first match wins (the settings form documents them)."""
        return SQL(
            """CASE
                WHEN base.as_of - base.last_date >= %(churned)s THEN 'churned'
                WHEN base.as_of - base.last_date >= %(dormant)s THEN 'dormant'
                WHEN base.previous_date IS NOT NULL
                     AND base.last_date - base.previous_date >= %(dormant)s
                     AND base.as_of - base.last_date < %(won_back)s THEN 'won_back'
                WHEN base.as_of - base.first_date < %(new)s THEN 'new'
                WHEN base.as_of - base.last_date
                     >= %(ratio)s * COALESCE(predicted.rhythm, %(median)s) THEN 'at_risk'
                WHEN base.frequency >= %(regular)s THEN 'regular'
                ELSE 'active' END""",
            churned=config.churned_days,
            dormant=config.dormant_days,
            won_back=config.won_back_days,
            new=config.new_days,
            ratio=config.at_risk_ratio,
            median=self._median_rhythm(),
            regular=config.regular_min_orders,
        )

    @api.model
    def _median_rhythm(self):
        """Median days between purchases of the repeat buyers being evaluated (one-time
        buyers are measured against it); 90 days when nobody has bought twice."""
        rows = self.env.execute_query(SQL(
            "SELECT PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY rhythm)"
            "  FROM customer_rfm_predicted WHERE rhythm > 0"
        ))
        return rows[0][0] or 90.0

    @api.model
    def _update_partners(self, config, prune):
        """Mirror each customer's main score (the company where they spend most) on the
        partner, touching only rows whose values change."""
        self.env.cr.execute(SQL(
            """
            WITH main AS (
                SELECT DISTINCT ON (score.partner_id)
                       score.partner_id, score.value_tier, score.segment_id, score.lifecycle_stage
                  FROM customer_rfm_score score
                 WHERE score.partner_id IN (SELECT partner_id FROM customer_rfm_base)
                 ORDER BY score.partner_id, score.monetary DESC, score.company_id
            )
            UPDATE res_partner partner
               SET value_tier = main.value_tier,
                   rfm_segment_id = main.segment_id,
                   lifecycle_stage = main.lifecycle_stage
              FROM main
             WHERE partner.id = main.partner_id
               AND (partner.value_tier, partner.rfm_segment_id, partner.lifecycle_stage)
                   IS DISTINCT FROM (main.value_tier, main.segment_id, main.lifecycle_stage)
            """
        ))
        if prune:
            self.env.cr.execute(SQL(
                """
                UPDATE res_partner partner
                   SET value_tier = NULL, rfm_segment_id = NULL,
                       lifecycle_stage = CASE WHEN partner.customer_rank > 0
                                              THEN 'prospect' END
                 WHERE (partner.value_tier IS NOT NULL OR partner.rfm_segment_id IS NOT NULL
                        OR partner.lifecycle_stage IS DISTINCT FROM
                           CASE WHEN partner.customer_rank > 0 THEN 'prospect' END)
                   AND partner.parent_id IS NULL
                   AND NOT EXISTS (SELECT 1 FROM customer_rfm_score score
                                    WHERE score.partner_id = partner.id)
                """
            ))
        self.env["res.partner"].invalidate_model(["value_tier", "rfm_segment_id",
                                                  "lifecycle_stage"])
