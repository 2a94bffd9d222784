import logging
import time

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# First key of the advisory lock a scoring run of a company takes (the second: its id).
SCORING_LOCK = 1_480_371_018
RUN_MODES = [("full", "Full"), ("incremental", "Incremental"), ("churn", "Churn evaluation")]



class CustomerRfmRun(models.Model):
    """One scoring run of one company, and the crons that start them.

    A run takes the company's advisory lock, then, each step one set-based statement or a
    few over every evaluated customer (nothing loops over customers in Python):

    1. ``customer.rfm.pipeline``: the ledger aggregated per customer and scored (R, F, M,
       tier, segment, lifecycle stage, BG/NBD and Gamma-Gamma predictions) into the
       temporary table ``customer_rfm_scored``;
    2. ``customer.churn.evaluation``: the churn probability of each customer, whether a
       warning opens, and the types of the reasons of those who qualify or have an open
       warning (``customer_churn_scored``, ``customer_churn_keys``);
    3. each model stores what is its own: ``customer.rfm.score`` the score rows that
       changed (``customer_rfm_new``), ``res.partner`` the main segment, tier and stage,
       ``customer.rfm.snapshot`` the counts of this run, ``customer.churn.warning`` the
       warnings closed, opened and rescored, and ``customer.churn.signal`` the reasons
       of those opened or rescored, with their contributions (measured for them alone by
       ``customer.churn.evaluation``, ``customer_churn_fired``).

    Each model's docstring lists the temporary tables it makes and reads. The churn model
    (``customer.churn.model._train``) and the backtest run steps 1 and 2 as of a past date
    and store nothing of them.
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
    def _run_company(self, company, mode, partner_ids=None, refitted_since=None):
        """Score one company; ``partner_ids`` restricts incremental and churn runs.

        Full runs score against fresh limits (quintiles or the configured thresholds);
        incremental runs (customers with new purchases) and churn runs (every customer, to
        age recency, stages, predictions and warnings) score against the limits of the last
        full run, so a customer's scores only move when the customer does.

        ``refitted_since``: this transaction has just aggregated the ledger of every
        customer as of today for the refit (``_refit`` returns when the oldest transaction
        under way then started); the run starts from that aggregation when it is there.
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
        pipeline = self.env["customer.rfm.pipeline"]
        count = pipeline._base_size(today) if refitted_since and partner_ids is None else None
        if count is not None:
            # The lines the refit's aggregation could not see are new to the next run.
            changes_since = refitted_since
        previous_run = self.sudo().search([("company_id", "=", company.id)], limit=1)
        run = self.sudo().create({
            "company_id": company.id, "mode": mode, "run_date": today,
            "changes_since": changes_since, "is_partial": is_partial,
        })
        if count is None:
            count = pipeline._build_base(config, today, partner_ids)
        if mode != "full" and config.scoring_method == "quintile":
            bounds = config.last_full_run_id.boundaries
        else:
            bounds = pipeline._fresh_bounds(config, count)
        run.boundaries = bounds
        pipeline._score(config, bounds, config._bgnbd_params(), config._gamma_gamma_params())
        every_customer = partner_ids is None
        self.env["customer.churn.evaluation"]._score_churn(config, today,
                                                           every_customer=every_customer)
        pruned = self.env["customer.rfm.score"]._store_scores(config, run, every_customer)
        self.env["res.partner"]._update_from_scores(config, pruned, every_customer)
        self.env["customer.rfm.snapshot"]._store_snapshot(config, run, previous_run,
                                                          every_customer)
        new_warnings = self.env["customer.churn.warning"]._apply_churn(
            config, today, run, remeasure=not every_customer)
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
        pipeline = self.env["customer.rfm.pipeline"]
        if not pipeline._build_base(config, as_of):
            raise UserError(self.env._(
                "%(company)s has no purchases to fit a churn model on.",
                company=config.company_id.name,
            ))
        values = pipeline._fit_on_base()
        values.update(model_fit_date=fields.Datetime.now())
        config.sudo().write(values)


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
            refitted_since = None
            for step in steps:
                if step == "fit":
                    refitted_since = self._refit(config, today)
                elif step not in done:
                    self._run_company(company, step, refitted_since=refitted_since)
            if in_cron:
                remaining_time = self.env["ir.cron"]._commit_progress(
                    1, remaining=len(companies) - index - 1
                )
                if remaining_time <= 0:
                    break

    @api.model
    def _refit(self, config, as_of):
        """The weekly job's refit: the churn probability trained on the company's past, then
        BG/NBD and Gamma-Gamma fitted as of ``as_of``, in that order, so that the ledger
        aggregated for the fit (``customer_rfm_base``) is left for the full run that
        follows in the same transaction. Returns, when the fit succeeded, the start of the
        oldest transaction under way as it aggregated the ledger (see
        ``_oldest_transaction_start``)."""
        self._try_train_churn_model(config, as_of)
        self.env.flush_all()
        since = self._oldest_transaction_start()
        return since if self._try_fit_churn_model(config, as_of) else None

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

    # ------------------------------------------------------------------ incremental runs

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

