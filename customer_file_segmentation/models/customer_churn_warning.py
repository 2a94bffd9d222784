from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.customer_file.tools.job_fields import check_job_fields

from ..tools.logistic import CLIP
from .customer_rfm_run import float8

WARNING_STATES = [
    ("new", "New"),
    ("in_progress", "In Progress"),
    ("won_back", "Won Back"),
    ("lost", "Lost"),
    ("false_alarm", "False Alarm"),
]
OPEN_STATES = ("new", "in_progress")
# A warning lists at most this many reasons.
MAX_SIGNALS = 5
# An open warning keeping its severity and reasons is rewritten only when its probability
# moves by this many points or more.
RESCORE_MIN_MOVE = 3
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
    ("expected_purchases", ("LN(1 + COALESCE(s.expected_h, 0))", "COALESCE(s.expected_h, 0)")),
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
# Set by the runs (the cohort once, when they open a warning) and by the workflow actions.
JOB_FIELDS = frozenset({
    "score", "severity", "cohort", "signal_ids", "signal_key", "run_id", "date_detected",
    "won_back_date", "date_closed", "won_back_percent", "state", "partner_id", "company_id",
})


class CustomerChurnWarning(models.Model):
    """A customer drifting away, with the signals that say so and what was done about it.

    A customer has at most one open warning per company: evaluations update it instead of
    opening another. The next purchase closes it as won back. A random share of new
    warnings goes to the control group, which gets no win-back action, so the won-back rate
    of treated customers can be compared with what happens anyway.
    """

    _name = "customer.churn.warning"
    _description = "Churn Warning"
    _inherit = ["customer.file.record", "mail.thread", "mail.activity.mixin"]
    _order = "score desc, date_detected desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(readonly=True, tracking=True)
    company_id = fields.Many2one(readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Owner", index=True, tracking=True,
        help="The customer's salesperson when the warning was opened.",
    )
    date_detected = fields.Date(required=True, readonly=True, default=fields.Date.context_today)
    last_evaluation_date = fields.Date(
        compute="_compute_last_evaluation_date",
        help="The last scoring run that evaluated this customer while the warning was open.",
    )
    score = fields.Integer(readonly=True, aggregator="avg", tracking=True)
    severity = fields.Selection(
        [("low", "Low"), ("medium", "Medium"), ("high", "High"), ("critical", "Critical")],
        readonly=True,
    )
    state = fields.Selection(
        WARNING_STATES, default="new", required=True, index=True, tracking=True,
        group_expand=True,
    )
    cohort = fields.Selection(
        [("treated", "Treated"), ("control", "Control group")],
        required=True,
        default="treated",
        readonly=True,
        help="Control-group customers get no win-back action: comparing their won-back rate "
        "with the treated customers' shows what the actions achieve.",
    )
    signal_ids = fields.One2many("customer.churn.signal", "warning_id", string="Signals",
                                 readonly=True)
    signal_summary = fields.Char(compute="_compute_signal_summary")
    action_ids = fields.One2many("customer.winback.action", "warning_id",
                                 string="Win-back Actions")
    action_count = fields.Integer(compute="_compute_action_count")
    won_back_date = fields.Date(readonly=True)
    date_closed = fields.Date(readonly=True)
    won_back_percent = fields.Float(
        string="Won Back (%)",
        readonly=True,
        aggregator="avg",
        help="100 for a won-back customer, 0 otherwise: its average over a group of warnings "
        "is that group's won-back rate.",
    )
    value_tier = fields.Selection(related="partner_id.value_tier")
    rfm_segment_id = fields.Many2one(related="partner_id.rfm_segment_id")
    lifecycle_stage = fields.Selection(related="partner_id.lifecycle_stage")
    run_id = fields.Many2one(
        "customer.rfm.run", string="Scored by Run", readonly=True, ondelete="set null",
        help="The run that opened the warning or last changed its score or signals: the "
        "signals show the values it measured.",
    )
    signals_date = fields.Date(
        string="Signals Measured On", compute="_compute_signals_date",
        help="The signals and their values are those of the run that last changed the "
        "score or the signals that fired; later runs that find the same signals keep them.",
    )
    # The signal types that fired with their points, as the runs compare them: a run
    # rewrites the signals of a warning only when its score or this key changes.
    signal_key = fields.Char(readonly=True, copy=False)
    color = fields.Integer(compute="_compute_color")

    _one_open_warning = models.UniqueIndex(
        "(partner_id, company_id) WHERE state IN ('new', 'in_progress')",
        "This customer already has an open churn warning in this company.",
    )
    _score_range = models.Constraint(
        "CHECK(score BETWEEN 0 AND 100)", "A churn score is between 0 and 100."
    )

    def init(self):
        # Runs rewrite the score, severity and signals of thousands of open warnings: room
        # on each page keeps the new version of a row on its page (HOT updates, no index
        # touched). Hence no index on the severity either: four values, each a large share
        # of the warnings, and a rescored warning often moves from one to the next.
        self.env.cr.execute(SQL("ALTER TABLE customer_churn_warning SET (fillfactor = 80)"))

    @api.depends("run_id", "date_closed")
    def _compute_last_evaluation_date(self):
        # Full and churn runs evaluate every customer of their company, unless started on
        # selected customers (those set the ``run_id`` of each warning they evaluate);
        # rewriting each open warning to record it would cost a write per warning and run.
        latest = dict(self.env["customer.rfm.run"].sudo()._read_group(
            [("company_id", "in", self.company_id.ids), ("mode", "in", ("full", "churn")),
             ("is_partial", "=", False)],
            ["company_id"], ["run_date:max"],
        ))
        for warning in self:
            dates = [date for date in (latest.get(warning.company_id),
                                       warning.sudo().run_id.run_date)
                     if date]
            evaluated = max(dates, default=warning.date_detected)
            if warning.date_closed:
                evaluated = min(evaluated, warning.date_closed)
            warning.last_evaluation_date = max(evaluated, warning.date_detected)

    @api.depends("run_id.run_date", "date_detected")
    def _compute_signals_date(self):
        for warning in self:
            warning.signals_date = warning.sudo().run_id.run_date or warning.date_detected

    @api.depends("signal_ids.type_id", "signal_ids.value_display")
    def _compute_signal_summary(self):
        for warning in self:
            warning.signal_summary = ", ".join(
                f"{signal.type_id.name} {signal.value_display}" for signal in warning.signal_ids
            )

    def _compute_action_count(self):
        counts = dict(self.env["customer.winback.action"]._read_group(
            [("warning_id", "in", self.ids)], ["warning_id"], ["__count"]
        ))
        for warning in self:
            warning.action_count = counts.get(warning, 0)

    @api.depends("severity")
    def _compute_color(self):
        colors = {"critical": 1, "high": 2, "medium": 3, "low": 0}
        for warning in self:
            warning.color = colors.get(warning.severity, 0)

    @api.model_create_multi
    def create(self, vals_list):
        check_job_fields(self, vals_list, JOB_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_job_fields(self, [vals], JOB_FIELDS)
        return super().write(vals)

    # ------------------------------------------------------------------ user actions

    def action_start(self):
        self.check_access("write")
        self._check_open()
        self.sudo().filtered(lambda w: w.state == "new").write({"state": "in_progress"})

    def action_mark_lost(self):
        self._close("lost")

    def action_mark_false_alarm(self):
        self._close("false_alarm")

    def _close(self, state):
        self.check_access("write")
        self._check_open()
        self.sudo().write({"state": state, "date_closed": fields.Date.context_today(self),
                    "won_back_percent": 0.0})
        self.activity_unlink(["mail.mail_activity_data_call", "mail.mail_activity_data_todo"])

    def _check_open(self):
        closed = self.filtered(lambda w: w.state not in OPEN_STATES)
        if closed:
            raise UserError(self.env._(
                "The churn warning of %(customers)s is already closed.",
                customers=", ".join(closed.partner_id.mapped("display_name")),
            ))

    # ------------------------------------------------------------------ evaluation

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
        features = {code: (SQL(x_sql), SQL(v_sql)) for code, (x_sql, v_sql) in CHURN_FEATURES}
        for code in codes:
            column = SQL("h.%s", SQL.identifier(f"h_{code}"))
            features[code] = (SQL("(%s IS NOT NULL)::int", column),
                              SQL("COALESCE(%s, 0)", column))
        return [code for code, _sql in CHURN_FEATURES] + codes, features

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
        customer is. ``customer_churn_fired`` receives, for the customers who qualify or
        have an open warning, the model terms that raise their probability, strongest
        first: the feature, its value and its contribution in points of percentage (the
        probability minus what it would be with that feature at the company's average);
        ``customer_churn_keys`` their ``signal_key`` (the reasons' types, ordered: the same
        reasons give the same key, whatever their points).
        """
        horizon = horizon or config.churn_horizon_days
        if model is None:
            model = config.churn_model_id._as_dict()
        if model and (model["kind"] != "logistic" or model["horizon"] != horizon):
            model = None
        _codes, features = self._churn_features(
            config, as_of,
            codes=[term["code"] for term in model["features"]] if model else [],
        )
        if model:
            terms = [
                (term["code"], SQL(
                    "%s * LEAST(%s, GREATEST(-%s, (%s - %s) / %s))", float8(term["coef"]),
                    float8(CLIP), float8(CLIP), features[term["code"]][0],
                    float8(term["mean"]), float8(term["std"]),
                ))
                for term in model["features"] if term["code"] in features and term["coef"]
            ]
            logit = SQL(" + ").join([float8(model["intercept"])] + [sql for _c, sql in terms])
            probability = SQL("1 / (1 + EXP(-LEAST(700, GREATEST(-700, s.logit))))")
        else:
            terms = []
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
        # PostgreSQL from folding the levels and computing the log-odds again at every use).
        evaluated = SQL(
            """(SELECT s.partner_id, s.logit, s.clv, %(probability)s AS probability
                  FROM (SELECT s.partner_id, s.clv, s.p_none_h, s.reference_rhythm, s.as_of,
                               s.last_date, (%(logit)s)::float8 AS logit
                          FROM customer_rfm_scored s
                          LEFT JOIN customer_churn_hook_pivot h ON h.partner_id = s.partner_id
                         WHERE s.lifecycle_stage <> 'churned'
                        OFFSET 0) s
                OFFSET 0) p""",
            logit=logit, probability=probability,
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
                   %(qualifies)s AS qualifies
              FROM %(evaluated)s;
            ANALYZE customer_churn_scored;
            DROP TABLE IF EXISTS customer_churn_fired;
            CREATE TEMP TABLE customer_churn_fired (
                partner_id int, type_id int, value float8, points int) ON COMMIT DROP;
            """,
            qualifies=qualifies, evaluated=evaluated,
        ))
        if with_signals:
            self._fire_signals(config, terms, features, model)
        self.env.cr.execute(SQL(
            """
            DROP TABLE IF EXISTS customer_churn_keys;
            CREATE TEMP TABLE customer_churn_keys ON COMMIT DROP AS
            SELECT partner_id,
                   string_agg(type_id::text, ',' ORDER BY type_id) AS signal_key
              FROM customer_churn_fired GROUP BY partner_id;
            ALTER TABLE customer_churn_keys ADD PRIMARY KEY (partner_id);
            ANALYZE customer_churn_fired;
            ANALYZE customer_churn_keys;
            """
        ))

    @api.model
    def _fire_signals(self, config, terms, features, model):
        """Fill ``customer_churn_fired`` for customers who qualify or have an open warning:
        the model terms that raise their probability by at least one point, at most
        ``MAX_SIGNALS``, strongest first; without a logistic model, the BG/NBD (or
        heuristic) probability itself as 'low probability alive', with how overdue the
        customer is."""
        types = dict(self.env["customer.churn.signal.type"]
                     .search_fetch([("active", "=", True)], ["code"])
                     .mapped(lambda kind: (kind.code, kind.id)))
        sources = SQL(
            """customer_churn_scored p
               JOIN customer_rfm_scored s ON s.partner_id = p.partner_id
               LEFT JOIN customer_churn_hook_pivot h ON h.partner_id = p.partner_id"""
        )
        # An uncorrelated IN: one hashed look-up per customer, not an index probe each.
        needed = SQL(
            """(p.qualifies OR p.partner_id IN (
                   SELECT warning.partner_id FROM customer_churn_warning warning
                    WHERE warning.company_id = %s AND warning.state IN %s))""",
            config.company_id.id, OPEN_STATES,
        )
        if model:
            rows = [
                SQL("(%s, (%s)::float8, (%s)::float8)", types[code], sql, features[code][1])
                for code, sql in terms if code in types
            ]
            if not rows:
                return
            self.env.cr.execute(SQL(
                """
                INSERT INTO customer_churn_fired (partner_id, type_id, value, points)
                SELECT p.partner_id, term.type_id, term.value, term.points
                  FROM %(sources)s
                 CROSS JOIN LATERAL (
                       SELECT t.type_id, t.value,
                              ROUND(100 * (p.probability
                                           - 1 / (1 + EXP(-LEAST(700, GREATEST(-700,
                                                   p.logit - t.term))))))::int AS points
                         FROM (VALUES %(rows)s) t(type_id, term, value)
                        WHERE t.term > 0
                        ORDER BY 3 DESC, 1 LIMIT %(limit)s) term
                 WHERE %(needed)s AND term.points >= 1
                """,
                rows=SQL(", ").join(rows), limit=MAX_SIGNALS, needed=needed, sources=sources,
            ))
            return
        overdue = features["overdue"][1]
        for code, value, points, condition in (
            ("low_probability_alive",
             SQL("COALESCE(s.probability_alive, EXP(-GREATEST(0, %s - 1)))", overdue),
             SQL("ROUND(100 * p.probability)"), SQL("TRUE")),
            ("overdue", overdue, SQL("0"),
             SQL("%s >= %s", overdue, float8(config.at_risk_ratio))),
        ):
            if code not in types:
                continue
            self.env.cr.execute(SQL(
                """
                INSERT INTO customer_churn_fired (partner_id, type_id, value, points)
                SELECT p.partner_id, %(type)s, %(value)s, %(points)s
                  FROM %(sources)s
                 WHERE %(needed)s AND %(condition)s
                """,
                type=types[code], value=value, points=points, needed=needed, sources=sources,
                condition=condition,
            ))

    @api.model
    def _severity_case(self, score):
        return SQL(
            "CASE WHEN %(s)s >= 80 THEN 'critical' WHEN %(s)s >= 60 THEN 'high'"
            " WHEN %(s)s >= 40 THEN 'medium' ELSE 'low' END",
            s=score,
        )

    @api.model
    def _apply_churn(self, config, as_of, run, remeasure=False):
        """Close, open and update warnings from ``customer_churn_scored``; return how many
        were opened. ``remeasure`` measures the signals of every evaluated warning again
        (runs over selected customers), not only of those whose signals changed."""
        # Archived customers are not scored any more: their open warnings close as lost.
        archived_ids = [row[0] for row in self.env.execute_query(SQL(
            """
            UPDATE customer_churn_warning warning
               SET state = 'lost', date_closed = %(as_of)s, won_back_percent = 0,
                   write_date = NOW() AT TIME ZONE 'UTC'
              FROM res_partner partner
             WHERE partner.id = warning.partner_id AND NOT partner.active
               AND warning.company_id = %(company)s AND warning.state IN %(open)s
            RETURNING warning.id
            """,
            as_of=as_of, company=config.company_id.id, open=OPEN_STATES,
        ))]
        self._unlink_activities(archived_ids)
        self._collect_evaluated(config)
        # Only customers whose last purchase is not older than their warning can have been
        # won back: checking those alone keeps the ledger out of a full scan.
        bought_since = [row[0] for row in self.env.execute_query(SQL(
            "SELECT partner_id FROM customer_churn_evaluated WHERE bought_since"
        ))]
        won_back = self._close_won_back(partner_ids=bought_since,
                                        company_id=config.company_id.id)
        # Customers past the churn limit are lost, whatever was tried.
        lost_ids = [row[0] for row in self.env.execute_query(SQL(
            """
            UPDATE customer_churn_warning warning
               SET state = 'lost', date_closed = %(as_of)s, won_back_percent = 0
              FROM customer_churn_evaluated evaluated
             WHERE evaluated.warning_id = warning.id AND evaluated.churned
               AND warning.state IN %(open)s
            RETURNING warning.id
            """,
            as_of=as_of, open=OPEN_STATES,
        ))]
        self._unlink_activities(lost_ids)
        self.env.cr.execute(SQL(
            "UPDATE customer_churn_evaluated SET warning_id = NULL WHERE warning_id = ANY(%s)",
            won_back.ids + lost_ids,
        ))
        new_ids = self._open_warnings(config, as_of, run)
        # Open warnings take the new score and signals; only those whose severity or set of
        # reasons changed, or whose probability moved by RESCORE_MIN_MOVE points or more, are
        # written (every one when remeasuring): a weekly refit nudges most probabilities by
        # a point or two, and rewriting every open warning and its reasons for that cost
        # more than the scoring. Their signals, and those of the new warnings, are measured
        # again; the others keep the values of the run that set them (``run_id``).
        self.env.cr.execute(SQL(
            """
            DROP TABLE IF EXISTS customer_churn_rescored;
            CREATE TEMP TABLE customer_churn_rescored (partner_id int, warning_id int)
                ON COMMIT DROP;
            WITH rescored AS (
                UPDATE customer_churn_warning warning
                   SET score = evaluated.score, severity = %(severity)s,
                       signal_key = evaluated.signal_key, run_id = %(run)s,
                       write_date = NOW() AT TIME ZONE 'UTC'
                  FROM customer_churn_evaluated evaluated
                 WHERE evaluated.warning_id = warning.id
                   AND (%(remeasure)s
                        OR (warning.severity, warning.signal_key)
                           IS DISTINCT FROM (%(severity)s, evaluated.signal_key)
                        OR warning.score IS NULL
                        OR abs(warning.score - evaluated.score) >= %(min_move)s)
                RETURNING warning.partner_id, warning.id
            )
            INSERT INTO customer_churn_rescored SELECT partner_id, id FROM rescored;
            INSERT INTO customer_churn_rescored
            SELECT partner_id, warning_id FROM customer_churn_evaluated
             WHERE warning_id = ANY(%(new)s);
            ANALYZE customer_churn_rescored;
            """,
            severity=self._severity_case(SQL("evaluated.score")), run=run.id, new=new_ids,
            remeasure=remeasure, min_move=RESCORE_MIN_MOVE,
        ))
        # One join of their fired signals with their stored ones keeps the differences:
        # values that moved are updated in place, signals that stopped firing deleted, new
        # ones inserted.
        self.env.cr.execute(SQL(
            """
            DROP TABLE IF EXISTS customer_churn_signal_change;
            CREATE TEMP TABLE customer_churn_signal_change ON COMMIT DROP AS
            SELECT signal.id, new.warning_id, new.type_id, new.value, new.points
              FROM (SELECT rescored.warning_id, fired.type_id, %(value)s AS value,
                           fired.points
                      FROM customer_churn_fired fired
                      JOIN customer_churn_signal_type kind ON kind.id = fired.type_id
                      JOIN customer_churn_rescored rescored
                        ON rescored.partner_id = fired.partner_id) new
              FULL JOIN (SELECT signal.id, signal.warning_id, signal.type_id, signal.value,
                                signal.points
                           FROM customer_churn_signal signal
                           JOIN customer_churn_rescored rescored
                             ON rescored.warning_id = signal.warning_id) signal
                ON signal.warning_id = new.warning_id AND signal.type_id = new.type_id
             WHERE (new.value, new.points) IS DISTINCT FROM (signal.value, signal.points);
            UPDATE customer_churn_signal signal
               SET value = change.value, points = change.points
              FROM customer_churn_signal_change change
             WHERE change.id = signal.id AND change.warning_id IS NOT NULL;
            DELETE FROM customer_churn_signal signal
             USING customer_churn_signal_change change
             WHERE change.id = signal.id AND change.warning_id IS NULL;
            INSERT INTO customer_churn_signal (warning_id, type_id, value, points)
            SELECT change.warning_id, change.type_id, change.value, change.points
              FROM customer_churn_signal_change change
             WHERE change.id IS NULL;
            """,
            value=self.env["customer.churn.signal"]._rounded_value(
                SQL("fired.value"), SQL("kind.unit")
            ),
        ))
        self._schedule_owner_activities(
            new_ids, as_of + timedelta(days=config.activity_deadline_days)
        )
        self.invalidate_model()
        self.env["customer.churn.signal"].invalidate_model()
        return len(new_ids)

    @api.model
    def _collect_evaluated(self, config):
        """Collect into ``customer_churn_evaluated``, per evaluated customer (one of
        ``customer_rfm_scored``), their open warning (``warning_id``, with whether they
        bought since it and whether they churned), whether a warning closed as lost or
        false alarm since their last purchase blocks a new one (``blocked``), and their new
        churn score. One join of the warnings with the run serves every later step: each
        reads a small analysed table, keyed, whatever the statistics of the warnings say.
        """
        self.env.cr.execute(SQL(
            """
            DROP TABLE IF EXISTS customer_churn_evaluated;
            CREATE TEMP TABLE customer_churn_evaluated ON COMMIT DROP AS
            SELECT warning.partner_id,
                   MAX(warning.id) FILTER (WHERE warning.state IN %(open)s) AS warning_id,
                   COALESCE(bool_or(warning.state IN %(open)s
                                    AND scored.last_date >= warning.date_detected), FALSE)
                       AS bought_since,
                   bool_or(scored.lifecycle_stage = 'churned') AS churned,
                   COALESCE(bool_or(warning.state NOT IN %(open)s), FALSE) AS blocked,
                   COALESCE(MAX(churn.score), 0) AS score,
                   MAX(keys.signal_key) AS signal_key
              FROM customer_churn_warning warning
              JOIN customer_rfm_scored scored ON scored.partner_id = warning.partner_id
              LEFT JOIN customer_churn_scored churn ON churn.partner_id = warning.partner_id
              LEFT JOIN customer_churn_keys keys ON keys.partner_id = warning.partner_id
             WHERE warning.company_id = %(company)s
               AND (warning.state IN %(open)s
                    OR (warning.state IN ('lost', 'false_alarm')
                        AND warning.date_closed >= scored.last_date
                        AND churn.qualifies))
             GROUP BY warning.partner_id;
            ALTER TABLE customer_churn_evaluated ADD PRIMARY KEY (partner_id);
            ANALYZE customer_churn_evaluated;
            """,
            company=config.company_id.id, open=OPEN_STATES,
        ))

    @api.model
    def _open_warnings(self, config, as_of, run):
        """Open a warning for each customer scoring at least the warning threshold, unless
        one is open or one was closed as lost or false alarm since their last purchase
        (``customer_churn_evaluated``, which the new warnings join); return the ids."""
        company_id = config.company_id.id
        # The customers who may not get one, apart: the insert below grows the evaluated
        # table, and an anti-join with it could scan it again for every customer.
        self.env.cr.execute(SQL(
            """
            DROP TABLE IF EXISTS customer_churn_blocked;
            CREATE TEMP TABLE customer_churn_blocked ON COMMIT DROP AS
            SELECT partner_id FROM customer_churn_evaluated
             WHERE warning_id IS NOT NULL OR blocked;
            ANALYZE customer_churn_blocked;
            """
        ))
        new_ids = [row[0] for row in self.env.execute_query(SQL(
            """
            WITH opened AS (
                INSERT INTO customer_churn_warning (
                    partner_id, commercial_partner_id, company_id, user_id, date_detected,
                    score, severity, signal_key, state, cohort, won_back_percent, run_id,
                    create_uid, create_date, write_uid, write_date)
                SELECT churn.partner_id, churn.partner_id, %(company)s, partner.user_id,
                       %(as_of)s, churn.score, %(severity)s, keys.signal_key, 'new',
                       CASE WHEN random() * 100 < %(control)s THEN 'control' ELSE 'treated' END,
                       0, %(run)s,
                       %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                  FROM customer_churn_scored churn
                  JOIN res_partner partner ON partner.id = churn.partner_id
                  LEFT JOIN customer_churn_keys keys ON keys.partner_id = churn.partner_id
                 WHERE churn.qualifies
                   AND NOT EXISTS (SELECT 1 FROM customer_churn_blocked blocked
                                    WHERE blocked.partner_id = churn.partner_id)
                RETURNING id, partner_id, score, signal_key
            )
            INSERT INTO customer_churn_evaluated (partner_id, warning_id, score, signal_key)
            SELECT partner_id, id, score, signal_key FROM opened
                ON CONFLICT (partner_id) DO UPDATE SET warning_id = EXCLUDED.warning_id
            RETURNING warning_id
            """,
            company=company_id, as_of=as_of, severity=self._severity_case(SQL("churn.score")),
            control=config.control_group_percent, run=run.id, uid=self.env.uid,
        ))]
        self.env.cr.execute(SQL("ANALYZE customer_churn_evaluated"))
        return new_ids

    @api.model
    def _schedule_owner_activities(self, warning_ids, deadline):
        """A call-back activity for the owner of each new treated warning, in one insert."""
        if not warning_ids:
            return
        activity_type = self.env.ref("mail.mail_activity_data_call", raise_if_not_found=False) \
            or self.env.ref("mail.mail_activity_data_todo")
        self.env.cr.execute(SQL(
            """
            INSERT INTO mail_activity (
                res_model_id, res_model, res_id, res_name, activity_type_id, summary,
                date_deadline, user_id, user_tz, automated, active,
                create_uid, create_date, write_uid, write_date)
            SELECT %(model)s, %(model_name)s, warning.id, customer.name, %(type)s, %(summary)s,
                   %(deadline)s, warning.user_id, owner.tz, TRUE, TRUE,
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM customer_churn_warning warning
              JOIN res_partner customer ON customer.id = warning.partner_id
              JOIN res_users users ON users.id = warning.user_id
              JOIN res_partner owner ON owner.id = users.partner_id
             WHERE warning.id = ANY(%(ids)s) AND warning.cohort = 'treated' AND users.active
            """,
            model=self.env["ir.model"]._get_id(self._name),
            model_name=self._name,
            type=activity_type.id,
            summary=self.env._("Win back this customer"),
            deadline=deadline,
            ids=warning_ids,
            uid=self.env.uid,
        ))
        self.env["mail.activity"].invalidate_model()

    @api.model
    def _close_won_back(self, partner_ids=None, company_id=None):
        """Close open warnings whose customer bought again after the warning; return them."""
        self.env["customer.purchase.line"].flush_model()
        self.flush_model()
        rows = self.env.execute_query(SQL(
            """
            UPDATE customer_churn_warning warning
               SET state = 'won_back', won_back_date = purchase.date,
                   date_closed = CURRENT_DATE, won_back_percent = 100,
                   write_date = NOW() AT TIME ZONE 'UTC'
              FROM (
                    SELECT open_warning.id, MIN(line.date) AS date
                      FROM customer_churn_warning open_warning
                      JOIN customer_purchase_line line
                        ON line.commercial_partner_id = open_warning.partner_id
                       AND line.company_id = open_warning.company_id
                       AND line.is_refund IS NOT TRUE
                       AND (line.date > open_warning.date_detected
                            OR (line.date = open_warning.date_detected
                                AND line.create_date >= open_warning.create_date))
                     WHERE open_warning.state IN %(open)s %(partner_filter)s %(company_filter)s
                     GROUP BY open_warning.id
                   ) purchase
             WHERE warning.id = purchase.id
            RETURNING warning.id
            """,
            open=OPEN_STATES,
            partner_filter=SQL("AND open_warning.partner_id = ANY(%s)", list(partner_ids))
            if partner_ids is not None else SQL(),
            company_filter=SQL("AND open_warning.company_id = %s", company_id)
            if company_id else SQL(),
        ))
        closed_ids = [row[0] for row in rows]
        self._unlink_activities(closed_ids)
        self.invalidate_model(["state", "won_back_date", "date_closed", "won_back_percent"])
        return self.browse(closed_ids)

    @api.model
    def _unlink_activities(self, warning_ids):
        if warning_ids:
            self.env["mail.activity"].sudo().search([
                ("res_model", "=", self._name), ("res_id", "in", warning_ids),
            ]).unlink()
