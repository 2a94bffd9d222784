from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    customer_file_track_owned = fields.Boolean(
        string="Tracked as Owned Product",
        help="Confirmed sales of this product create an owned product in the customer file, "
        "one per unit, with its warranty.",
    )
    warranty_months = fields.Integer(default=12, help="Warranty of an owned product, in months.")
