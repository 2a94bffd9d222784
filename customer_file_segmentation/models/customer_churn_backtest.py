import io
from datetime import timedelta

import xlsxwriter

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..tools.metrics import churn_metrics


class CustomerChurnBacktest(models.Model):
    """How well churn warnings would have predicted what really happened.

    Warnings are computed as of a past cutoff date from earlier data only (the churn model
    is refitted on that data too); the outcome is whether the customer bought again within
    the horizon. Customers already churned at the cutoff are left out: nobody warns them.
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
        string="Warn From Score",
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
        self.check_access("write")
        for backtest in self:
            backtest._run()
        return True

    def _run(self):
        self.ensure_one()
        config = self.env["customer.rfm.config"]._for_company(self.company_id)
        Run = self.env["customer.rfm.run"]
        cutoff = self.cutoff_date
        self.env.flush_all()
        count = Run._build_base(config, cutoff)
        if not count:
            raise UserError(self.env._(
                "Nobody had bought anything by %(cutoff)s: nothing to backtest.", cutoff=cutoff
            ))
        try:
            fitted = Run._fit_on_base()
            params = (fitted["bgnbd_r"], fitted["bgnbd_alpha"], fitted["bgnbd_a"],
                      fitted["bgnbd_b"])
            gamma = (fitted["gamma_gamma_p"], fitted["gamma_gamma_q"], fitted["gamma_gamma_v"])
            model_used = self.env._("BG/NBD fitted on %(count)s customers",
                                    count=fitted["model_fit_customers"])
        except UserError:
            params = gamma = None
            model_used = self.env._("Rules only (no repeat buyers before the cutoff)")
        Run._score(config, Run._fresh_bounds(config, count), params, gamma)
        self.env["customer.churn.warning"]._score_churn(config, cutoff)
        rows = self.env.execute_query(SQL(
            """
            SELECT COALESCE(churn.score, 0),
                   NOT EXISTS (
                       SELECT 1 FROM customer_purchase_day day
                        WHERE day.commercial_partner_id = scored.partner_id
                          AND day.company_id = %(company)s
                          AND day.source = ANY(%(sources)s)
                          AND NOT day.is_refund
                          AND day.date > %(cutoff)s AND day.date <= %(end)s)
              FROM customer_rfm_scored scored
              LEFT JOIN customer_churn_scored churn ON churn.partner_id = scored.partner_id
             WHERE scored.lifecycle_stage <> 'churned'
            """,
            company=self.company_id.id,
            sources=config._sources(),
            cutoff=cutoff,
            end=cutoff + timedelta(days=self.horizon_days),
        ))
        if not rows:
            raise UserError(self.env._("Every customer had already churned at the cutoff."))
        scores, churned = zip(*rows, strict=True)
        metrics = churn_metrics(scores, churned, self.threshold)
        self.decile_ids.unlink()
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
            "decile_ids": [fields.Command.create({
                "decile": row["decile"],
                "customer_count": row["customers"],
                "churned_count": row["churned"],
                "churn_rate": 100 * row["churn_rate"],
                "lift": row["lift"],
                "min_score": row["min_score"],
            }) for row in metrics["deciles"]],
        })

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
        summary.set_column(1, 1, 40)
        rows = [
            (self.env._("Company"), self.company_id.name),
            (self.env._("Cutoff date"), str(self.cutoff_date)),
            (self.env._("Horizon (days)"), self.horizon_days),
            (self.env._("Warn from score"), self.threshold),
            (self.env._("Churn model"), self.model_used or ""),
            (self.env._("Customers"), self.customer_count),
            (self.env._("Did not buy again"), self.churned_count),
            (self.env._("Warned"), self.warned_count),
            (self.env._("Warned and did not buy"), self.true_positive_count),
            (self.env._("Churn rate (%)"), round(self.base_rate, 2)),
            (self.env._("Precision (%)"), round(self.precision, 2)),
            (self.env._("Recall (%)"), round(self.recall, 2)),
            (self.env._("ROC AUC"), round(self.roc_auc, 4)),
        ]
        for index, (label, value) in enumerate(rows):
            summary.write(index, 0, label, bold)
            summary.write(index, 1, value)
        deciles = workbook.add_worksheet(self.env._("Lift by decile"))
        headers = [
            self.env._("Decile"), self.env._("Customers"), self.env._("Did not buy again"),
            self.env._("Churn rate (%)"), self.env._("Lift"), self.env._("Lowest score"),
        ]
        for column, header in enumerate(headers):
            deciles.write(0, column, header, bold)
        for index, line in enumerate(self.decile_ids.sorted("decile"), start=1):
            deciles.write_row(index, 0, [line.decile, line.customer_count, line.churned_count,
                                         round(line.churn_rate, 2), round(line.lift, 3),
                                         line.min_score])
        workbook.close()
        return output.getvalue()

