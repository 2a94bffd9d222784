from odoo import fields, models


class CustomerFeedbackRequest(models.Model):
    """A CSAT or NPS question sent to one customer by email, answered on a public page
    reached with its token."""

    _name = "customer.feedback.request"
    _description = "Satisfaction Survey Request"
    _inherit = ["customer.file.record"]
    _order = "create_date desc, id desc"
    _rec_name = "partner_id"

    survey_type = fields.Selection(
        [("csat", "CSAT"), ("nps", "NPS")], string="Question", required=True, default="csat"
    )
    trigger = fields.Selection(
        [("sale_order", "Sale Order"), ("service_record", "Service Record"),
         ("periodic", "Periodic NPS"), ("manual", "Manual")],
        required=True, default="manual",
    )
    sale_order_id = fields.Many2one("sale.order", index="btree_not_null", ondelete="set null")
    service_record_id = fields.Many2one(
        "customer.service.record", index="btree_not_null", ondelete="set null"
    )
    email = fields.Char(readonly=True, help="The opted-in address the request went to.")
    access_token = fields.Char(readonly=True, copy=False, groups="base.group_system")
    state = fields.Selection(
        [("sent", "Sent"), ("answered", "Answered"), ("expired", "Expired"),
         ("cancelled", "Cancelled")],
        required=True, default="sent", readonly=True, index=True,
    )
    sent_date = fields.Datetime(readonly=True, default=fields.Datetime.now)
    expiry_date = fields.Datetime(readonly=True)
    answered_date = fields.Datetime(readonly=True)
    feedback_id = fields.Many2one("customer.feedback", readonly=True, ondelete="set null")

    _token_unique = models.UniqueIndex(
        "(access_token) WHERE access_token IS NOT NULL", "Survey tokens are unique."
    )
