from odoo import fields, models


class CustomerFaultCategory(models.Model):
    _name = "customer.fault.category"
    _description = "After-sales Fault Category"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
