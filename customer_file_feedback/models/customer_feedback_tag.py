from odoo import fields, models


class CustomerFeedbackTag(models.Model):
    """A category of feedback (delivery, product quality, staff...), for the top categories."""

    _name = "customer.feedback.tag"
    _description = "Feedback Category"
    _order = "name"

    name = fields.Char(required=True, translate=True)
    color = fields.Integer()
    active = fields.Boolean(default=True)

    _name_unique = models.UniqueIndex("(name)", "A feedback category with this name exists.")
