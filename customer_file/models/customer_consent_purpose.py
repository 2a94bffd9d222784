from odoo import fields, models


class CustomerConsentPurpose(models.Model):
    """What a customer's personal data may be used for: marketing, analytics, surveys,
    sharing with third parties, transfer abroad. Consent events are recorded per purpose and
    channel; code refers to a purpose from the code (``marketing``, ``surveys``...)."""

    _name = "customer.consent.purpose"
    _description = "Consent Purpose"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Used by the code that asks for this consent.")
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)

    _code_unique = models.UniqueIndex("(code)", "Each consent purpose has its own code.")
