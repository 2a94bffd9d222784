from odoo import api, fields, models

from ..tools.encryption import EncryptedHtml


class CustomerInteraction(models.Model):
    """One touch point with a customer: a call, a visit, a meeting, a message or a social
    media reaction. Together they form the customer's interaction timeline."""

    _name = "customer.interaction"
    _description = "Customer Interaction"
    _inherit = ["customer.file.record", "mail.thread"]
    _order = "date desc, id desc"
    _rec_name = "summary"

    partner_id = fields.Many2one(tracking=True)
    interaction_type = fields.Selection(
        [("call", "Call"), ("visit", "Visit"), ("meeting", "Meeting"), ("email", "Email"),
         ("chat", "Chat"), ("social_like", "Social Media: Like"),
         ("social_comment", "Social Media: Comment"), ("social_share", "Social Media: Share"),
         ("social_mention", "Social Media: Mention")],
        string="Type", required=True, default="call", tracking=True,
    )
    channel = fields.Selection(
        [("phone", "Phone"), ("store", "Store"), ("email", "Email"), ("wechat", "WeChat"),
         ("whatsapp", "WhatsApp"), ("weibo", "Weibo"), ("douyin", "Douyin"),
         ("website", "Website"), ("other", "Other")],
        default="phone",
    )
    direction = fields.Selection(
        [("inbound", "Inbound"), ("outbound", "Outbound")], required=True, default="outbound"
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    summary = fields.Char(required=True)
    # Encrypted at rest while a Privacy Officer has it marked sensitive.
    description = EncryptedHtml(optional=True)
    user_id = fields.Many2one(
        "res.users", string="Employee", default=lambda self: self.env.user, index=True
    )
    duration = fields.Float(help="In hours.")
    outcome = fields.Selection(
        [("positive", "Positive"), ("neutral", "Neutral"), ("negative", "Negative")]
    )
    is_social = fields.Boolean(compute="_compute_is_social", store=True)

    _duration_positive = models.Constraint(
        "CHECK(duration IS NULL OR duration >= 0)",
        "The duration of an interaction cannot be negative.",
    )

    @api.depends("interaction_type")
    def _compute_is_social(self):
        for interaction in self:
            interaction.is_social = (interaction.interaction_type or "").startswith("social_")
