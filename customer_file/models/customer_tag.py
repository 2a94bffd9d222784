from odoo import fields, models


class CustomerTag(models.Model):
    """A region or culture a customer belongs to, for classification and targeting."""

    _name = "customer.tag"
    _description = "Customer Region or Culture Tag"
    _order = "kind, name"

    name = fields.Char(required=True, translate=True)
    kind = fields.Selection(
        [("region", "Region"), ("culture", "Culture")], required=True, default="region"
    )
    color = fields.Integer()
    active = fields.Boolean(default=True)

    _name_kind_unique = models.UniqueIndex("(kind, name)", "This tag already exists.")
