from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

DEFAULT_SERVICE_LEVELS = {
    # priority: (acknowledge within working hours, resolve within working days)
    "3": (2, 1),
    "2": (4, 2),
    "1": (8, 5),
    "0": (16, 10),
}


class CustomerFeedbackConfig(models.Model):
    """How one company handles feedback: complaint service levels and survey rules."""

    _name = "customer.feedback.config"
    _description = "Customer Feedback Settings"
    _inherit = ["customer.file.company.settings"]

    # Complaints
    resource_calendar_id = fields.Many2one(
        "resource.calendar", string="Working Hours",
        default=lambda self: self.env.company.resource_calendar_id,
        help="Service levels count working time of this calendar, its public holidays "
        "excluded. Without one, they count around the clock.",
    )
    sla_ids = fields.One2many("customer.feedback.sla", "config_id", string="Service Levels")
    escalation_user_id = fields.Many2one(
        "res.users", string="Escalate To",
        help="Gets overdue complaints whose sales team has no leader.",
    )

    # Surveys
    survey_after_sale = fields.Boolean(
        string="After Delivery or Invoice", default=True,
        help="Ask for a CSAT score when a sale order is fully delivered or invoiced.",
    )
    survey_after_service = fields.Boolean(
        string="After Service", default=True,
        help="Ask for a CSAT score when a service record is done.",
    )
    survey_periodic_nps = fields.Boolean(
        string="Periodic NPS", default=True,
        help="Ask active customers how likely they are to recommend us.",
    )
    nps_interval_days = fields.Integer(
        string="NPS Every (days)", default=180, required=True,
        help="Each active customer gets an NPS request at most this often. Requests are "
        "spread over the interval: each day asks the share of active customers that reaches "
        "them all once per interval, those asked longest ago first.",
    )
    nps_active_days = fields.Integer(
        string="Active = Bought Within (days)", default=365, required=True
    )
    survey_throttle_days = fields.Integer(
        string="At Most One Request Every (days)", default=30, required=True,
        help="A customer who got a survey request gets no other one for this many days.",
    )
    survey_expiry_days = fields.Integer(
        string="Requests Expire After (days)", default=14, required=True
    )
    survey_lookback_days = fields.Integer(
        string="Orders and Services of the Last (days)", default=30, required=True,
        help="Orders delivered or invoiced, and services done, longer ago get no request.",
    )

    @api.constrains("nps_interval_days", "nps_active_days", "survey_throttle_days",
                    "survey_expiry_days", "survey_lookback_days")
    def _check_days(self):
        for config in self:
            if min(config.nps_interval_days, config.nps_active_days, config.survey_throttle_days,
                   config.survey_expiry_days, config.survey_lookback_days) <= 0:
                raise ValidationError(self.env._(
                    "Survey intervals, expiry and look-back are positive numbers of days."
                ))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.setdefault("sla_ids", [
                fields.Command.create({
                    "priority": priority, "acknowledge_hours": hours, "resolve_days": days,
                })
                for priority, (hours, days) in DEFAULT_SERVICE_LEVELS.items()
            ])
        return super().create(vals_list)

    def _deadlines(self, priority, start):
        """(acknowledge, resolve) deadlines of a complaint of ``priority`` received at
        ``start`` (naive UTC), in working time of the calendar."""
        self.ensure_one()
        sla = self.sla_ids.filtered(lambda level: level.priority == priority)[:1]
        if not sla:
            return False, False
        calendar = self.resource_calendar_id
        resolve_hours = sla.resolve_days * (calendar.hours_per_day or 24)
        if not calendar:
            return (start + timedelta(hours=sla.acknowledge_hours),
                    start + timedelta(hours=resolve_hours))
        return (
            calendar.plan_hours(sla.acknowledge_hours, start, compute_leaves=True),
            calendar.plan_hours(resolve_hours, start, compute_leaves=True),
        )
