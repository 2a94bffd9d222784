import io
from datetime import timedelta

import xlsxwriter

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.customer_file.tools.access import check_group

from ..tools.metrics import churn_metrics

OFFICER = "customer_file.group_customer_file_officer"
# The methods ranked side by side: the warning score and the baselines any RFM tool has,
# each as a risk (higher is riskier) from the columns of ``customer_rfm_scored`` and
# ``customer_churn_scored``. A baseline the data cannot give (no BG/NBD fit) is left out.
METHODS = [
    ("score", "Warning score (churn probability)"),
    ("recency", "Recency alone"),
    ("rfm", "Weighted RFM score"),
    ("probability_alive", "Probability alive"),
    ("expected_purchases", "Expected purchases"),
]
METHOD_RISK = {
    "score": "churn.probability",
    "recency": "(scored.as_of - scored.last_date)::float8",
    "rfm": "-scored.weighted",
    "probability_alive": "-COALESCE(scored.probability_alive, 1)",
    "expected_purchases": "-scored.expected_h",
}
# The warning score "loses" to a baseline whose ROC AUC is higher by more than this.
AUC_TOLERANCE = 0.005


class CustomerChurnBacktest(models.Model):
    """How well churn warnings would have predicted what really happened, side by side
    with simple baselines on the same customers.

    Everything is computed as of a past cutoff date from earlier data only: the churn
    probability model is trained for the backtest's own horizon at the cutoff minus that
    horizon (its labels end at the cutoff), BG/NBD and Gamma-Gamma are refitted on the data
    up to the cutoff. The outcome is whether the customer bought again within the horizon.
    Customers already churned at the cutoff are left out: nobody warns them.
    """

    _name = "customer.churn.backtest"
    _description = "Churn Warning Backtest"
    _order = "id desc"

    name = fields.Char(compute="_compute_name")
    company_id = fields.Many2one("res.company", required=True,
                                 default=lambda self: self.env.company)
    cutoff_date = fields.Date(
        required=True, default=lambda self: fields.Date.context_today(self) - timedelta(days=180)
    )
    horizon_days = fields.Integer(string="Horizon (days)", required=True, default=90)
    threshold = fields.Integer(
        string="Warn From Probability (%)",
        required=True,
        default=lambda self: self.env["customer.rfm.config"]._for_company(
            self.env.company).warning_min_score,
    )
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft",
                             readonly=True)
    customer_count = fields.Integer(string="Customers", readonly=True)
    churned_count = fields.Integer(string="Did Not Buy Again", readonly=True)
    warned_count = fields.Integer(string="Warned", readonly=True)
    true_positive_count = fields.Integer(string="Warned and Did Not Buy", readonly=True)
    base_rate = fields.Float(string="Churn Rate (%)", readonly=True, digits=(16, 1))
    precision = fields.Float(string="Precision (%)", readonly=True, digits=(16, 1))
    recall = fields.Float(string="Recall (%)", readonly=True, digits=(16, 1))
    roc_auc = fields.Float(string="ROC AUC", readonly=True, digits=(16, 3))
    model_used = fields.Char(string="Churn Model", readonly=True)
    decile_ids = fields.One2many("customer.churn.backtest.decile", "backtest_id",
                                 string="Lift by Decile", readonly=True)
    score_decile_ids = fields.One2many(
        "customer.churn.backtest.decile", "backtest_id", string="Calibration",
        domain=[("method", "=", "score")], readonly=True,
    )
    method_ids = fields.One2many("customer.churn.backtest.method", "backtest_id",
                                 string="Side by Side", readonly=True)
    verdict = fields.Text(readonly=True)
    score_wins = fields.Boolean(
        string="Score Ranks Best", readonly=True,
        help="The warning score's ROC AUC is at least that of every baseline (within 0.005).",
    )
    calibration_gap = fields.Float(
        string="Largest Calibration Gap (points)", readonly=True, digits=(16, 1),
        help="The largest difference, over the deciles of the warning score, between the "
        "predicted and the observed churn rate, in points of percentage.",
    )

    _horizon_positive = models.Constraint(
        "CHECK(horizon_days > 0)", "The horizon must be at least one day."
    )

    @api.depends("cutoff_date", "horizon_days")
    def _compute_name(self):
        for backtest in self:
            backtest.name = self.env._(
                "%(cutoff)s + %(days)s days", cutoff=backtest.cutoff_date,
                days=backtest.horizon_days,
            )

    @api.constrains("cutoff_date", "horizon_days")
    def _check_dates(self):
        today = fields.Date.context_today(self)
        for backtest in self:
            if backtest.cutoff_date + timedelta(days=backtest.horizon_days) > today:
                raise ValidationError(self.env._(
                    "The cutoff date plus the horizon must be in the past: what happened after "
                    "the cutoff has to be known."
                ))

    def action_run(self):
        check_group(self.env, OFFICER)
        self.check_access("write")
        for backtest in self:
            backtest._run()
        return True

    def _run(self):
        self.ensure_one()
        config = self.env["customer.rfm.config"]._for_company(self.company_id)
        pipeline = self.env["customer.rfm.pipeline"]
        cutoff, horizon = self.cutoff_date, self.horizon_days
        self.env["customer.rfm.run"]._lock_company(self.company_id)
        trained = self.env["customer.churn.model"]._train(config, cutoff, horizon)
        self.env.flush_all()
        count = pipeline._build_base(config, cutoff)
        if not count:
            raise UserError(self.env._(
                "Nobody had bought anything by %(cutoff)s: nothing to backtest.", cutoff=cutoff
            ))
        try:
            fitted = pipeline._fit_on_base()
            params = (fitted["bgnbd_r"], fitted["bgnbd_alpha"], fitted["bgnbd_a"],
                      fitted["bgnbd_b"])
            gamma = (fitted["gamma_gamma_p"], fitted["gamma_gamma_q"], fitted["gamma_gamma_v"])
        except UserError:
            params = gamma = None
        if trained["kind"] == "logistic":
            model_used = self.env._(
                "Logistic model trained on %(count)s customers as of %(date)s (their "
                "outcomes up to %(cutoff)s)",
                count=trained["customer_count"], date=trained["train_cutoff"], cutoff=cutoff,
            )
            if trained.get("note"):
                model_used = f"{model_used}. {trained['note']}"
        elif params:
            model_used = self.env._("BG/NBD probability of no purchase (%(note)s)",
                                    note=trained.get("note") or "")
        else:
            model_used = self.env._("Overdue heuristic: nobody had bought twice by the cutoff")
        pipeline._score(config, pipeline._fresh_bounds(config, count), params, gamma,
                        horizon=horizon)
        model = {"kind": "logistic", "horizon": horizon, "intercept": trained["intercept"],
                 "features": trained["coefficients"]} if trained["kind"] == "logistic" else {
                     "kind": trained["kind"], "horizon": horizon, "features": []}
        self.env["customer.churn.evaluation"]._score_churn(
            config, cutoff, model=model, horizon=horizon, with_signals=False,
        )
        methods = [code for code, _label in METHODS if params or code in ("score", "recency",
                                                                           "rfm")]
        rows = self.env.execute_query(SQL(
            """
            SELECT bought.partner_id IS NULL, %(risks)s
              FROM customer_rfm_scored scored
              JOIN customer_churn_scored churn ON churn.partner_id = scored.partner_id
              LEFT JOIN (%(buyers)s) bought ON bought.partner_id = scored.partner_id
             WHERE scored.lifecycle_stage <> 'churned'
             ORDER BY scored.partner_id
            """,
            risks=SQL(", ").join(SQL(METHOD_RISK[code]) for code in methods),
            buyers=config._buyers_between(cutoff, cutoff + timedelta(days=horizon)),
        ))
        if not rows:
            raise UserError(self.env._("Every customer had already churned at the cutoff."))
        columns = list(zip(*rows, strict=True))
        churned, risks = columns[0], dict(zip(methods, columns[1:], strict=True))
        probability = risks["score"]
        metrics = churn_metrics(probability, churned, self.threshold / 100.0,
                                predicted=probability)
        compared = {"score": metrics}
        for code in methods[1:]:
            compared[code] = churn_metrics(risks[code], churned,
                                           warned_count=metrics["warned"])
        labels = dict(self._method_labels())
        best = max(methods[1:], key=lambda code: compared[code]["roc_auc"])
        score_wins = compared["score"]["roc_auc"] + AUC_TOLERANCE >= compared[best]["roc_auc"]
        if score_wins:
            verdict = self.env._(
                "The warning score ranks customers at least as well as every baseline: ROC AUC "
                "%(score).3f, best baseline %(baseline)s %(auc).3f.",
                score=compared["score"]["roc_auc"], baseline=labels[best],
                auc=compared[best]["roc_auc"],
            )
        else:
            verdict = self.env._(
                "The warning score LOSES to %(baseline)s: ROC AUC %(score).3f against %(auc).3f. "
                "Act on %(baseline)s rather than on the warnings until the model does better.",
                score=compared["score"]["roc_auc"], baseline=labels[best],
                auc=compared[best]["roc_auc"],
            )
        gap = max(abs(row["predicted_rate"] - row["churn_rate"]) for row in metrics["deciles"])
        self.decile_ids.unlink()
        self.method_ids.unlink()
        self.write({
            "state": "done",
            "customer_count": metrics["customers"],
            "churned_count": metrics["churned"],
            "warned_count": metrics["warned"],
            "true_positive_count": metrics["true_positives"],
            "base_rate": 100 * metrics["base_rate"],
            "precision": 100 * metrics["precision"],
            "recall": 100 * metrics["recall"],
            "roc_auc": metrics["roc_auc"],
            "model_used": model_used,
            "verdict": verdict,
            "score_wins": score_wins,
            "calibration_gap": 100 * gap,
            "method_ids": [fields.Command.create({
                "method": code,
                "roc_auc": compared[code]["roc_auc"],
                "precision": 100 * compared[code]["precision"],
                "recall": 100 * compared[code]["recall"],
                "warned_count": compared[code]["warned"],
                "top_decile_rate": 100 * compared[code]["deciles"][0]["churn_rate"],
                "top_decile_lift": compared[code]["deciles"][0]["lift"],
            }) for code in methods],
            "decile_ids": [fields.Command.create({
                "method": code,
                "decile": row["decile"],
                "customer_count": row["customers"],
                "churned_count": row["churned"],
                "churn_rate": 100 * row["churn_rate"],
                "predicted_rate": 100 * row["predicted_rate"]
                if row["predicted_rate"] is not None else 0.0,
                "lift": row["lift"],
                "min_score": 100 * row["min_score"] if code == "score" else row["min_score"],
            }) for code in methods for row in compared[code]["deciles"]],
        })

    @api.model
    def _method_labels(self):
        return self.env["customer.churn.backtest.method"]._fields["method"] \
            ._description_selection(self.env)

    def action_export_xlsx(self):
        self.ensure_one()
        if self.state != "done":
            raise UserError(self.env._("Run the backtest before exporting it."))
        attachment = self.env["ir.attachment"].create({
            "name": f"churn-backtest-{self.cutoff_date}-{self.horizon_days}d.xlsx",
            "raw": self._xlsx_content(),
            "res_model": self._name,
            "res_id": self.id,
            "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        })
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    def _xlsx_content(self):
        self.ensure_one()
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        bold = workbook.add_format({"bold": True})
        summary = workbook.add_worksheet(self.env._("Summary"))
        summary.set_column(0, 0, 28)
        summary.set_column(1, 1, 60)
        rows = [
            (self.env._("Company"), self.company_id.name),
            (self.env._("Cutoff date"), str(self.cutoff_date)),
            (self.env._("Horizon (days)"), self.horizon_days),
            (self.env._("Warn from probability (%)"), self.threshold),
            (self.env._("Churn model"), self.model_used or ""),
            (self.env._("Verdict"), self.verdict or ""),
            (self.env._("Customers"), self.customer_count),
            (self.env._("Did not buy again"), self.churned_count),
            (self.env._("Warned"), self.warned_count),
            (self.env._("Warned and did not buy"), self.true_positive_count),
            (self.env._("Churn rate (%)"), round(self.base_rate, 2)),
            (self.env._("Precision (%)"), round(self.precision, 2)),
            (self.env._("Recall (%)"), round(self.recall, 2)),
            (self.env._("ROC AUC"), round(self.roc_auc, 4)),
            (self.env._("Largest calibration gap (points)"), round(self.calibration_gap, 2)),
        ]
        for index, (label, value) in enumerate(rows):
            summary.write(index, 0, label, bold)
            summary.write(index, 1, value)
        labels = dict(self._method_labels())
        side = workbook.add_worksheet(self.env._("Side by side"))
        side.set_column(0, 0, 36)
        headers = [
            self.env._("Method"), self.env._("ROC AUC"), self.env._("Warned"),
            self.env._("Precision (%)"), self.env._("Recall (%)"),
            self.env._("Churn rate of decile 1 (%)"), self.env._("Lift of decile 1"),
        ]
        side.write_row(0, 0, headers, bold)
        for index, line in enumerate(self.method_ids, start=1):
            side.write_row(index, 0, [labels.get(line.method, line.method),
                                      round(line.roc_auc, 4), line.warned_count,
                                      round(line.precision, 2), round(line.recall, 2),
                                      round(line.top_decile_rate, 2),
                                      round(line.top_decile_lift, 3)])
        deciles = workbook.add_worksheet(self.env._("Lift by decile"))
        deciles.set_column(0, 0, 36)
        headers = [
            self.env._("Method"), self.env._("Decile"), self.env._("Customers"),
            self.env._("Did not buy again"), self.env._("Churn rate (%)"), self.env._("Lift"),
            self.env._("Lowest score"),
        ]
        deciles.write_row(0, 0, headers, bold)
        for index, line in enumerate(self.decile_ids.sorted(lambda d: (d.method, d.decile)),
                                     start=1):
            deciles.write_row(index, 0, [labels.get(line.method, line.method), line.decile,
                                         line.customer_count, line.churned_count,
                                         round(line.churn_rate, 2), round(line.lift, 3),
                                         line.min_score])
        calibration = workbook.add_worksheet(self.env._("Calibration"))
        headers = [
            self.env._("Decile"), self.env._("Customers"), self.env._("Predicted churn (%)"),
            self.env._("Observed churn (%)"), self.env._("Difference (points)"),
        ]
        calibration.write_row(0, 0, headers, bold)
        for index, line in enumerate(self.score_decile_ids.sorted("decile"), start=1):
            calibration.write_row(index, 0, [
                line.decile, line.customer_count, round(line.predicted_rate, 2),
                round(line.churn_rate, 2), round(line.churn_rate - line.predicted_rate, 2),
            ])
        workbook.close()
        return output.getvalue()
