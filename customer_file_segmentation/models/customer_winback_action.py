from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CustomerWinbackAction(models.Model):
    """Something done to win a drifting customer back, and how it went."""

    _name = "customer.winback.action"
    _description = "Win-back Action"
    _order = "date desc, id desc"

    warning_id = fields.Many2one("customer.churn.warning", required=True, index=True,
                                 ondelete="cascade")
    partner_id = fields.Many2one(related="warning_id.partner_id", store=True,
                                 string="Customer")
    commercial_partner_id = fields.Many2one(related="warning_id.commercial_partner_id",
                                            store=True, index=True)
    company_id = fields.Many2one(related="warning_id.company_id", store=True)
    kind = fields.Selection(
        [("call", "Call"), ("visit", "Visit"), ("offer", "Offer"), ("email", "Email")],
        required=True,
        default="call",
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    user_id = fields.Many2one("res.users", string="Done By", default=lambda self: self.env.user)
    outcome = fields.Selection(
        [("planned", "Planned"), ("no_answer", "No answer"), ("interested", "Interested"),
         ("not_interested", "Not interested"), ("offer_accepted", "Offer accepted")],
        required=True,
        default="planned",
    )
    note = fields.Text()

    @api.constrains("warning_id")
    def _check_not_control_group(self):
        for action in self:
            if action.warning_id.cohort == "control":
                raise ValidationError(self.env._(
                    "%(customer)s is in the control group: no win-back action, so the effect "
                    "of the actions on other customers can be measured.",
                    customer=action.warning_id.partner_id.display_name,
                ))

    @api.model_create_multi
    def create(self, vals_list):
        actions = super().create(vals_list)
        actions.warning_id.filtered(lambda w: w.state == "new").action_start()
        return actions
