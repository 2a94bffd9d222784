from datetime import timedelta

import numpy as np
from dateutil.relativedelta import relativedelta

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import bgnbd
from ..tools.sql import float8

# The churn model's expectations are joined on (repeat purchases, age in days) folded into one
# number: with two keys the planner sees few distinct values in each and sorts every customer
# for a merge join; one key with as many values as pairs gets a hash join.
EXPECTATION_KEY_STRIDE = 100_000


class CustomerRfmPipeline(models.AbstractModel):
    """What is known about each customer of a company as of a date, computed set-based in
    SQL: the ledger aggregated per customer, then R, F and M, value tier, segment, lifecycle
    stage and the BG/NBD and Gamma-Gamma predictions. Nothing loops over customers in
    Python, and nothing here writes a stored table: the steps fill temporary tables (dropped
    when the transaction ends), which are this model's interface. In the order they are
    made:

    ============================ =========================================================
    ``customer_rfm_base``        ``_build_base(config, as_of, partner_ids)``: one row per
                                 customer with a purchase up to ``as_of`` (archived
                                 customers left out): ``partner_id``, ``as_of``,
                                 ``first_date``, ``last_date``, ``return_date`` and
                                 ``before_return_date`` (first purchase after, last before
                                 the won-back limit), ``frequency`` and ``monetary`` (in
                                 the scoring window), ``purchase_days``, ``orders``,
                                 ``gross_spend``, ``spend_recent`` and ``orders_recent``
                                 (last 90 days), ``spend_previous`` and ``orders_previous``
                                 (the 90 days before)
    ``customer_rfm_fit_sample``  ``_fit_on_base(sample_size)``: a uniform random sample of
                                 ``customer_rfm_base`` (the columns the fit reads) when the
                                 fit is asked for fewer customers than there are
    ``customer_rfm_expectation`` ``_create_expectations`` (from ``_score``): BG/NBD's
                                 expected purchases per (repeat purchases, age) pair,
                                 computed by numpy: ``pair`` (``EXPECTATION_KEY_STRIDE``
                                 × repeat purchases + age), ``head_90``, ``head_365``,
                                 ``head_h`` (the churn horizon), to divide by 1 + odds
    ``customer_rfm_scored``      ``_score(config, bounds, params, gamma, horizon)``:
                                 ``partner_id``, ``as_of``, ``first_date``, ``last_date``,
                                 ``return_date``, ``before_return_date``, ``frequency``,
                                 ``monetary``, ``purchase_days``, ``spend_recent``,
                                 ``spend_previous``, ``orders_recent``, ``orders_previous``
                                 (as in ``customer_rfm_base``), ``r``, ``f``, ``m``, ``fm``,
                                 ``weighted``, ``tier``, ``segment_id``,
                                 ``lifecycle_stage``, ``rhythm`` (own; empty for one-time
                                 buyers), ``reference_rhythm`` (own, or the median of
                                 repeat buyers), ``probability_alive``, ``expected_90``,
                                 ``expected_h`` (in the horizon), ``p_none_h`` (probability
                                 of no purchase in the horizon), ``order_value``, ``clv``
    ============================ =========================================================

    ``customer.churn.evaluation`` reads ``customer_rfm_scored`` next. A scoring run
    (``customer.rfm.run._run_company``) then hands the results to the models they are
    stored in; training (``customer.churn.model._train``) and the backtest run the same
    steps as of a past date and store nothing of them.
    """

    _name = "customer.rfm.pipeline"
    _description = "Customer Scoring Pipeline"

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
    def _base_size(self, as_of):
        """The size of ``customer_rfm_base`` when this transaction holds it as of
        ``as_of``, else ``None``. Only a caller that knows the table was built for every
        customer of the company (and the ledger not written since) may start from it."""
        if not self.env.execute_query(SQL("SELECT to_regclass('pg_temp.customer_rfm_base')"))[0][0]:
            return None
        count, built_as_of = self.env.execute_query(SQL(
            "SELECT COUNT(*), MIN(as_of) FROM customer_rfm_base"
        ))[0]
        # Its memory was reserved for the transaction when it was built.
        return count if built_as_of == as_of else None

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
