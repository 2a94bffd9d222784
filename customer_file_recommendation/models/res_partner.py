from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    customer_recommendation_ids = fields.One2many(
        "customer.recommendation", "partner_id", string="Recommendations",
        groups="customer_file.group_customer_file_user",
    )
