import time
from datetime import timedelta

import numpy as np

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.logistic import CLIP, fit_logistic
from ..tools.metrics import churn_metrics

# Fewer customers (or fewer of either outcome) at the training cutoff and the model would
# learn noise: BG/NBD's probability of no purchase stands in.
MIN_TRAINING_CUSTOMERS = 200
MIN_TRAINING_OUTCOMES = 20
# Above this many customers the fit uses a uniform random sample: a dozen coefficients are
# known to three decimals long before, and reading the rows is what costs.
MAX_TRAINING_ROWS = 250_000
# BG/NBD's four parameters at the training cutoff are known as well from a sample.
MAX_BGNBD_ROWS = 100_000
# The penalty on the standardised coefficients (a ridge of one observation's weight).
L2_PENALTY = 1.0
# When the history before ``until`` minus the horizon is too short to learn from, the labels
# cover the first of these windows shorter than the horizon that is long enough: a model that
# ranks customers by the company's own past beats BG/NBD's probability alone. A quarter
# still spans the rhythm of most customers and keeps the features' date near ``until``:
# halving a one-year horizon learned from half a year of history, whose customers and
# features were too unlike those a year later (ROC AUC 0.61 against 0.81 over 90 days in
# ``test_a_horizon_longer_than_the_history_learns_over_a_shorter_window``).
SHORTER_LABEL_DAYS = (90, 60, 30)

MODEL_KINDS = [
    ("logistic", "Logistic model"),
    ("bgnbd", "BG/NBD probability of no purchase"),
    ("rules", "Overdue heuristic (no model yet)"),
]


class CustomerChurnModel(models.Model):
    """A churn model learned from one company's own past: the probability that a customer
    makes no purchase within the horizon, as a logistic function of the features of
    ``customer.churn.evaluation._churn_features``.

    Trained set-based at ``train_cutoff`` = ``trained_until`` minus the horizon: the
    features are those of every customer not churned at that date, computed from the data
    before it, and the label is whether they bought in the horizon that followed (which
    ended by ``trained_until``). The weekly job trains one; the newest of a company scores
    its customers when its horizon is the company's.
    """

    _name = "customer.churn.model"
    _description = "Churn Model"
    _order = "fit_date desc, id desc"

    name = fields.Char(compute="_compute_name")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    kind = fields.Selection(MODEL_KINDS, required=True, readonly=True, default="logistic")
    horizon_days = fields.Integer(string="Horizon (days)", required=True, readonly=True)
    label_days = fields.Integer(
        string="Learned Over (days)", readonly=True,
        help="How many days after the features' date the outcome was observed: the horizon, "
        "or a shorter window when the history before the horizon was too short to learn "
        "from. The probability is then that of no purchase within this many days: it ranks "
        "the customers for the horizon, but reads lower than the churn over the horizon.",
    )
    trained_until = fields.Date(
        readonly=True, help="Outcomes are known up to this date: the end of the horizon."
    )
    train_cutoff = fields.Date(
        string="Features As Of", readonly=True,
        help="The features are computed from the data before this date; the label is "
        "whether the customer bought between it and the end of the horizon.",
    )
    fit_date = fields.Datetime(readonly=True, default=fields.Datetime.now)
    duration = fields.Float(string="Training Time (s)", readonly=True, digits=(16, 2))
    customer_count = fields.Integer(string="Training Customers", readonly=True)
    churn_rate = fields.Float(string="Churn Rate (%)", readonly=True, digits=(16, 1),
                              help="Share of the training customers who did not buy in the "
                              "horizon.")
    roc_auc = fields.Float(string="ROC AUC (training)", readonly=True, digits=(16, 3))
    log_loss = fields.Float(readonly=True, digits=(16, 4))
    intercept = fields.Float(readonly=True, digits=(16, 6))
    coefficients = fields.Json(
        string="Coefficient Data", readonly=True,
        help="Per feature: its code, training mean and standard deviation, and its coefficient "
        "(change of the log-odds of churn for one standard deviation).",
    )
    coefficients_display = fields.Text(string="Coefficients", compute="_compute_display")
    note = fields.Char(readonly=True)

    @api.depends("fit_date", "kind", "horizon_days")
    def _compute_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for model in self:
            model.name = f"{kinds.get(model.kind, '')} {model.horizon_days}d " \
                f"{fields.Date.to_string(model.trained_until) or ''}".strip()

    @api.depends("coefficients")
    def _compute_display(self):
        names = dict(self.env["customer.churn.signal.type"].with_context(active_test=False)
                     .search([]).mapped(lambda kind: (kind.code, kind.name)))
        for model in self:
            terms = sorted(model.coefficients or [], key=lambda term: -abs(term["coef"]))
            model.coefficients_display = "\n".join(
                f"{names.get(term['code'], term['code'])}: {term['coef']:+.3f}"
                f" (mean {term['mean']:.3g}, sd {term['std']:.3g})"
                for term in terms
            )

    def _as_dict(self):
        """The model as the scoring reads it (``None`` for a company without one)."""
        if not self:
            return None
        self.ensure_one()
        return {
            "kind": self.kind, "horizon": self.horizon_days, "intercept": self.intercept,
            "features": list(self.coefficients or []),
        }

    @api.model
    def _train(self, config, until, horizon):
        """Learn the probability of no purchase within ``horizon`` days from the company's
        customers as they were ``horizon`` days before ``until`` and what they did up to
        ``until``; when that is too early to learn from, over a shorter window
        (``SHORTER_LABEL_DAYS``; the model's ``label_days``). Uses only data dated
        up to ``until``. Returns a dict of the ``customer.churn.model`` values (``kind``
        ``bgnbd`` when there is too little history: fewer customers, or outcomes, than a
        fit needs, whatever the window)."""
        started = time.monotonic()
        for window in [horizon] + [days for days in SHORTER_LABEL_DAYS if days < horizon]:
            values = self._train_window(config, until, horizon, window)
            if values["kind"] == "logistic":
                break
        values["duration"] = time.monotonic() - started
        return values

    @api.model
    def _train_window(self, config, until, horizon, window):
        """``_train`` with labels over ``window`` days: the features as of ``until`` minus
        ``window``, the label whether the customer bought by ``until``."""
        pipeline = self.env["customer.rfm.pipeline"]
        cutoff = until - timedelta(days=window)
        values = {
            "company_id": config.company_id.id, "horizon_days": horizon,
            "label_days": window, "trained_until": until, "train_cutoff": cutoff,
            "kind": "bgnbd", "coefficients": [], "intercept": 0.0,
        }
        self.env.flush_all()
        count = pipeline._build_base(config, cutoff)
        if count < MIN_TRAINING_CUSTOMERS:
            values.update(customer_count=count, note=self.env._(
                "Too few customers before %(cutoff)s to learn from (%(count)s).",
                cutoff=cutoff, count=count))
            return values
        try:
            fitted = pipeline._fit_on_base(sample_size=MAX_BGNBD_ROWS)
            params = (fitted["bgnbd_r"], fitted["bgnbd_alpha"], fitted["bgnbd_a"],
                      fitted["bgnbd_b"])
            gamma = (fitted["gamma_gamma_p"], fitted["gamma_gamma_q"], fitted["gamma_gamma_v"])
        except UserError:
            params = gamma = None
        # R, F and M are no features (the values behind them are): the configured limits
        # spare the quintiles.
        pipeline._score(config, pipeline._threshold_bounds(config), params, gamma,
                        horizon=window)
        codes, features = self.env["customer.churn.evaluation"]._churn_features(config, cutoff)
        sample = min(1.0, MAX_TRAINING_ROWS / max(count, 1))
        rows = self.env.execute_query(SQL(
            """
            SELECT bought.partner_id IS NULL, %(columns)s
              FROM customer_rfm_scored s
              LEFT JOIN customer_churn_hook_pivot h ON h.partner_id = s.partner_id
              LEFT JOIN (%(buyers)s) bought ON bought.partner_id = s.partner_id
             WHERE s.lifecycle_stage <> 'churned'
               AND (%(sample)s >= 1 OR random() < %(sample)s)
            """,
            columns=SQL(", ").join(SQL("(%s)::float8", features[code][0]) for code in codes),
            buyers=config._buyers_between(cutoff, until), sample=sample,
        ))
        if not rows:
            values.update(note=self.env._("Every customer had churned by %(cutoff)s.",
                                          cutoff=cutoff))
            return values
        data = np.array(rows, dtype=float)
        y, X = data[:, 0], data[:, 1:]
        churned = int(y.sum())
        values.update(customer_count=len(y), churn_rate=100 * churned / len(y))
        if min(churned, len(y) - churned) < MIN_TRAINING_OUTCOMES:
            values.update(note=self.env._(
                "Too few customers of one outcome to learn from (%(churned)s of %(count)s "
                "did not buy).", churned=churned, count=len(y)))
            return values
        model = fit_logistic(X, y, l2=L2_PENALTY)
        logit = model["intercept"] + np.clip(
            (X - model["mean"]) / model["std"], -CLIP, CLIP) @ np.array(model["coef"])
        values.update(
            kind="logistic",
            intercept=model["intercept"],
            log_loss=model["log_loss"],
            roc_auc=churn_metrics(logit, y, 0)["roc_auc"],
            coefficients=[
                {"code": code, "mean": mean, "std": std, "coef": coef}
                for code, mean, std, coef in zip(codes, model["mean"], model["std"],
                                                 model["coef"], strict=True)
            ],
            note=self.env._(
                "Learned over %(window)s days, not the %(horizon)s of the horizon: the history "
                "before %(until)s minus the horizon was too short.",
                window=window, horizon=horizon, until=until,
            ) if window < horizon else False,
        )
        return values

    @api.model
    def _train_and_store(self, config, until=None):
        """Train on the company's past for its horizon; make it the company's model."""
        until = until or fields.Date.context_today(self)
        values = self._train(config, until, config.churn_horizon_days)
        model = self.sudo().create(values)
        config.sudo().churn_model_id = model
        return model
