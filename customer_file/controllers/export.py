from odoo.addons.web.controllers.export import ExcelExport


def _neutralize(value):
    """A text cell that a spreadsheet would run as a formula (``=HYPERLINK(...)``, written
    by xlsxwriter as a formula otherwise) is written as text, after a quote."""
    if isinstance(value, str) and value.startswith("="):
        return "'" + value
    return value


def _neutralize_groups(groups):
    for group in groups.children.values():
        _neutralize_groups(group)
    groups.data = [[_neutralize(value) for value in row] for row in groups.data]


class CustomerFileExcelExport(ExcelExport):
    """Odoo's XLSX export writes a text starting with ``=`` as a live formula; customer
    data imported from other systems may hold such text (the CSV export already prefixes
    it with a quote)."""

    def from_data(self, fields, columns_headers, rows):
        rows = [[_neutralize(value) for value in row] for row in rows]
        return super().from_data(fields, columns_headers, rows)

    def from_group_data(self, fields, columns_headers, groups):
        _neutralize_groups(groups)
        return super().from_group_data(fields, columns_headers, groups)
