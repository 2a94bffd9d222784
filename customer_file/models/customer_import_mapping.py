from odoo import api, fields, models

# How a file is read: the choices an import and a template share.
KINDS = [("customer", "Customers"), ("purchase", "Purchase History")]
ENCODINGS = [("auto", "Detect"), ("utf-8", "UTF-8"), ("gb18030", "GB18030")]
DELIMITERS = [(",", "Comma"), (";", "Semicolon"), ("\t", "Tab"), ("|", "Vertical Bar")]
DATE_FORMATS = [("iso", "YYYY-MM-DD"), ("dmy", "DD/MM/YYYY"), ("mdy", "MM/DD/YYYY")]
DATE_FORMAT_HELP = (
    "How dates are written in the file. A time after the date is the company's local time "
    "unless it has an offset (Z, +08:00)."
)

# What an import fills, by kind: (target, label, required).
TARGETS = {
    "customer": [
        ("external_ref", "External Reference", True),
        ("name", "Name", True),
        ("is_company", "Is a Company", False),
        ("vat", "Tax ID", False),
        ("email", "Email", False),
        ("phone", "Phone", False),
        ("street", "Street", False),
        ("city", "City", False),
        ("zip", "ZIP", False),
        ("country", "Country", False),
        ("tags", "Tags", False),
    ],
    "purchase": [
        ("external_ref", "External Reference", True),
        ("customer", "Customer", True),
        ("date", "Date", True),
        ("amount", "Amount", True),
        ("product", "Product", False),
        ("quantity", "Quantity", False),
        ("currency", "Currency", False),
        ("document", "Document", False),
        ("refund", "Refund", False),
    ],
}
TARGET_SELECTION = list({
    target: (target, label) for targets in TARGETS.values() for target, label, _req in targets
}.values())


class CustomerImportMapping(models.Model):
    """Which column of the file fills which field of the import, on a saved template or on
    one import."""

    _name = "customer.import.mapping"
    _description = "Customer Import Column Mapping"
    _order = "sequence, id"

    template_id = fields.Many2one("customer.import.template", ondelete="cascade", index=True)
    import_id = fields.Many2one("customer.import", ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    target = fields.Selection(TARGET_SELECTION, string="Field", required=True)
    column = fields.Char(string="Column in the File",
                         help="The header of the file's column, as written in its first row.")
    required = fields.Boolean(compute="_compute_required")

    @api.depends("target", "template_id.kind", "import_id.kind")
    def _compute_required(self):
        for mapping in self:
            kind = mapping.import_id.kind or mapping.template_id.kind
            mapping.required = any(
                target == mapping.target and required
                for target, _label, required in TARGETS.get(kind, [])
            )
