from odoo import fields, models


class CustomerChurnSignalType(models.Model):
    """A kind of evidence that a customer is drifting away, and how much it weighs."""

    _name = "customer.churn.signal.type"
    _description = "Churn Signal Type"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, readonly=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    points = fields.Integer(
        required=True,
        default=20,
        help="Points of the former rule-based score; the churn model now learns what each "
        "signal weighs.",
    )
    unit = fields.Selection(
        [("ratio", "× own rhythm"), ("probability", "probability"), ("percent", "%"),
         ("count", "count"), ("score", "score"), ("days", "days"), ("amount", "amount")],
        required=True,
        default="count",
    )
    description = fields.Text(translate=True)

    _code_unique = models.UniqueIndex("(code)", "A signal code is used once.")
    _points_range = models.Constraint(
        "CHECK(points BETWEEN 0 AND 100)", "Signal points are between 0 and 100."
    )
