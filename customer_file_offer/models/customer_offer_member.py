from odoo import api, fields, models

from odoo.addons.customer_file.tools.job_fields import check_job_fields

# Every field of a member is set by the campaign's launch and measurement.
JOB_FIELDS = frozenset({
    "campaign_id", "partner_id", "company_id", "cohort", "coupon_id", "redeemed_date",
    "spend", "order_count", "buyer", "redeemed_percent", "buyer_percent", "coupon_mail",
})


class CustomerOfferMember(models.Model):
    """A customer of an offer campaign's audience, treated or in the control group, with
    what the campaign measured: coupon use and purchases in the measurement window."""

    _name = "customer.offer.member"
    _description = "Offer Campaign Member"
    _inherit = ["customer.file.record"]
    _order = "campaign_id desc, id"
    _rec_name = "partner_id"

    campaign_id = fields.Many2one(
        "customer.offer.campaign", required=True, index=True, ondelete="cascade",
        readonly=True,
    )
    partner_id = fields.Many2one(readonly=True)
    company_id = fields.Many2one(readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    cohort = fields.Selection(
        [("treated", "Treated"), ("control", "Control group")], string="Group",
        required=True, readonly=True,
        help="Control-group customers get no offer: comparing their purchases with the "
        "treated customers' shows what the offer achieved.",
    )
    coupon_id = fields.Many2one("loyalty.card", readonly=True,
                                index="btree_not_null", ondelete="set null")
    coupon_mail = fields.Selection(
        [("pending", "Being Prepared"), ("queued", "Queued")], string="Coupon Email",
        readonly=True,
        help="Being prepared: a background job renders the program's coupon email after the "
        "launch. Queued: the email is in the outgoing mail queue. Empty: no email (control "
        "group, no current consent to marketing by email, blacklisted or no address, or the "
        "program sends no email when a coupon is created).",
    )
    redeemed_date = fields.Date(string="Coupon Used On", readonly=True)
    # 100 or 0 per member, as the win-back's won-back rate: their average over a group of
    # members, in the pivot and graph, is that group's rate.
    redeemed_percent = fields.Float(
        string="Coupons Used (%)", readonly=True, aggregator="avg",
        help="100 for a member who used the coupon, 0 otherwise.",
    )
    spend = fields.Monetary(
        string="Spend in Window", readonly=True, currency_field="currency_id",
        aggregator="avg", help="Purchases net of refunds in the measurement window; its "
        "average over a group is the spend per customer.",
    )
    order_count = fields.Integer(string="Orders in Window", readonly=True, aggregator="avg")
    buyer = fields.Boolean(readonly=True, help="Bought in the measurement window.")
    buyer_percent = fields.Float(
        string="Buyers (%)", readonly=True, aggregator="avg",
        help="100 for a member who bought in the measurement window, 0 otherwise.",
    )
    campaign_state = fields.Selection(related="campaign_id.state", string="Campaign Status")
    value_tier = fields.Selection(related="partner_id.value_tier")
    rfm_segment_id = fields.Many2one(related="partner_id.rfm_segment_id")
    lifecycle_stage = fields.Selection(related="partner_id.lifecycle_stage")

    _pending_coupon_mail = models.Index("(id) WHERE coupon_mail = 'pending'")
    _one_member_per_campaign = models.UniqueIndex(
        "(campaign_id, partner_id)", "A customer is a member of a campaign once."
    )

    @api.model_create_multi
    def create(self, vals_list):
        check_job_fields(self, vals_list, JOB_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_job_fields(self, [vals], JOB_FIELDS)
        return super().write(vals)
