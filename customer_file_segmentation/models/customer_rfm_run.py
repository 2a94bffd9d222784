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
        warnings = self.env["customer.churn.warning"]
        self._predict(config._bgnbd_params(), config._gamma_gamma_params())
        warnings._score_churn(config, today)
        self._store_scores(config, prune=mode == "full")
        new_warnings = warnings._apply_churn(config, today, run)
        self._update_partners(config, prune=mode == "full")
        self._store_snapshot(config, run)
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

        One pass over the lines in (customer, date) index order. Orders are distinct
        documents, so an order counts once however many lines it has; a credit note is no
        order but nets the spend of its period when refunds are netted.
        """
        window_start = as_of - relativedelta(months=config.window_months)
        recent, previous = as_of - timedelta(days=90), as_of - timedelta(days=180)
        spend = SQL("line.amount") if config.net_refunds \
            else SQL("CASE WHEN line.is_refund IS NOT TRUE THEN line.amount END")
        purchase = SQL("line.is_refund IS NOT TRUE")
        self.env.cr.execute(SQL("DROP TABLE IF EXISTS customer_rfm_base"))
        self.env.cr.execute(SQL(
            """
            CREATE TEMP TABLE customer_rfm_base ON COMMIT DROP AS
            SELECT line.commercial_partner_id AS partner_id,
                   %(as_of)s::date AS as_of,
                   MIN(line.date) FILTER (WHERE %(purchase)s) AS first_date,
                   MAX(line.date) FILTER (WHERE %(purchase)s) AS last_date,
                   MIN(line.date) FILTER (WHERE %(purchase)s AND line.date > %(won_back)s)
                       AS return_date,
                   MAX(line.date) FILTER (WHERE %(purchase)s AND line.date <= %(won_back)s)
                       AS before_return_date,
                   COUNT(DISTINCT line.document_ref)
                       FILTER (WHERE %(purchase)s AND line.date > %(window_start)s) AS frequency,
                   COALESCE(SUM(%(spend)s) FILTER (WHERE line.date > %(window_start)s), 0)
                       AS monetary,
                   COUNT(DISTINCT line.date) FILTER (WHERE %(purchase)s) AS purchase_days,
                   COUNT(DISTINCT line.document_ref) FILTER (WHERE %(purchase)s) AS orders,
                   COALESCE(SUM(line.amount) FILTER (WHERE %(purchase)s), 0) AS gross_spend,
                   COALESCE(SUM(%(spend)s) FILTER (WHERE line.date > %(recent)s), 0)
                       AS spend_recent,
                   COALESCE(SUM(%(spend)s) FILTER (WHERE line.date > %(previous)s
                                                    AND line.date <= %(recent)s), 0)
                       AS spend_previous,
                   COUNT(DISTINCT line.document_ref)
                       FILTER (WHERE %(purchase)s AND line.date > %(recent)s) AS orders_recent,
                   COUNT(DISTINCT line.document_ref)
                       FILTER (WHERE %(purchase)s AND line.date > %(previous)s
                                 AND line.date <= %(recent)s) AS orders_previous
              FROM customer_purchase_line line
             WHERE line.company_id = %(company)s
               AND line.date <= %(as_of)s
               AND line.source = ANY(%(sources)s)
               %(partner_filter)s
             GROUP BY line.commercial_partner_id
            HAVING COUNT(*) FILTER (WHERE %(purchase)s) > 0
            """,
            company=config.company_id.id,
            as_of=as_of,
            purchase=purchase,
            spend=spend,
            sources=config._sources(),
            partner_filter=SQL(
                "AND line.commercial_partner_id = ANY(%s)", list(partner_ids)
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
        self.env.cr.execute(SQL("ALTER TABLE customer_rfm_base ADD PRIMARY KEY (partner_id)"))
        self.env.cr.execute(SQL("ANALYZE customer_rfm_base"))
        return self.env.execute_query(SQL("SELECT COUNT(*) FROM customer_rfm_base"))[0][0]

    @api.model
    def _score_quintiles(self, config):
        """Score R, F and M by quintile of the company's customers and return the limits.

        Equal values always get the same score: a customer scores by the rank of the first
        customer with the same value, so ties never depend on ids or on the order of rows.
        """
        self._create_scored(config, SQL(
            """
            SELECT partner_id,
                   1 + 5 * (RANK() OVER (ORDER BY last_date) - 1) / COUNT(*) OVER () AS r,
                   1 + 5 * (RANK() OVER (ORDER BY frequency) - 1) / COUNT(*) OVER () AS f,
                   1 + 5 * (RANK() OVER (ORDER BY monetary) - 1) / COUNT(*) OVER () AS m
              FROM customer_rfm_base
            """
        ))
        limits = {}
        for dimension, value, aggregate in (("r", SQL("base.as_of - base.last_date"), "MAX"),
                                            ("f", SQL("base.frequency"), "MIN"),
                                            ("m", SQL("base.monetary"), "MIN")):
            # The limit of score s is the extreme value among customers scoring s or more.
            per_score = dict(self.env.execute_query(SQL(
                """
                SELECT scored.%(score)s, %(aggregate)s(%(value)s)
                  FROM customer_rfm_scored scored
                  JOIN customer_rfm_base base ON base.partner_id = scored.partner_id
                 GROUP BY scored.%(score)s
                """,
                score=SQL.identifier(dimension), aggregate=SQL(aggregate), value=value,
            )))
            pick = max if aggregate == "MAX" else min
            limits[dimension] = [
                pick((per_score[score] for score in per_score if score >= step), default=None)
                for step in range(2, 6)
            ]
        return {
            "recency": limits["r"],
            "frequency": limits["f"],
            "monetary": [None if value is None else float(value) for value in limits["m"]],
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

        self._create_scored(config, SQL(
            "SELECT partner_id, 1 + %(r)s AS r, 1 + %(f)s AS f, 1 + %(m)s AS m"
            "  FROM customer_rfm_base",
            r=steps(SQL("(as_of - last_date)"), bounds["recency"], "<="),
            f=steps(SQL("frequency"), bounds["frequency"], ">="),
            m=steps(SQL("monetary"), bounds["monetary"], ">="),
        ))
        return bounds

    @api.model
    def _create_scored(self, config, rfm_query):
        """``customer_rfm_scored`` from a query of (partner_id, r, f, m): adds the FM score,
        the weighted score, the value tier and the segment in the same statement."""
        cells = self.env["customer.rfm.segment"]._cell_map() or [(0, 0, None)]
        weights = (config.weight_recency, config.weight_frequency, config.weight_monetary)
        self.env.cr.execute(SQL("DROP TABLE IF EXISTS customer_rfm_scored"))
        self.env.cr.execute(SQL(
            """
            CREATE TEMP TABLE customer_rfm_scored ON COMMIT DROP AS
            WITH rfm AS (%(rfm)s),
            weighted AS (
                SELECT rfm.*, (rfm.f + rfm.m + 1) / 2 AS fm,
                       (%(wr)s * rfm.r + %(wf)s * rfm.f + %(wm)s * rfm.m) / %(total)s
                           AS weighted
                  FROM rfm
            )
            SELECT weighted.partner_id, weighted.r, weighted.f, weighted.m, weighted.fm,
                   weighted.weighted,
                   CASE WHEN weighted.weighted >= %(high)s THEN 'high'
                        WHEN weighted.weighted >= %(medium)s THEN 'medium'
                        ELSE 'low' END::varchar AS tier,
                   cell.segment_id
              FROM weighted
              LEFT JOIN unnest(%(cell_r)s::int[], %(cell_fm)s::int[], %(cell_id)s::int[])
                   AS cell(r, fm, segment_id)
                ON cell.r = weighted.r AND cell.fm = weighted.fm;
            ALTER TABLE customer_rfm_scored ADD PRIMARY KEY (partner_id);
            ANALYZE customer_rfm_scored;
            """,
            rfm=rfm_query,
            wr=float8(weights[0]), wf=float8(weights[1]), wm=float8(weights[2]),
            total=float8(sum(weights)),
            high=float8(config.tier_high_min), medium=float8(config.tier_medium_min),
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
             WHERE score.company_id = %s;
            ALTER TABLE customer_rfm_scored ADD PRIMARY KEY (partner_id);
            ANALYZE customer_rfm_scored;
            """,
            config.company_id.id,
        ))

    @api.model
    def _store_scores(self, config, prune):
        """Write one row per evaluated customer with its scores, lifecycle stage and
        predictions, remembering the segment, tier and stage it comes from.

        The new values go to ``customer_rfm_new``; one ``UPDATE ... FROM`` rewrites the rows
        whose values changed and one ``INSERT ... SELECT`` adds the customers scored for the
        first time. The table's fill factor keeps room on each page, so a rewritten row
        stays on its page without index updates when no indexed column changed.
        """
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
            DROP TABLE IF EXISTS customer_rfm_new;
            CREATE TEMP TABLE customer_rfm_new ON COMMIT DROP AS
            SELECT base.partner_id, base.as_of AS score_date,
                   base.first_date AS first_purchase_date,
                   base.last_date AS last_purchase_date,
                   base.frequency, base.monetary,
                   scored.r AS r_score, scored.f AS f_score, scored.m AS m_score,
                   scored.fm AS fm_score,
                   scored.r::text || scored.f::text || scored.m::text AS rfm_code,
                   ROUND(scored.weighted::numeric, 2) AS weighted_score,
                   scored.segment_id, scored.tier AS value_tier,
                   %(stage)s AS lifecycle_stage,
                   ROUND(predicted.rhythm::numeric, 1)::float8 AS purchase_rhythm_days,
                   ROUND(predicted.probability_alive::numeric, 3)::float8 AS probability_alive,
                   ROUND(predicted.expected_90::numeric, 3)::float8 AS expected_purchases_90d,
                   ROUND(predicted.order_value::numeric, 2) AS expected_order_value,
                   ROUND(predicted.clv::numeric, 2) AS clv_12m,
                   COALESCE(churn.score, 0) AS churn_score
              FROM customer_rfm_base base
              JOIN customer_rfm_scored scored ON scored.partner_id = base.partner_id
              JOIN customer_rfm_predicted predicted ON predicted.partner_id = base.partner_id
              LEFT JOIN customer_churn_scored churn ON churn.partner_id = base.partner_id;
            ANALYZE customer_rfm_new;
            """,
            stage=self._lifecycle_case(config),
        ))
        columns = [
            "score_date", "first_purchase_date", "last_purchase_date", "frequency",
            "monetary", "r_score", "f_score", "m_score", "fm_score", "rfm_code",
            "weighted_score", "segment_id", "value_tier", "lifecycle_stage",
            "purchase_rhythm_days", "probability_alive", "expected_purchases_90d",
            "expected_order_value", "clv_12m", "churn_score",
        ]
        compared = columns[1:]
        self.env.cr.execute(SQL(
            """
            UPDATE customer_rfm_score score
               SET %(updates)s,
                   previous_segment_id = CASE
                       WHEN score.segment_id IS DISTINCT FROM new.segment_id
                       THEN score.segment_id ELSE score.previous_segment_id END,
                   previous_value_tier = CASE
                       WHEN score.value_tier IS DISTINCT FROM new.value_tier
                       THEN score.value_tier ELSE score.previous_value_tier END,
                   previous_lifecycle_stage = CASE
                       WHEN score.lifecycle_stage IS DISTINCT FROM new.lifecycle_stage
                       THEN score.lifecycle_stage ELSE score.previous_lifecycle_stage END,
                   segment_changed_date = CASE
                       WHEN score.segment_id IS DISTINCT FROM new.segment_id
                       THEN new.score_date ELSE score.segment_changed_date END,
                   write_uid = %(uid)s,
                   write_date = NOW() AT TIME ZONE 'UTC'
              FROM customer_rfm_new new
             WHERE score.partner_id = new.partner_id AND score.company_id = %(company)s
               AND (%(current)s) IS DISTINCT FROM (%(incoming)s)
            """,
            updates=SQL(", ").join(
                SQL("%s = new.%s", SQL.identifier(column), SQL.identifier(column))
                for column in columns
            ),
            current=SQL(", ").join(SQL("score.%s", SQL.identifier(col)) for col in compared),
            incoming=SQL(", ").join(SQL("new.%s", SQL.identifier(col)) for col in compared),
            company=company_id,
            uid=self.env.uid,
        ))
        self.env.cr.execute(SQL(
            """
            INSERT INTO customer_rfm_score (
                partner_id, commercial_partner_id, company_id, segment_changed_date,
                %(columns)s, create_uid, create_date, write_uid, write_date)
            SELECT new.partner_id, new.partner_id, %(company)s, new.score_date,
                   %(values)s, %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s,
                   NOW() AT TIME ZONE 'UTC'
              FROM customer_rfm_new new
             WHERE NOT EXISTS (SELECT 1 FROM customer_rfm_score score
                                WHERE score.partner_id = new.partner_id
                                  AND score.company_id = %(company)s)
            """,
            columns=SQL(", ").join(SQL.identifier(column) for column in columns),
            values=SQL(", ").join(SQL("new.%s", SQL.identifier(column)) for column in columns),
            company=company_id,
            uid=self.env.uid,
        ))

    @api.model
    def _store_snapshot(self, config, run):
        """Count the company's customers per segment, tier and stage after this run."""
        self.env.cr.execute(SQL(
            """
            INSERT INTO customer_rfm_snapshot (
                run_id, company_id, snapshot_date, segment_id, value_tier, lifecycle_stage,
                customer_count, monetary, clv_12m, create_uid, create_date, write_uid, write_date)
            SELECT %(run)s, %(company)s, %(date)s, segment_id, value_tier, lifecycle_stage,
                   COUNT(*), SUM(monetary), SUM(clv_12m),
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM customer_rfm_score
             WHERE company_id = %(company)s
             GROUP BY segment_id, value_tier, lifecycle_stage
            """,
            run=run.id, company=config.company_id.id, date=run.run_date, uid=self.env.uid,
        ))

    @api.model
    def _predict(self, params, gamma):
        """BG/NBD and Gamma-Gamma predictions per customer into ``customer_rfm_predicted``.

        Probability alive and the Gamma-Gamma value are closed forms computed in SQL. The
        expected number of purchases needs the Gauss hypergeometric function, whose part
        depends only on (repeat purchases, customer age): numpy evaluates it once per
        distinct pair, far fewer than customers, and SQL joins it back. Without a fitted
        model only the purchase rhythm and the average order value are known.
        """
        self.env.cr.execute(SQL(
            "DROP TABLE IF EXISTS customer_rfm_predicted;"
            " DROP TABLE IF EXISTS customer_rfm_expectation"
        ))
        rhythm = SQL(
            "CASE WHEN base.purchase_days > 1"
            " THEN (base.last_date - base.first_date)::float / (base.purchase_days - 1) END"
        )
        if not params:
            self.env.cr.execute(SQL(
                """
                CREATE TEMP TABLE customer_rfm_predicted ON COMMIT DROP AS
                SELECT base.partner_id, %s AS rhythm, NULL::float AS probability_alive,
                       NULL::float AS expected_90, NULL::float AS expected_365,
                       base.gross_spend::float8 / base.orders AS order_value,
                       NULL::float AS clv
                  FROM customer_rfm_base base;
                ALTER TABLE customer_rfm_predicted ADD PRIMARY KEY (partner_id);
                ANALYZE customer_rfm_predicted;
                """,
                rhythm,
            ))
            return
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
        self.env.cr.execute(SQL(
            """
            CREATE TEMP TABLE customer_rfm_expectation ON COMMIT DROP AS
            SELECT * FROM unnest(%s::int[], %s::int[], %s::float[], %s::float[])
                AS e(x, age, head_90, head_365);
            ALTER TABLE customer_rfm_expectation ADD PRIMARY KEY (x, age);
            ANALYZE customer_rfm_expectation;
            """,
            [int(value) for value in x], [int(value) for value in T],
            [float(value) for value in head_90], [float(value) for value in head_365],
        ))
        order_value = SQL(
            """CASE WHEN base.orders > 1 AND base.gross_spend > 0 THEN
                   (1 - %(p)s * base.orders / (%(p)s * base.orders + %(q)s - 1))
                       * (%(v)s * %(p)s / (%(q)s - 1))
                 + %(p)s * base.orders / (%(p)s * base.orders + %(q)s - 1)
                       * (base.gross_spend::float8 / base.orders)
               ELSE base.gross_spend::float8 / base.orders END""",
            p=float8(gamma[0]), q=float8(gamma[1]), v=float8(gamma[2]),
        ) if gamma and gamma[1] > 1 else SQL("base.gross_spend::float8 / base.orders")
        self.env.cr.execute(SQL(
            """
            CREATE TEMP TABLE customer_rfm_predicted ON COMMIT DROP AS
            SELECT base.partner_id, %(rhythm)s AS rhythm,
                   CASE WHEN base.purchase_days > 1 THEN 1 / (1 + odds.value) END
                       AS probability_alive,
                   e.head_90 / (1 + odds.value) AS expected_90,
                   e.head_365 / (1 + odds.value) AS expected_365,
                   (%(order_value)s)::float AS order_value,
                   e.head_365 / (1 + odds.value) * (%(order_value)s)::float AS clv
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
                   ) odds;
            ALTER TABLE customer_rfm_predicted ADD PRIMARY KEY (partner_id);
            ANALYZE customer_rfm_predicted;
            """,
            rhythm=rhythm, order_value=order_value,
            r=float8(r), alpha=float8(alpha), a=float8(a), b=float8(b),
        ))

    @api.model
    def _lifecycle_case(self, config):
        """The lifecycle rules, first match wins (the settings form documents them)."""
        return SQL(
            """CASE
                WHEN base.as_of - base.last_date >= %(churned)s THEN 'churned'
                WHEN base.as_of - base.last_date >= %(dormant)s THEN 'dormant'
                WHEN base.return_date - base.before_return_date >= %(dormant)s
                     THEN 'won_back'
                WHEN base.as_of - base.first_date < %(new)s THEN 'new'
                WHEN base.as_of - base.last_date
                     >= %(ratio)s * COALESCE(predicted.rhythm, %(median)s) THEN 'at_risk'
                WHEN base.frequency >= %(regular)s THEN 'regular'
                ELSE 'active' END""",
            churned=config.churned_days,
            dormant=config.dormant_days,
            new=config.new_days,
            ratio=float8(config.at_risk_ratio),
            median=float8(self._median_rhythm()),
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
