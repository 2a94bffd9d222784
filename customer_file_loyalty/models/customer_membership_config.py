from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

BASES = [
    ("spend", "Spend of the last 12 months"),
    ("points", "Loyalty points earned in the last 12 months"),
]
MONTHS = [(str(month), name) for month, name in enumerate(
    ["January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"], start=1)]


class CustomerMembershipConfig(models.Model):
    """How a company qualifies its customers for membership levels and reviews them."""

    _name = "customer.membership.config"
    _description = "Membership Settings"
    _inherit = ["customer.file.company.settings"]

    basis = fields.Selection(
        BASES, string="Qualification", required=True, default="spend",
        help="Spend: the customer's purchases of the last 12 months in this company, net of "
        "refunds (the purchase history). Points: the points the customer earned on the loyalty "
        "program below in the last 12 months, whatever they spent since: the balance of the "
        "card does not count.",
    )
    program_id = fields.Many2one(
        "loyalty.program", string="Loyalty Program", ondelete="restrict",
        domain="[('company_id', 'in', (company_id, False)), ('program_type', '=', 'loyalty')]",
        help="The program whose earned points qualify (points basis).",
    )
    review_month = fields.Selection(
        MONTHS, help="Review every customer on this date each year. Empty: each customer on "
        "the anniversary of their level.",
    )
    review_day = fields.Integer(default=1)
    grace_days = fields.Integer(
        default=30,
        help="After their review date, customers who no longer qualify keep their level this "
        "many days: if they qualify again within them, they keep it for another year.",
    )
    promotion_template_id = fields.Many2one(
        "mail.template", string="Promotion E-mail",
        domain="[('model', '=', 'customer.membership.level.history')]",
        default=lambda self: self.env.ref(
            "customer_file_loyalty.mail_template_membership_promotion", raise_if_not_found=False
        ),
        help="Sent to customers with an e-mail address when they reach a higher level. Empty: "
        "no e-mail.",
    )
    last_evaluation_date = fields.Datetime(readonly=True)

    _grace_positive = models.Constraint(
        "CHECK(grace_days >= 0)", "The grace period cannot be negative."
    )

    @api.constrains("basis", "program_id", "review_month", "review_day")
    def _check_settings(self):
        for config in self:
            if config.basis == "points" and not config.program_id:
                raise ValidationError(self.env._(
                    "Membership levels of %(company)s qualify on loyalty points: choose the "
                    "loyalty program whose points count.", company=config.company_id.name,
                ))
            if config.review_month:
                try:
                    fields.Date.today().replace(year=2001, month=int(config.review_month),
                                                day=config.review_day)
                except ValueError:
                    raise ValidationError(self.env._(
                        "The review date of %(company)s, day %(day)s of month %(month)s, does "
                        "not exist.", company=config.company_id.name, day=config.review_day,
                        month=config.review_month,
                    )) from None

    def _next_review_date(self, after):
        """The first review date strictly after ``after`` for a level reached that day."""
        self.ensure_one()
        if not self.review_month:
            return after + relativedelta(years=1)
        review = after.replace(month=int(self.review_month), day=self.review_day)
        return review if review > after else review + relativedelta(years=1)
