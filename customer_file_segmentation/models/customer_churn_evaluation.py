from odoo import api, models
from odoo.tools import SQL

from ..tools.logistic import CLIP
from ..tools.sql import float8
from .customer_churn_warning import OPEN_STATES

# A warning lists at most this many reasons.
MAX_SIGNALS = 5
# The reasons repeat the model's long expression once per term: PostgreSQL's JIT would spend
# longer optimising and inlining its machine code (0.8 s for the keys of a million
# customers) than the optimised code saves on a few hundred thousand rows. The expressions
# are still compiled, only not optimised, for the statement, then the settings come back.
NO_JIT_OPTIMIZATION = SQL(
    "SET LOCAL jit_optimize_above_cost = -1; SET LOCAL jit_inline_above_cost = -1;"
)
JIT_OPTIMIZATION = SQL("RESET jit_optimize_above_cost; RESET jit_inline_above_cost;")
# The churn model's own features: (code of the signal type that names it, (what the model
# reads, the value a warning shows)), over ``customer_rfm_scored s``. Counts and amounts
# enter as logarithms (a tenth order matters less than a second), changes as the log-ratio
# of the last 90 days to the 90 days before. Everything in double precision: sums of the
# ledger are numeric, whose logarithms cost many times more over a million customers.
CHURN_FEATURES = [
    ("recency", ("LN(1 + (s.as_of - s.last_date)::float8)", "(s.as_of - s.last_date)::float8")),
    ("overdue", ("LN(1 + (s.as_of - s.last_date) / s.reference_rhythm)",
                 "(s.as_of - s.last_date) / s.reference_rhythm")),
    ("frequency", ("LN(1 + s.frequency::float8)", "s.frequency::float8")),
    ("monetary", ("LN(1 + GREATEST(s.monetary::float8, 0))", "s.monetary::float8")),
    ("tenure", ("LN(1 + (s.as_of - s.first_date)::float8)", "(s.as_of - s.first_date)::float8")),
    # In 90 days whatever the horizon: a model learned over a shorter window than the
    # horizon (a short history) reads the same feature it learned from.
    ("expected_purchases", ("LN(1 + COALESCE(s.expected_90, 0))",
                            "COALESCE(s.expected_90, 0)")),
    ("low_probability_alive", ("COALESCE(s.probability_alive, 1)",
                               "COALESCE(s.probability_alive, 1)")),
    ("one_time_buyer", ("(s.purchase_days = 1)::int::float8", "1::float8")),
    ("spend_drop", (
        "LN(1 + GREATEST(s.spend_recent::float8, 0))"
        " - LN(1 + GREATEST(s.spend_previous::float8, 0))",
        "CASE WHEN s.spend_previous > 0"
        " THEN 100 * (1 - s.spend_recent::float8 / s.spend_previous::float8) ELSE 0 END",
    )),
    ("frequency_drop", (
        "LN(1 + s.orders_recent::float8) - LN(1 + s.orders_previous::float8)",
        "CASE WHEN s.orders_previous > 0"
        " THEN 100 * (1 - s.orders_recent::float8 / s.orders_previous::float8) ELSE 0 END",
    )),
]


def term_column(code):
    """The column of ``customer_churn_scored`` that keeps the model's term of a feature."""
    return SQL.identifier(f"term_{code}")


class CustomerChurnEvaluation(models.AbstractModel):
    """The churn probability of each customer the pipeline scored, whether a warning opens
    for them, and the reasons of the warnings with their contribution to the probability.
    Set-based SQL over ``customer_rfm_scored`` (``customer.rfm.pipeline``); nothing here
    writes a stored table (but the top-N% rule's cutoff on the settings): the steps fill
    temporary tables, dropped when the transaction ends, which are this model's interface.
    In the order they are made:

    ============================= ========================================================
    ``customer_churn_hook``       ``_churn_features(config, as_of, codes)``: the evidence
                                  of the hook ``_churn_signal_queries`` (other addons):
                                  ``partner_id``, ``code``, ``value``, one row per
                                  customer and code of an active signal type
    ``customer_churn_hook_pivot`` ``_churn_features``: one row per customer with hook
                                  evidence, ``partner_id`` and a column ``h_<code>`` per
                                  hook code of the model (its value, or empty)
    ``customer_churn_scored``     ``_score_churn(config, as_of, model, horizon, ...)``:
                                  ``partner_id``, ``logit`` (the model's log-odds),
                                  ``probability`` (of no purchase within the horizon),
                                  ``score`` (the probability in percent) and
                                  ``qualifies`` (a warning opens by the company's rule),
                                  for every customer not churned; with a logistic model
                                  and the signals, ``term_<code>`` per feature of the
                                  model: its term of the log-odds (what the reasons are
                                  measured from)
    ``customer_churn_keys``       ``_score_churn`` (with ``with_signals``): the customers
                                  who qualify or have an open warning, ``partner_id`` and
                                  ``signal_key``: the ids of the types of their reasons
                                  (``_reasons``), sorted: the same reasons give the same
                                  key, whatever their points
    ``customer_churn_fired``      ``_measure_reasons(config, partners)``: the reasons of
                                  the customers of the table ``partners`` (the warnings a
                                  run opens or rewrites): ``partner_id``, ``type_id``
                                  (signal type), ``value`` (shown in the warning),
                                  ``points`` (contribution)
    ============================= ========================================================

    ``customer.churn.warning._apply_churn`` stores the warnings from them, and has the
    reasons measured for the warnings it opens or rewrites;
    ``customer.churn.model._train`` learns the model from ``_churn_features``, and the
    backtest compares ``customer_churn_scored`` with what happened.
    """

    _name = "customer.churn.evaluation"
    _description = "Churn Evaluation"

    @api.model
    def _churn_signal_queries(self, config, as_of):
        """Extra evidence for the churn model, one row ``(partner_id, code, value)`` per
        customer for whom it holds.

        This is the hook other addons extend (``customer_file_feedback_segmentation`` adds
        satisfaction drops and open complaints): override it, call ``super()`` and append
        ``SQL`` queries. Each query selects customers of the temporary table
        ``customer_rfm_scored`` that have not churned (``lifecycle_stage <> 'churned'``);
        its columns are ``partner_id``, ``as_of``, ``first_date``, ``last_date``,
        ``frequency``, ``monetary``, ``purchase_days``, ``spend_recent``,
        ``spend_previous``, ``orders_recent``, ``orders_previous``, ``r``, ``f``, ``m``,
        ``weighted``, ``tier``, ``segment_id``, ``lifecycle_stage``, ``rhythm``,
        ``reference_rhythm``, ``probability_alive``, ``expected_90``, ``expected_h``,
        ``p_none_h``, ``order_value`` and ``clv``. A query must use only data dated up to
        ``as_of`` (training and backtests evaluate the past) and returns the ``code`` of an
        active ``customer.churn.signal.type`` with the value shown in the warning.

        Each code becomes a feature of the churn model (1 for the customers it returns, 0
        for the others): the model learns from the company's past how much it weighs, and
        a warning lists it with its contribution when it raises the probability.
        """
        return []

    @api.model
    def _churn_features(self, config, as_of, codes=None):
        """Run the signal hook as of ``as_of`` into ``customer_churn_hook`` (one row per
        customer and code) and pivot it into ``customer_churn_hook_pivot`` (one row per
        customer with any, a column ``h_<code>`` each); small tables: few customers have
        hook signals. ``codes`` are the hook codes to include (those of the model that will
        score); ``None`` takes every code the hook returns.

        Returns ``(codes, features)``: every feature code, in order, and for each its SQL
        over ``customer_rfm_scored s`` left-joined with the pivot as ``h``: what the model
        reads and the value a warning shows."""
        self.env.flush_all()
        queries = self._churn_signal_queries(config, as_of)
        self.env.cr.execute(SQL(
            """
            DROP TABLE IF EXISTS customer_churn_hook;
            CREATE TEMP TABLE customer_churn_hook ON COMMIT DROP AS
            SELECT fired.partner_id, fired.code::varchar AS code, MAX(fired.value::float8) AS value
              FROM (%(queries)s) AS fired(partner_id, code, value)
              JOIN customer_churn_signal_type kind ON kind.code = fired.code AND kind.active
             GROUP BY 1, 2;
            ANALYZE customer_churn_hook;
            """,
            queries=SQL(" UNION ALL ").join(SQL("(%s)", query) for query in queries)
            if queries else SQL("SELECT NULL::int, NULL::varchar, NULL::float8 WHERE FALSE"),
        ))
        if codes is None:
            codes = [row[0] for row in self.env.execute_query(SQL(
                "SELECT DISTINCT code FROM customer_churn_hook ORDER BY code"
            ))]
        own = dict(CHURN_FEATURES)
        codes = [code for code in codes if code not in own]
        self.env.cr.execute(SQL(
            """
            DROP TABLE IF EXISTS customer_churn_hook_pivot;
            CREATE TEMP TABLE customer_churn_hook_pivot ON COMMIT DROP AS
            SELECT partner_id, %(pivot)s FROM customer_churn_hook GROUP BY partner_id;
            ALTER TABLE customer_churn_hook_pivot ADD PRIMARY KEY (partner_id);
            ANALYZE customer_churn_hook_pivot;
            """,
            pivot=SQL(", ").join(
                SQL("MAX(value) FILTER (WHERE code = %s) AS %s", code,
                    SQL.identifier(f"h_{code}"))
                for code in codes
            ) if codes else SQL("COUNT(*) AS signals"),
        ))
        return [code for code, _sql in CHURN_FEATURES] + codes, self._feature_sql(codes)

    @api.model
    def _feature_sql(self, hook_codes):
        """For each feature, the model's own and the hook's ``hook_codes`` (columns of
        ``customer_churn_hook_pivot``), its SQL over ``customer_rfm_scored s`` left-joined
        with the pivot as ``h``: ``(what the model reads, the value a warning shows)``."""
        features = {code: (SQL(x_sql), SQL(v_sql)) for code, (x_sql, v_sql) in CHURN_FEATURES}
        for code in hook_codes:
            column = SQL("h.%s", SQL.identifier(f"h_{code}"))
            features[code] = (SQL("(%s IS NOT NULL)::int", column),
                              SQL("COALESCE(%s, 0)", column))
        return features

    @api.model
    def _usable_model(self, config, horizon, model=None):
        """The logistic model to score with (``customer.churn.model._as_dict``; the
        company's current one by default), or ``None`` when it is no logistic model of
        ``horizon``."""
        if model is None:
            model = config.churn_model_id._as_dict()
        if model and (model["kind"] != "logistic" or model["horizon"] != horizon):
            return None
        return model

    @api.model
    def _hook_codes(self, model):
        """The hook codes a model reads (its features that are not the model's own)."""
        own = dict(CHURN_FEATURES)
        return [term["code"] for term in model["features"] if term["code"] not in own] \
            if model else []

    @api.model
    def _model_terms(self, model, features):
        """``(code, SQL)`` of each term of the model's log-odds: coefficient × the feature
        standardised and clipped as in training."""
        if not model:
            return []
        return [
            (term["code"], SQL(
                "%s * LEAST(%s, GREATEST(-%s, (%s - %s) / %s))", float8(term["coef"]),
                float8(CLIP), float8(CLIP), features[term["code"]][0],
                float8(term["mean"]), float8(term["std"]),
            ))
            for term in model["features"] if term["code"] in features and term["coef"]
        ]

    @api.model
    def _score_churn(self, config, as_of, model=None, horizon=None, every_customer=True,
                     with_signals=True):
        """The probability that each customer of ``customer_rfm_scored`` (not churned) makes
        no purchase within ``horizon`` days (the company's by default), into
        ``customer_churn_scored``: ``probability``, ``score`` (the probability in percent)
        and ``qualifies`` (whether a warning opens by the company's rule).

        ``model`` (``customer.churn.model._as_dict``; the company's current model by default)
        is the logistic model; without one, BG/NBD's probability of no purchase in the
        horizon, and without that (nobody bought twice) a heuristic on how overdue the
        customer is. With ``with_signals``, ``customer_churn_keys`` receives the
        ``signal_key`` of the customers who qualify or have an open warning: the types of
        their reasons (``_reasons``), ordered, so the same reasons give the same key
        whatever their points; their values and contributions are measured
        (``_measure_reasons``) only for the warnings a run opens or rewrites.
        """
        horizon = horizon or config.churn_horizon_days
        model = self._usable_model(config, horizon, model)
        _codes, features = self._churn_features(
            config, as_of,
            codes=[term["code"] for term in model["features"]] if model else [],
        )
        terms = self._model_terms(model, features)
        if model:
            logit = SQL(" + ").join([float8(model["intercept"])] + [
                SQL("s.%s", term_column(code)) for code, _sql in terms])
            probability = SQL("1 / (1 + EXP(-LEAST(700, GREATEST(-700, s.logit))))")
        else:
            # BG/NBD's probability of no purchase; without it, the overdue heuristic: alive
            # with e^-(overdue ratio - 1) once past the own rhythm, then buying at that rhythm.
            logit = SQL("0")
            probability = SQL(
                """COALESCE(s.p_none_h,
                   1 - EXP(-GREATEST(0, %(overdue)s - 1))
                     * (1 - EXP(-%(horizon)s / s.reference_rhythm)))""",
                overdue=features["overdue"][1], horizon=float8(horizon),
            )
        # Each level computes once what the next reads several times (``OFFSET 0`` keeps
        # PostgreSQL from folding the levels and computing the terms and the log-odds again
        # at every use). The terms are kept: the reasons are the terms that raise the
        # probability.
        term_columns = SQL("").join(
            SQL(", s.%s", term_column(code)) for code, _sql in terms)
        evaluated = SQL(
            """(SELECT s.partner_id, s.logit, s.clv, %(probability)s AS probability
                       %(term_columns)s
                  FROM (SELECT s.*, (%(logit)s)::float8 AS logit
                          FROM (SELECT s.partner_id, s.clv, s.p_none_h, s.reference_rhythm,
                                       s.as_of, s.last_date %(terms)s
                                  FROM customer_rfm_scored s
                                  LEFT JOIN customer_churn_hook_pivot h
                                    ON h.partner_id = s.partner_id
                                 WHERE s.lifecycle_stage <> 'churned'
                                OFFSET 0) s
                        OFFSET 0) s
                OFFSET 0) p""",
            logit=logit, probability=probability, term_columns=term_columns,
            terms=SQL("").join(SQL(", (%s)::float8 AS %s", sql, term_column(code))
                               for code, sql in terms),
        )
        rule = config.warning_rule
        if rule == "top_percent":
            if every_customer:
                cutoff = self.env.execute_query(SQL(
                    "SELECT PERCENTILE_DISC(%s) WITHIN GROUP (ORDER BY p.probability) FROM %s",
                    max(0.0, 1 - config.warning_top_percent / 100.0), evaluated,
                ))[0][0]
                if cutoff is not None and with_signals:
                    config.sudo().warning_top_cutoff = cutoff
            else:
                cutoff = config.warning_top_cutoff
            qualifies = SQL("p.probability >= %s", float8(1.0 if cutoff is None else cutoff))
        elif rule == "expected_value":
            qualifies = SQL("COALESCE(p.clv, 0) * p.probability >= %s",
                            float8(config.warning_min_value))
        else:
            qualifies = SQL("ROUND(100 * p.probability) >= %s", config.warning_min_score)
        self.env.cr.execute(SQL(
            """
            DROP TABLE IF EXISTS customer_churn_scored;
            CREATE TEMP TABLE customer_churn_scored ON COMMIT DROP AS
            SELECT p.partner_id, p.logit, p.probability,
                   LEAST(100, GREATEST(0, ROUND(100 * p.probability)))::int AS score,
                   %(qualifies)s AS qualifies %(term_columns)s
              FROM %(evaluated)s;
            ANALYZE customer_churn_scored;
            """,
            qualifies=qualifies, evaluated=evaluated,
            term_columns=SQL("").join(SQL(", p.%s", term_column(code)) for code, _sql in terms)
            if with_signals else SQL(),
        ))
        if not with_signals:
            return
        # An uncorrelated IN: one hashed look-up per customer, not an index probe each.
        needed = SQL(
            """(p.qualifies OR p.partner_id IN (
                   SELECT warning.partner_id FROM customer_churn_warning warning
                    WHERE warning.company_id = %s AND warning.state IN %s))""",
            config.company_id.id, OPEN_STATES,
        )
        measured, reasons = self._reasons(config, model, features, terms, needed,
                                          with_values=False)
        # The ids of the types, ascending: the same reasons give the same key.
        key = SQL(", ").join(
            SQL("CASE WHEN %s THEN %s END", included, str(type_id))
            for type_id, _points, _value, _fires, included in sorted(reasons,
                                                                      key=lambda r: r[0])
        ) if reasons else SQL("NULL")
        self.env.cr.execute(SQL(
            """
            %(no_jit_optimization)s
            DROP TABLE IF EXISTS customer_churn_keys;
            CREATE TEMP TABLE customer_churn_keys ON COMMIT DROP AS
            SELECT r.partner_id, NULLIF(concat_ws(',', %(key)s), '') AS signal_key
              FROM %(measured)s;
            %(jit_optimization)s
            ALTER TABLE customer_churn_keys ADD PRIMARY KEY (partner_id);
            ANALYZE customer_churn_keys;
            """,
            key=key, measured=measured,
            no_jit_optimization=NO_JIT_OPTIMIZATION, jit_optimization=JIT_OPTIMIZATION,
        ))

    @api.model
    def _measure_reasons(self, config, partners):
        """The reasons of the customers of the table ``partners`` (a ``partner_id`` each),
        scored by ``_score_churn`` with the company's model, into ``customer_churn_fired``:
        ``partner_id``, ``type_id``, ``value`` (shown in the warning) and ``points`` (the
        contribution)."""
        model = self._usable_model(config, config.churn_horizon_days)
        features = self._feature_sql(self._hook_codes(model))
        measured, reasons = self._reasons(
            config, model, features, self._model_terms(model, features),
            SQL("p.partner_id IN (SELECT partner_id FROM %s)", partners),
        )
        # The strongest first by one sort of the reasons that fire (a few per customer),
        # rather than counting each reason's rank as the key does.
        self.env.cr.execute(SQL(
            """
            %(no_jit_optimization)s
            DROP TABLE IF EXISTS customer_churn_fired;
            CREATE TEMP TABLE customer_churn_fired ON COMMIT DROP AS
            SELECT partner_id, type_id, value, points
              FROM (SELECT r.partner_id, reason.type_id, reason.value, reason.points,
                           row_number() OVER (PARTITION BY r.partner_id
                                              ORDER BY reason.points DESC, reason.type_id)
                               AS strength
                      FROM %(measured)s
                     CROSS JOIN LATERAL (VALUES %(rows)s) reason(type_id, value, points, fires)
                     WHERE reason.fires) ranked
             WHERE strength <= %(limit)s;
            %(jit_optimization)s
            ANALYZE customer_churn_fired;
            """,
            measured=measured, limit=MAX_SIGNALS,
            no_jit_optimization=NO_JIT_OPTIMIZATION, jit_optimization=JIT_OPTIMIZATION,
            rows=SQL(", ").join(
                SQL("(%s, %s, %s, %s)", type_id, value, points, fires)
                for type_id, points, value, fires, _included in reasons
            ) if reasons else SQL("(NULL::int, NULL::float8, NULL::int, FALSE)"),
        ))

    @api.model
    def _reasons(self, config, model, features, terms, who, with_values=True):
        """The reasons of the customers of ``customer_churn_scored p`` that ``who`` (SQL
        over ``p``) selects: the model terms that raise their probability by at least one
        point, at most ``MAX_SIGNALS``, strongest first; without a logistic model, the
        BG/NBD (or heuristic) probability itself as 'low probability alive', with how
        overdue the customer is. Without ``with_values`` the values are left empty (what
        the signal key needs is the types).

        Returns ``(measured, reasons)``: ``measured`` is a subquery aliased ``r`` with a
        row per selected customer, ``partner_id`` and a column of points and of value per
        candidate reason; ``reasons`` lists per candidate ``(type_id, points, value, fires,
        included)``, SQL over ``r``: ``fires`` whether it is a reason, ``included`` whether
        it is one of the ``MAX_SIGNALS`` strongest too (its rank among the others counted by
        comparing their columns: one row per customer, no sort)."""
        types = dict(self.env["customer.churn.signal.type"]
                     .search_fetch([("active", "=", True)], ["code"])
                     .mapped(lambda kind: (kind.code, kind.id)))
        if model:
            candidates = [
                (types[code], SQL(
                    """CASE WHEN %(term)s > 0 THEN ROUND(100 * (p.probability
                           - 1 / (1 + EXP(-LEAST(700, GREATEST(-700, p.logit - %(term)s))))))::int
                       ELSE 0 END""", term=SQL("p.%s", term_column(code)),
                ), features[code][1], None)
                for code, _sql in terms if code in types
            ]
        else:
            overdue = features["overdue"][1]
            candidates = [
                (types[code], points, value, condition)
                for code, value, points, condition in (
                    ("low_probability_alive",
                     SQL("COALESCE(s.probability_alive, EXP(-GREATEST(0, %s - 1)))", overdue),
                     SQL("ROUND(100 * p.probability)::int"), SQL("TRUE")),
                    ("overdue", overdue, SQL("0"),
                     SQL("%s >= %s", overdue, float8(config.at_risk_ratio))),
                )
                if code in types
            ]
        if not candidates:
            return SQL("(SELECT p.partner_id FROM customer_churn_scored p WHERE FALSE) r"), []
        columns = []
        for index, (_type_id, points, value, condition) in enumerate(candidates):
            columns += [SQL("%s AS %s", points, SQL.identifier(f"points_{index}")),
                        SQL("(%s)::float8 AS %s", value if with_values else SQL("NULL"),
                            SQL.identifier(f"value_{index}"))]
            if condition is not None:
                columns.append(SQL("%s AS %s", condition, SQL.identifier(f"fires_{index}")))
        # The model's points read its terms in ``customer_churn_scored``; the values shown,
        # and the rules without a model, read the customer's figures.
        measured = SQL(
            """(SELECT p.partner_id, %(columns)s
                  FROM customer_churn_scored p
                  %(figures)s
                 WHERE %(who)s
                OFFSET 0) r""",
            columns=SQL(", ").join(columns), who=who,
            figures=SQL(
                """JOIN customer_rfm_scored s ON s.partner_id = p.partner_id
                   LEFT JOIN customer_churn_hook_pivot h ON h.partner_id = p.partner_id"""
            ) if with_values or not model else SQL(),
        )

        def column(kind, index):
            return SQL("r.%s", SQL.identifier(f"{kind}_{index}"))

        reasons = []
        for index, (type_id, _points, _value, condition) in enumerate(candidates):
            points = column("points", index)
            if condition is not None:
                fires = included = column("fires", index)
            else:
                # Stronger terms before it: more points, or as many and a smaller type id.
                stronger = [
                    SQL("(%s %s %s)", column("points", other),
                        SQL(">=" if other_type < type_id else ">"), points)
                    for other, (other_type, *_rest) in enumerate(candidates) if other != index
                ]
                fires = included = SQL("%s >= 1", points)
                if len(candidates) > MAX_SIGNALS:
                    included = SQL("(%s AND (%s) < %s)", fires,
                                   SQL(" + ").join(SQL("%s::int", c) for c in stronger),
                                   MAX_SIGNALS)
            reasons.append((type_id, points, column("value", index), fires, included))
        return measured, reasons
