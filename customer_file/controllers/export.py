from odoo.addons.web.controllers.export import ExcelExport

from ..tools.xlsx import neutralize_formula


def _neutralize_groups(groups):
    for group in groups.children.values():
        _neutralize_groups(group)
    groups.data = [[neutralize_formula(value) for value in row] for row in groups.data]


class CustomerFileExcelExport(ExcelExport):
    """Odoo's XLSX export writes a text starting with ``=`` as a live formula; customer
    data imported from other systems may hold such text (the CSV export already prefixes
    it with a quote). Text starting with = + - @ gets the quote here as in the customer
    file's own exports (customer_file/tools/xlsx.py)."""

    def from_data(self, fields, columns_headers, rows):
        rows = [[neutralize_formula(value) for value in row] for row in rows]
        return super().from_data(fields, columns_headers, rows)

    def from_group_data(self, fields, columns_headers, groups):
        _neutralize_groups(groups)
        return super().from_group_data(fields, columns_headers, groups)
