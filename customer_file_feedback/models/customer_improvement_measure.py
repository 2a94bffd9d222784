from odoo import fields, models


class CustomerImprovementMeasure(models.Model):
    """What we change because of feedback, and whether the customers it concerned became
    more satisfied afterwards."""

    _name = "customer.improvement.measure"
    _description = "Improvement Measure"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "due_date, id desc"

    name = fields.Char(string="Measure", required=True, tracking=True)
    description = fields.Html()
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one(
        "res.users", string="Owner", default=lambda self: self.env.user, tracking=True
    )
    due_date = fields.Date(tracking=True)
    state = fields.Selection(
        [("planned", "Planned"), ("in_progress", "In Progress"), ("done", "Done"),
         ("cancelled", "Cancelled")],
        required=True, default="planned", tracking=True,
    )
    done_date = fields.Date(
        string="Implemented On", tracking=True,
        help="Satisfaction before and after is compared around this date.",
    )
    feedback_ids = fields.Many2many(
        "customer.feedback", "customer_feedback_improvement_measure_rel", "measure_id",
        "feedback_id",
    )
