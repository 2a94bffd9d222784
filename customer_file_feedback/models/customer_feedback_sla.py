from odoo import fields, models

from .customer_feedback import PRIORITIES


class CustomerFeedbackSla(models.Model):
    """How fast a complaint of one priority is acknowledged and resolved, in working time."""

    _name = "customer.feedback.sla"
    _description = "Complaint Service Level"
    _order = "config_id, priority desc"

    config_id = fields.Many2one(
        "customer.feedback.config", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="config_id.company_id", store=True)
    priority = fields.Selection(PRIORITIES, required=True)
    acknowledge_hours = fields.Float(
        string="Acknowledge Within (working hours)", required=True, default=8
    )
    resolve_days = fields.Float(
        string="Resolve Within (working days)", required=True, default=5,
        help="Working days of the calendar's average day length, counted in working hours.",
    )

    _priority_unique = models.UniqueIndex(
        "(config_id, priority)", "Each priority has one service level."
    )
    _positive = models.Constraint(
        "CHECK(acknowledge_hours > 0 AND resolve_days > 0)",
        "Service levels are positive: hours to acknowledge and days to resolve.",
    )
