from odoo import fields, models

from .customer_rfm_config import LIFECYCLE_STAGES
from .customer_rfm_score import VALUE_TIERS


class CustomerRfmSnapshot(models.Model):
    """How many customers each segment, tier and lifecycle stage held after one run.

    One row per run and (segment, tier, stage) combination rather than per customer: the
    history of segment sizes stays small at a million customers, and each customer's last
    move is on their score (previous segment, tier and stage).
    """

    _name = "customer.rfm.snapshot"
    _description = "Customer Segment Snapshot"
    _order = "snapshot_date desc, id desc"
    _rec_name = "segment_id"

    run_id = fields.Many2one("customer.rfm.run", required=True, index=True, ondelete="cascade")
    run_mode = fields.Selection(related="run_id.mode")
    company_id = fields.Many2one("res.company", required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    snapshot_date = fields.Date(required=True)
    segment_id = fields.Many2one("customer.rfm.segment", ondelete="set null")
    value_tier = fields.Selection(VALUE_TIERS)
    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES)
    customer_count = fields.Integer(string="Customers")
    monetary = fields.Monetary(string="Revenue in Window", currency_field="currency_id")
    clv_12m = fields.Monetary(string="CLV (12 months)", currency_field="currency_id")
