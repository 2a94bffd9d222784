from odoo import fields, models


class CustomerRecommendationConfig(models.Model):
    """How a company's products bought together and its recommendations are computed."""

    _name = "customer.recommendation.config"
    _description = "Recommendation Settings"
    _inherit = ["customer.file.company.settings"]

    window_months = fields.Integer(
        string="History Window (months)", required=True, default=24,
        help="Purchases of this many months before the computation count, for products "
        "bought together and for the products a recommendation starts from.",
    )
    related_per_product = fields.Integer(
        string="Related Products per Product", required=True, default=20,
        help="How many products bought together are kept for each product, the most "
        "likely first.",
    )
    min_support = fields.Integer(
        string="Minimum Customers per Pair", required=True, default=3,
        help="Two products are related only when at least this many customers bought both.",
    )
    max_products_per_customer = fields.Integer(
        string="Largest Basket Counted", required=True, default=200,
        help="Customers who bought more distinct products than this in the window (resellers, "
        "staff accounts) are left out of the pairs: they relate everything to everything "
        "and their pairs grow with the square of their products.",
    )
    recommendations_per_customer = fields.Integer(required=True, default=10)
    recent_days = fields.Integer(
        string="Not Bought Within (days)", required=True, default=90,
        help="A product the customer bought within this many days is not recommended.",
    )

    _window_positive = models.Constraint(
        "CHECK(window_months > 0)", "The history window must be at least one month."
    )
    _counts_positive = models.Constraint(
        "CHECK(related_per_product > 0 AND recommendations_per_customer > 0 "
        "AND min_support > 0 AND max_products_per_customer > 1 AND recent_days >= 0)",
        "Counts must be positive and the number of days zero or more.",
    )
