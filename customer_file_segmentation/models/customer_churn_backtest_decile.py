from odoo import fields, models


class CustomerChurnBacktestDecile(models.Model):
    _name = "customer.churn.backtest.decile"
    _description = "Churn Backtest Decile"
    _order = "backtest_id, decile"

    backtest_id = fields.Many2one("customer.churn.backtest", required=True, index=True,
                                  ondelete="cascade")
    decile = fields.Integer(required=True, help="1 holds the tenth of customers with the "
                            "highest churn scores.")
    customer_count = fields.Integer(string="Customers")
    churned_count = fields.Integer(string="Did Not Buy Again")
    churn_rate = fields.Float(string="Churn Rate (%)", digits=(16, 1))
    lift = fields.Float(digits=(16, 2))
    min_score = fields.Float(string="Lowest Score", digits=(16, 0))
