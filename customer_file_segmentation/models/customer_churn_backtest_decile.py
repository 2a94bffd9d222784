from odoo import fields, models

from .customer_churn_backtest import METHODS


class CustomerChurnBacktestDecile(models.Model):
    _name = "customer.churn.backtest.decile"
    _description = "Churn Backtest Decile"
    _order = "backtest_id, method, decile"

    backtest_id = fields.Many2one("customer.churn.backtest", required=True, index=True,
                                  ondelete="cascade")
    method = fields.Selection(METHODS, required=True, default="score",
                              help="What ranked the customers into deciles.")
    decile = fields.Integer(required=True, help="1 holds the tenth of customers with the "
                            "highest churn risk by the method.")
    customer_count = fields.Integer(string="Customers")
    churned_count = fields.Integer(string="Did Not Buy Again")
    churn_rate = fields.Float(string="Observed Churn (%)", digits=(16, 1))
    predicted_rate = fields.Float(
        string="Predicted Churn (%)", digits=(16, 1),
        help="The mean churn probability of the decile's customers (warning score only): a "
        "calibrated score predicts the observed rate.",
    )
    lift = fields.Float(digits=(16, 2))
    min_score = fields.Float(string="Lowest Score", digits=(16, 2))
