from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.customer_file.tools.job_fields import check_job_fields

WARNING_STATES = [
    ("new", "New"),
    ("in_progress", "In Progress"),
    ("won_back", "Won Back"),
    ("lost", "Lost"),
    ("false_alarm", "False Alarm"),
]
OPEN_STATES = ("new", "in_progress")
# An open warning keeping its severity and reasons is rewritten only when its probability
# moves by this many points or more, and its reasons measured again (their values and
# contributions) only when it moves by REMEASURE_MIN_MOVE points or more.
RESCORE_MIN_MOVE = 3
REMEASURE_MIN_MOVE = 10
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
        # touched). Half of each page, as for the score rows: a weekly run at a million
        # customers rewrites about half of the open warnings, and with a fifth of each page
        # free only 45 % of those rewrites stayed on their page. Hence no index on the
        # severity either: four values, each a large share of the warnings, and a rescored
        # warning often moves from one to the next.
        self.env.cr.execute(SQL("ALTER TABLE customer_churn_warning SET (fillfactor = 50)"))

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

    # ------------------------------------------------------------------ written by runs

    @api.model
    def _severity_case(self, score):
        return SQL(
            "CASE WHEN %(s)s >= 80 THEN 'critical' WHEN %(s)s >= 60 THEN 'high'"
            " WHEN %(s)s >= 40 THEN 'medium' ELSE 'low' END",
            s=score,
        )

    @api.model
    def _apply_churn(self, config, as_of, run, remeasure=False):
        """Close, open and update warnings from what ``customer.churn.evaluation`` left in
        ``customer_churn_scored`` and ``customer_churn_keys``, then store the reasons of
        the warnings opened or rewritten (measured for them alone); return how many were
        opened. ``remeasure`` measures the signals of every evaluated
        warning again (runs over selected customers), not only of those whose signals
        changed.

        Temporary tables made here: ``customer_churn_evaluated`` (``_collect_evaluated``:
        the open and blocking warnings of the evaluated customers, then the new ones),
        ``customer_churn_blocked`` (``_open_warnings``: who may not get a new warning) and
        ``customer_churn_rescored`` (``partner_id``, ``warning_id`` of the warnings opened
        or rewritten, whose reasons ``customer.churn.signal._store_measured`` stores)."""
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
        # more than the scoring. Their reasons, and those of the new warnings, are measured
        # again when the severity or the set of reasons changed or the probability moved by
        # REMEASURE_MIN_MOVE points (a week changes the values of nearly every reason: the
        # days since the last purchase); the others keep the values and contributions of
        # the run that measured them (``run_id``).
        changed = SQL(
            """(%(remeasure)s
                OR (warning.severity, warning.signal_key)
                   IS DISTINCT FROM (%(severity)s, evaluated.signal_key)
                OR warning.score IS NULL)""",
            remeasure=remeasure, severity=self._severity_case(SQL("evaluated.score")),
        )
        self.env.cr.execute(SQL(
            """
            DROP TABLE IF EXISTS customer_churn_rescored;
            CREATE TEMP TABLE customer_churn_rescored (partner_id int, warning_id int)
                ON COMMIT DROP;
            WITH rescored AS (
                UPDATE customer_churn_warning warning
                   SET score = evaluated.score, severity = %(severity)s,
                       signal_key = evaluated.signal_key,
                       run_id = CASE WHEN %(changed)s
                                          OR abs(warning.score - evaluated.score) >= %(far)s
                                     THEN %(run)s ELSE warning.run_id END,
                       write_date = NOW() AT TIME ZONE 'UTC'
                  FROM customer_churn_evaluated evaluated
                 WHERE evaluated.warning_id = warning.id
                   AND (%(changed)s OR abs(warning.score - evaluated.score) >= %(near)s)
                RETURNING warning.partner_id, warning.id, warning.run_id
            )
            INSERT INTO customer_churn_rescored
            SELECT partner_id, id FROM rescored WHERE run_id = %(run)s;
            INSERT INTO customer_churn_rescored
            SELECT partner_id, warning_id FROM customer_churn_evaluated
             WHERE warning_id = ANY(%(new)s);
            ANALYZE customer_churn_rescored;
            """,
            severity=self._severity_case(SQL("evaluated.score")), run=run.id, new=new_ids,
            changed=changed, near=RESCORE_MIN_MOVE, far=REMEASURE_MIN_MOVE,
        ))
        self.env["customer.churn.evaluation"]._measure_reasons(
            config, SQL("customer_churn_rescored"))
        self.env["customer.churn.signal"]._store_measured()
        self._schedule_owner_activities(
            new_ids, as_of + timedelta(days=config.activity_deadline_days)
        )
        self.invalidate_model()
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
        """Close open warnings whose customer bought again after the warning; return them.
        Each warning looks its customer's lines up from its date on (the ledger's index on
        customer and date): a join with the ledger made PostgreSQL scan all of it for a few
        thousand warnings."""
        self.env["customer.purchase.line"].flush_model()
        self.flush_model()
        rows = self.env.execute_query(SQL(
            """
            UPDATE customer_churn_warning warning
               SET state = 'won_back', won_back_date = purchase.date,
                   date_closed = CURRENT_DATE, won_back_percent = 100,
                   write_date = NOW() AT TIME ZONE 'UTC'
              FROM (
                    SELECT open_warning.id, bought.date
                      FROM customer_churn_warning open_warning
                     CROSS JOIN LATERAL (
                           SELECT MIN(line.date) AS date
                             FROM customer_purchase_line line
                            WHERE line.commercial_partner_id = open_warning.partner_id
                              AND line.date >= open_warning.date_detected
                              AND line.company_id = open_warning.company_id
                              AND line.is_refund IS NOT TRUE
                              AND (line.date > open_warning.date_detected
                                   OR line.create_date >= open_warning.create_date)
                          ) bought
                     WHERE open_warning.state IN %(open)s %(partner_filter)s %(company_filter)s
                       AND bought.date IS NOT NULL
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
