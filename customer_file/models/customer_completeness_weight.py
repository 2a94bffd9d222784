from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Field types whose "filled" is a plain test in SQL (see res.partner._completeness_sql).
SUPPORTED_TYPES = ("char", "text", "html", "selection", "many2one", "date", "datetime",
                   "integer", "float", "monetary", "many2many", "one2many")


class CustomerCompletenessWeight(models.Model):
    """One field of the customer that counts towards their completeness, with its weight."""

    _name = "customer.completeness.weight"
    _description = "Customer Completeness Weight"
    _order = "config_id, weight desc, id"

    config_id = fields.Many2one(
        "customer.data.quality.config", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="config_id.company_id", store=True)
    field_id = fields.Many2one(
        "ir.model.fields", required=True, ondelete="cascade",
        domain=[("model", "=", "res.partner"), ("store", "=", True),
                ("ttype", "in", SUPPORTED_TYPES)],
    )
    weight = fields.Integer(required=True, default=5)

    _weight_positive = models.Constraint("CHECK(weight > 0)", "A weight is at least 1.")
    _field_unique = models.UniqueIndex(
        "(config_id, field_id)", "A field is weighed once per company."
    )

    @api.constrains("field_id")
    def _check_field(self):
        for line in self:
            field = line.field_id
            if (field.model != "res.partner" or not field.store
                    or field.ttype not in SUPPORTED_TYPES):
                raise ValidationError(self.env._(
                    "%(field)s cannot weigh in the completeness: choose a stored field of the "
                    "customer (text, choice, date, number or relation).",
                    field=field.field_description or field.name,
                ))

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._changed()
        return lines

    def write(self, vals):
        result = super().write(vals)
        self._changed()
        return result

    def unlink(self):
        configs = self.config_id
        result = super().unlink()
        if not self.env.context.get("customer_completeness_batch"):
            configs._weights_changed()
        return result

    def _changed(self):
        """Editing weights on their own (not through the settings' form, which recomputes
        once when saved) recomputes their company's customers."""
        if not self.env.context.get("customer_completeness_batch"):
            self.config_id._weights_changed()
