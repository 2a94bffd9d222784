from odoo import fields, models

from .customer_rfm_score import VALUE_TIERS


class CustomerRfmSnapshot(models.Model):
    """A customer's scores as one run left them: segment sizes and moves over time."""

    _name = "customer.rfm.snapshot"
    _description = "Customer RFM Snapshot"
    _order = "snapshot_date desc, id desc"
    _rec_name = "partner_id"

    run_id = fields.Many2one("customer.rfm.run", required=True, index=True, ondelete="cascade")
    run_mode = fields.Selection(related="run_id.mode")
    company_id = fields.Many2one("res.company", required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True,
                                 ondelete="cascade")
    snapshot_date = fields.Date(required=True)
    r_score = fields.Integer(string="R", aggregator="avg")
    f_score = fields.Integer(string="F", aggregator="avg")
    m_score = fields.Integer(string="M", aggregator="avg")
    segment_id = fields.Many2one("customer.rfm.segment", ondelete="set null")
    value_tier = fields.Selection(VALUE_TIERS)
    monetary = fields.Monetary(currency_field="currency_id")
