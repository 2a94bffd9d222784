from odoo import fields, models


class CustomerPreference(models.Model):
    _inherit = "customer.preference"

    is_dislike = fields.Boolean(
        string="Dislikes",
        help="The customer does not want this: products of a disliked category are never "
        "recommended to them.",
    )
