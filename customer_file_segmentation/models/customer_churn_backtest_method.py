from odoo import fields, models

from .customer_churn_backtest import METHODS


class CustomerChurnBacktestMethod(models.Model):
    """One way of ranking customers by churn risk, measured on the backtest's customers."""

    _name = "customer.churn.backtest.method"
    _description = "Churn Backtest Method"
    _order = "backtest_id, roc_auc desc, id"

    backtest_id = fields.Many2one("customer.churn.backtest", required=True, index=True,
                                  ondelete="cascade")
    method = fields.Selection(METHODS, required=True)
    roc_auc = fields.Float(string="ROC AUC", digits=(16, 3))
    warned_count = fields.Integer(
        string="Warned", help="The warning score warns from the threshold; a baseline warns "
        "the same number of customers, those it ranks riskiest.",
    )
    precision = fields.Float(string="Precision (%)", digits=(16, 1))
    recall = fields.Float(string="Recall (%)", digits=(16, 1))
    top_decile_rate = fields.Float(string="Churn in Decile 1 (%)", digits=(16, 1))
    top_decile_lift = fields.Float(string="Lift of Decile 1", digits=(16, 2))
