from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

LIFECYCLE_STAGES = [
    ("prospect", "Prospect"),
    ("new", "New Customer"),
    ("active", "Active"),
    ("regular", "Regular"),
    ("at_risk", "At Risk"),
    ("dormant", "Dormant"),
    ("churned", "Churned"),
    ("won_back", "Won Back"),
]


class CustomerRfmConfig(models.Model):
    """How one company scores its customers: RFM, value tiers, lifecycle and churn."""

    _name = "customer.rfm.config"
    _description = "Customer Segmentation Settings"
    _inherit = ["customer.file.company.settings"]

    currency_id = fields.Many2one(related="company_id.currency_id")

    # What counts
    window_months = fields.Integer(
        string="Analysis Window (months)",
        default=24,
        required=True,
        help="Frequency and monetary value count the orders of this many months; recency "
        "always looks at the last purchase.",
    )
    include_sale = fields.Boolean(string="Sale Orders", default=True)
    include_pos = fields.Boolean(string="Point of Sale", default=True)
    include_import = fields.Boolean(string="Imported Purchases", default=True)
    net_refunds = fields.Boolean(
        default=True,
        help="Credit notes and returns reduce the monetary value; otherwise they are ignored.",
    )

    # RFM scoring
    scoring_method = fields.Selection(
        [("quintile", "Quintiles"), ("threshold", "Fixed thresholds")],
        default="quintile",
        required=True,
        help="Quintiles: the 20% best customers of the company score 5, and so on; customers "
        "with equal values always share a score. Fixed thresholds: the limits below.",
    )
    recency_days_5 = fields.Integer(string="R5: last purchase within (days)", default=30)
    recency_days_4 = fields.Integer(string="R4: within (days)", default=90)
    recency_days_3 = fields.Integer(string="R3: within (days)", default=180)
    recency_days_2 = fields.Integer(string="R2: within (days)", default=365)
    frequency_min_5 = fields.Integer(string="F5: at least (orders)", default=10)
    frequency_min_4 = fields.Integer(string="F4: at least (orders)", default=5)
    frequency_min_3 = fields.Integer(string="F3: at least (orders)", default=3)
    frequency_min_2 = fields.Integer(string="F2: at least (orders)", default=2)
    monetary_min_5 = fields.Monetary(string="M5: at least", default=10000)
    monetary_min_4 = fields.Monetary(string="M4: at least", default=5000)
    monetary_min_3 = fields.Monetary(string="M3: at least", default=2000)
    monetary_min_2 = fields.Monetary(string="M2: at least", default=500)
    last_full_run_id = fields.Many2one("customer.rfm.run", readonly=True)

    # Value tiers
    weight_recency = fields.Float(default=1.0)
    weight_frequency = fields.Float(default=1.0)
    weight_monetary = fields.Float(default=2.0)
    tier_high_min = fields.Float(
        string="High Value From", default=4.0,
        help="Weighted RFM score (1 to 5) from which a customer is of high value.",
    )
    tier_medium_min = fields.Float(string="Medium Value From", default=2.5)

    # Lifecycle
    new_days = fields.Integer(
        default=90, help="A customer whose first purchase is this recent is New."
    )
    regular_min_orders = fields.Integer(
        default=4, help="Orders within the analysis window from which a customer is Regular."
    )
    at_risk_ratio = fields.Float(
        string="At Risk From (× own rhythm)",
        default=1.5,
        help="A customer is At Risk when the days since the last purchase exceed this many "
        "times their own average days between purchases (one-time buyers: the company's "
        "median rhythm).",
    )
    dormant_days = fields.Integer(default=180)
    churned_days = fields.Integer(default=365)
    won_back_days = fields.Integer(
        default=90,
        help="A customer who returns after a dormant gap stays Won Back for this many days.",
    )

    # Churn warnings
    churn_horizon_days = fields.Integer(
        string="Churn Horizon (days)",
        default=90,
        required=True,
        help="The churn probability is that of no purchase within this many days. The model "
        "learns it from the company's own past: customers as they were this many days ago, "
        "and whether they bought since.",
    )
    warning_rule = fields.Selection(
        [("probability", "Probability threshold"),
         ("top_percent", "Top share of customers"),
         ("expected_value", "Expected value at risk")],
        string="Open Warnings For",
        default="probability",
        required=True,
        help="Probability threshold: customers whose churn probability reaches the threshold. "
        "Top share: the given percentage of customers with the highest probability. Expected "
        "value at risk: customers whose 12-month CLV times the churn probability reaches the "
        "amount.",
    )
    warning_min_score = fields.Integer(
        string="Warn From Probability (%)",
        default=60,
        help="With the probability threshold rule, a churn warning opens when the "
        "probability of no purchase within the horizon reaches this percentage.",
    )
    warning_top_percent = fields.Float(
        string="Warn Top (% of customers)",
        default=10.0,
        help="With the top share rule, this percentage of the customers evaluated, those with "
        "the highest churn probability, get a warning.",
    )
    warning_top_cutoff = fields.Float(
        readonly=True, digits=(16, 4),
        help="The probability from which the last run over every customer found the top "
        "share; runs over selected customers use it.",
    )
    warning_min_value = fields.Monetary(
        string="Warn From Value at Risk",
        default=100.0,
        help="With the expected value rule, a warning opens when the customer's 12-month CLV "
        "times the churn probability reaches this amount.",
    )
    churn_model_id = fields.Many2one(
        "customer.churn.model", string="Current Churn Model", readonly=True,
        help="The model trained last by the weekly job (or the Fit button).",
    )
    probability_alive_max = fields.Float(
        string="Low Probability Alive Below", default=0.3
    )
    drop_min_percent = fields.Float(
        string="Drop From (%)",
        default=50.0,
        help="Spend or order count of the last 90 days this much below the 90 days before.",
    )
    control_group_percent = fields.Float(
        string="Control Group (%)",
        default=10.0,
        help="Share of new warnings drawn at random into the control group, which gets no "
        "win-back action, to measure what the actions really achieve.",
    )
    activity_deadline_days = fields.Integer(default=3)

    # Churn model (fitted)
    bgnbd_r = fields.Float(string="BG/NBD r", readonly=True, digits=(16, 6))
    bgnbd_alpha = fields.Float(string="BG/NBD alpha", readonly=True, digits=(16, 6))
    bgnbd_a = fields.Float(string="BG/NBD a", readonly=True, digits=(16, 6))
    bgnbd_b = fields.Float(string="BG/NBD b", readonly=True, digits=(16, 6))
    gamma_gamma_p = fields.Float(string="Gamma-Gamma p", readonly=True, digits=(16, 6))
    gamma_gamma_q = fields.Float(string="Gamma-Gamma q", readonly=True, digits=(16, 6))
    gamma_gamma_v = fields.Float(string="Gamma-Gamma v", readonly=True, digits=(16, 6))
    model_fit_date = fields.Datetime(readonly=True)
    model_fit_customers = fields.Integer(string="Fitted On (customers)", readonly=True)

    _company_unique = models.UniqueIndex(
        "(company_id)", "Each company has one segmentation setting."
    )
    _window_positive = models.Constraint(
        "CHECK(window_months > 0)", "The analysis window must be at least one month."
    )
    _horizon_positive = models.Constraint(
        "CHECK(churn_horizon_days > 0)", "The churn horizon must be at least one day."
    )
    _warning_probability = models.Constraint(
        "CHECK(warning_min_score BETWEEN 0 AND 100)",
        "The warning threshold is a probability between 0% and 100%.",
    )
    _warning_top_share = models.Constraint(
        "CHECK(warning_top_percent > 0 AND warning_top_percent <= 100)",
        "The top share of customers to warn is between 0% and 100%.",
    )
    _control_share = models.Constraint(
        "CHECK(control_group_percent >= 0 AND control_group_percent < 100)",
        "The control group is a share between 0% and 100%.",
    )

    @api.constrains(
        "recency_days_5", "recency_days_4", "recency_days_3", "recency_days_2",
        "frequency_min_5", "frequency_min_4", "frequency_min_3", "frequency_min_2",
        "monetary_min_5", "monetary_min_4", "monetary_min_3", "monetary_min_2",
    )
    def _check_thresholds(self):
        for config in self:
            if not (0 <= config.recency_days_5 <= config.recency_days_4
                    <= config.recency_days_3 <= config.recency_days_2):
                raise ValidationError(self.env._(
                    "Recency limits must grow from R5 to R2 (for example 30, 90, 180, 365 days)."
                ))
            if not (config.frequency_min_5 >= config.frequency_min_4
                    >= config.frequency_min_3 >= config.frequency_min_2 >= 0):
                raise ValidationError(self.env._(
                    "Frequency limits must fall from F5 to F2 (for example 10, 5, 3, 2 orders)."
                ))
            if not (config.monetary_min_5 >= config.monetary_min_4
                    >= config.monetary_min_3 >= config.monetary_min_2):
                raise ValidationError(self.env._("Monetary limits must fall from M5 to M2."))

    @api.constrains("weight_recency", "weight_frequency", "weight_monetary",
                    "tier_high_min", "tier_medium_min")
    def _check_tiers(self):
        for config in self:
            weights = (config.weight_recency, config.weight_frequency, config.weight_monetary)
            if min(weights) < 0 or sum(weights) <= 0:
                raise ValidationError(self.env._(
                    "RFM weights cannot be negative and at least one must be positive."
                ))
            if not 1 <= config.tier_medium_min <= config.tier_high_min <= 5:
                raise ValidationError(self.env._(
                    "Tier limits are weighted scores with 1 ≤ medium ≤ high ≤ 5."
                ))

    @api.constrains("new_days", "dormant_days", "churned_days", "won_back_days",
                    "at_risk_ratio", "regular_min_orders")
    def _check_lifecycle(self):
        for config in self:
            if not 0 < config.dormant_days < config.churned_days:
                raise ValidationError(self.env._(
                    "A customer must be dormant before being churned: 0 < dormant days < "
                    "churned days."
                ))
            if min(config.new_days, config.won_back_days, config.regular_min_orders) <= 0 \
                    or config.at_risk_ratio <= 1:
                raise ValidationError(self.env._(
                    "New and won-back days and regular orders must be positive, and the at-risk "
                    "ratio above 1."
                ))

    def _sources(self):
        self.ensure_one()
        sources = []
        if self.include_sale:
            sources += ["sale", "sale_refund"]
        if self.include_pos:
            sources.append("pos")
        if self.include_import:
            sources.append("import")
        return sources

    def _buyers_between(self, start, end):
        """SELECT of the customers who bought (no refund, scored sources) after ``start`` up to
        ``end``: the outcome that training and backtests label as "did not churn"."""
        self.ensure_one()
        return SQL(
            """
            SELECT DISTINCT day.commercial_partner_id AS partner_id
              FROM customer_purchase_day day
             WHERE day.company_id = %(company)s AND day.source = ANY(%(sources)s)
               AND NOT day.is_refund AND day.date > %(start)s AND day.date <= %(end)s
            """,
            company=self.company_id.id, sources=self._sources(), start=start, end=end,
        )

    def _bgnbd_params(self):
        self.ensure_one()
        if not self.model_fit_date:
            return None
        return (self.bgnbd_r, self.bgnbd_alpha, self.bgnbd_a, self.bgnbd_b)

    def _gamma_gamma_params(self):
        self.ensure_one()
        if not self.model_fit_date or not self.gamma_gamma_q:
            return None
        return (self.gamma_gamma_p, self.gamma_gamma_q, self.gamma_gamma_v)

    def action_recompute_full(self):
        self.check_access("write")
        for config in self:
            self.env["customer.rfm.run"]._run_company(config.company_id, "full")
        return True

    def action_fit_churn_model(self):
        self.check_access("write")
        for config in self:
            self.env["customer.rfm.run"]._fit_churn_model(config)
            self.env["customer.churn.model"]._train_and_store(config)
        return True
