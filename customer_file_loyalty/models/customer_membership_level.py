from odoo import api, fields, models
from odoo.exceptions import ValidationError

COMPLAINT_PRIORITIES = [("0", "Low"), ("1", "Normal"), ("2", "High"), ("3", "Urgent")]


class CustomerMembershipLevel(models.Model):
    """A membership level of a company (Standard, Silver, Gold...).

    A customer qualifies for the highest level whose threshold their qualifying value (the
    company's basis, see ``customer.membership.config``) reaches. Levels are ranked by their
    sequence, and their thresholds must grow with it.
    """

    _name = "customer.membership.level"
    _description = "Membership Level"
    _order = "company_id, sequence, threshold, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10, help="The rank of the level: higher levels later.")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    threshold = fields.Float(
        required=True,
        help="The qualifying value (spend or points of the last 12 months, as the company's "
        "membership settings say) from which a customer holds this level.",
    )
    color = fields.Integer()
    pricelist_id = fields.Many2one(
        "product.pricelist", ondelete="set null",
        domain="[('company_id', 'in', (company_id, False))]",
        help="Set as the customer's pricelist in this company when they reach the level.",
    )
    points_multiplier = fields.Float(
        default=1.0,
        help="Loyalty points earned on orders by holders of this level are multiplied by it "
        "(loyalty programs of the company only, not gift cards or eWallets).",
    )
    complaint_priority = fields.Selection(
        COMPLAINT_PRIORITIES, default="1",
        help="The priority of new complaints of holders of this level (with Customer File: "
        "Feedback).",
    )
    benefits = fields.Html(translate=True, help="What the level brings, shown to the customer.")
    member_count = fields.Integer(compute="_compute_member_count", string="Members")

    _multiplier_positive = models.Constraint(
        "CHECK(points_multiplier > 0)", "The points multiplier of a level must be positive."
    )
    _threshold_positive = models.Constraint(
        "CHECK(threshold >= 0)", "The threshold of a level cannot be negative."
    )

    def _compute_member_count(self):
        counts = dict(self.env["customer.membership"].sudo()._read_group(
            [("level_id", "in", self.ids)], ["level_id"], ["__count"]
        ))
        for level in self:
            level.member_count = counts.get(level, 0)

    @api.constrains("threshold", "sequence", "company_id", "active")
    def _check_thresholds(self):
        """Within a company, thresholds must be distinct and strictly increase with the
        sequence: otherwise a customer would qualify for two levels, or a higher level would
        be easier to reach than a lower one."""
        for company in self.company_id:
            levels = self.with_context(active_test=True).search(
                [("company_id", "=", company.id)], order="sequence, id"
            )
            for lower, higher in zip(levels, levels[1:], strict=False):
                if lower.sequence == higher.sequence:
                    raise ValidationError(self.env._(
                        "The membership levels %(lower)s and %(higher)s of %(company)s have the "
                        "same sequence %(sequence)s: give each level its own rank.",
                        lower=lower.name, higher=higher.name, company=company.name,
                        sequence=lower.sequence,
                    ))
                if higher.threshold <= lower.threshold:
                    raise ValidationError(self.env._(
                        "The threshold of the membership level %(higher)s (%(higher_threshold)s) "
                        "must be higher than that of %(lower)s (%(lower_threshold)s), which "
                        "comes before it, in %(company)s.",
                        higher=higher.name, higher_threshold=higher.threshold,
                        lower=lower.name, lower_threshold=lower.threshold, company=company.name,
                    ))

    def _next_level(self):
        """The level above this one in its company, if any."""
        self.ensure_one()
        return self.search([("company_id", "=", self.company_id.id),
                            ("sequence", ">", self.sequence)], order="sequence, id", limit=1)
