from odoo import fields, models

from .customer_import_mapping import (
    DATE_FORMAT_HELP,
    DATE_FORMATS,
    DELIMITERS,
    ENCODINGS,
    KINDS,
    TARGETS,
)


class CustomerImportTemplate(models.Model):
    """A saved way of reading a kind of file: encoding, delimiter, date format and which
    column fills which field (per company)."""

    _name = "customer.import.template"
    _description = "Customer Import Template"
    _order = "kind, name"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    kind = fields.Selection(
        KINDS,
        required=True, default="purchase",
    )
    encoding = fields.Selection(
        ENCODINGS,
        required=True, default="auto",
    )
    delimiter = fields.Selection(DELIMITERS, required=True, default=",")
    date_format = fields.Selection(
        DATE_FORMATS, required=True, default="iso", help=DATE_FORMAT_HELP,
    )
    mapping_ids = fields.One2many("customer.import.mapping", "template_id", string="Columns",
                                  copy=True)

    _name_unique = models.UniqueIndex(
        "(company_id, kind, name)", "A template of this name already exists for this kind."
    )

    def _mapping_values(self):
        """The template's mapping as {target: column}, for the kinds' targets only."""
        self.ensure_one()
        targets = {target for target, _label, _req in TARGETS[self.kind]}
        return {mapping.target: mapping.column for mapping in self.mapping_ids
                if mapping.target in targets and mapping.column}
