from odoo import api, fields, models
from odoo.tools import SQL

from .customer_rfm_config import LIFECYCLE_STAGES

VALUE_TIERS = [("high", "High value"), ("medium", "Medium value"), ("low", "Low value")]


class CustomerRfmScore(models.Model):
    """The current scores of one customer in one company, written by scoring runs."""

    _name = "customer.rfm.score"
    _description = "Customer RFM Score"
    _inherit = ["customer.file.record"]
    _order = "weighted_score desc, id"
    _rec_name = "partner_id"
    # Written only by the runs, a million rows at a time: ``score_date`` says when they
    # changed, and the foreign keys of the creating and writing user were checked on every
    # inserted row.
    _log_access = False

    # The unique (partner, company) index serves both; fewer indexes keep the nightly
    # rewrite of a million rows cheap.
    partner_id = fields.Many2one(readonly=True, index=False)
    company_id = fields.Many2one(readonly=True, index=False)
    currency_id = fields.Many2one(related="company_id.currency_id")
    score_date = fields.Date(
        string="Changed On", readonly=True,
        help="The last run that changed these scores, stage or predictions.",
    )
    first_purchase_date = fields.Date(readonly=True)
    last_purchase_date = fields.Date(readonly=True)
    recency_days = fields.Integer(string="Recency (days)", compute="_compute_recency_days")
    frequency = fields.Integer(string="Frequency (orders)", readonly=True, aggregator="avg")
    monetary = fields.Monetary(readonly=True, currency_field="currency_id")
    r_score = fields.Integer(string="R", readonly=True, aggregator="avg")
    f_score = fields.Integer(string="F", readonly=True, aggregator="avg")
    m_score = fields.Integer(string="M", readonly=True, aggregator="avg")
    fm_score = fields.Integer(string="FM", readonly=True, aggregator="avg")
    rfm_code = fields.Char(string="RFM", readonly=True)
    # The scores and predictions below are double precision (no ``digits``: the views set
    # the decimals shown). Every run compares a million computed values with the stored
    # ones, and converting a float to numeric for that costs more than the whole comparison.
    weighted_score = fields.Float(readonly=True, aggregator="avg")
    segment_id = fields.Many2one("customer.rfm.segment", readonly=True, ondelete="set null")
    previous_segment_id = fields.Many2one("customer.rfm.segment", readonly=True,
                                          ondelete="set null")
    segment_changed_date = fields.Date(readonly=True)
    segment_movement = fields.Char(compute="_compute_segment_movement")
    value_tier = fields.Selection(VALUE_TIERS, readonly=True)
    previous_value_tier = fields.Selection(VALUE_TIERS, readonly=True)
    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES, readonly=True)
    previous_lifecycle_stage = fields.Selection(LIFECYCLE_STAGES, readonly=True)
    purchase_rhythm_days = fields.Float(
        string="Own Rhythm (days)", readonly=True, aggregator="avg",
        help="Average days between the customer's purchase days.",
    )
    probability_alive = fields.Float(
        readonly=True, aggregator="avg",
        help="BG/NBD probability that the customer is still buying; empty for one-time buyers, "
        "who are judged by rules.",
    )
    expected_purchases_90d = fields.Float(string="Expected Purchases (90 days)", readonly=True)
    # Estimates, not booked amounts: shown in the company's currency by the views.
    expected_order_value = fields.Float(readonly=True)
    clv_12m = fields.Float(string="CLV (12 months)", readonly=True)
    churn_score = fields.Integer(readonly=True, aggregator="avg")

    _partner_company_unique = models.UniqueIndex(
        "(partner_id, company_id)", "A customer has one current score per company."
    )

    @api.depends("last_purchase_date")
    def _compute_recency_days(self):
        today = fields.Date.context_today(self)
        for score in self:
            score.recency_days = (today - score.last_purchase_date).days \
                if score.last_purchase_date else 0

    def init(self):
        # Room on every page for the rewritten version of each row (HOT updates).
        self.env.cr.execute(SQL("ALTER TABLE customer_rfm_score SET (fillfactor = 50)"))

    @api.depends("segment_id", "previous_segment_id")
    def _compute_segment_movement(self):
        for score in self:
            previous, current = score.previous_segment_id, score.segment_id
            if previous and current and previous != current:
                score.segment_movement = f"{previous.name} → {current.name}"
            else:
                score.segment_movement = current.name or ""
