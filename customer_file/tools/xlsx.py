"""The XLSX workbooks of the customer file's exports, written one way: a bold header row
that stays in view (frozen) with an autofilter, typed cells (numbers as numbers, dates as
dates, with their formats), rows streamed to disk (``constant_memory``) so that a hundred
thousand customers do not sit in memory, and text that a spreadsheet could run as a formula
written as text after a quote."""

import datetime
import io
from collections import defaultdict, namedtuple

import xlsxwriter

from odoo import fields
from odoo.tools import SQL

# A spreadsheet reads a typed value starting with one of these as a formula (@ is Excel's
# implicit intersection, + and - start arithmetic): data imported from other systems may hold
# such text, e.g. '=HYPERLINK("http://...")' as a customer's name.
FORMULA_PREFIXES = ("=", "+", "-", "@")

TEXT = "text"
INTEGER = "integer"
DECIMAL = "decimal"
MONEY = "money"
DATE = "date"
DATETIME = "datetime"
# A share from 0 to 1, shown as 12.5%.
PERCENT = "percent"
# A date standing for its month.
MONTH = "month"

NUMBER_FORMATS = {
    INTEGER: "#,##0",
    DECIMAL: "#,##0.00",
    MONEY: "#,##0.00",
    DATE: "yyyy-mm-dd",
    DATETIME: "yyyy-mm-dd hh:mm",
    PERCENT: "0.0%",
    MONTH: "yyyy-mm",
}
DEFAULT_WIDTHS = {
    TEXT: 24, INTEGER: 12, DECIMAL: 14, MONEY: 16, DATE: 12, DATETIME: 17, PERCENT: 10, MONTH: 10,
}
FIELD_KINDS = {
    "integer": INTEGER, "float": DECIMAL, "monetary": MONEY, "date": DATE,
    "datetime": DATETIME,
}
# Records read at once: Odoo computes non-stored fields for this many records in one go.
CHUNK_SIZE = 1000
# Field classes whose column holds the value as shown: read by SQL (not their subclasses,
# such as encrypted text, nor translated or company-dependent fields, stored as JSON).
PLAIN_COLUMNS = (
    fields.Char, fields.Text, fields.Selection, fields.Date, fields.Datetime, fields.Integer,
    fields.Float, fields.Monetary, fields.Boolean, fields.Many2one,
)
# Excel's limits: sheet names, characters in a cell.
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))
CELL_TEXT_MAX = 32767

Column = namedtuple("Column", ["label", "kind", "width"], defaults=[TEXT, None])


def neutralize_formula(value):
    """``value`` with a quote before it when it is text a spreadsheet would run as a
    formula (see ``FORMULA_PREFIXES``); any other value unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def field_column(model, fname, label=None, kind=None, width=None):
    """The column of field ``fname``: its label in the user's language, its kind from
    its type."""
    field = model._fields[fname]
    return Column(label or field._description_string(model.env),
                  kind or FIELD_KINDS.get(field.type, TEXT), width)


def readable_fields(model, fnames):
    """The fields of ``fnames`` the current user may read (``groups=`` of the fields)."""
    return [fname for fname in fnames if model._has_field_access(model._fields[fname], "read")]


class RowReader:
    """The cell values of fields of records, a chunk at a time, with the user's rights: a
    record the record rules hide, or a field outside the user's groups, raises AccessError.

    Stored fields whose column holds the value as shown (see ``PLAIN_COLUMNS``) are read in
    one SQL query per chunk, many-to-many fields in one per relation, and the records they
    point to are named once per export (as superuser, as ``read()`` names them); other
    fields (computed, translated...) through the ORM, on the chunk as superuser once the
    chunk's access is checked (Odoo would check the field's groups again on every value).
    Reading a hundred thousand customers value by value through the ORM takes longer than
    writing the whole workbook.

    ``getters`` ({fname: record -> value}) replace the reading of some fields.
    """

    def __init__(self, model, fnames, getters=None):
        self._model = model
        self._fnames = list(fnames)
        self._getters = dict(getters or {})
        self._names = {}
        self._columns, self._many2many, self._orm = [], [], []
        for fname in self._fnames:
            field = model._fields[fname]
            model._check_field_access(field, "read")
            if fname in self._getters:
                continue
            if (field.store and type(field) in PLAIN_COLUMNS
                    and not getattr(field, "translate", False)
                    and not field.company_dependent):
                self._columns.append(fname)
            elif field.store and type(field) is fields.Many2many:
                self._many2many.append(fname)
            else:
                self._orm.append(fname)
        self._labels = {
            fname: dict(model._fields[fname]._description_selection(model.env))
            for fname in self._fnames if model._fields[fname].type == "selection"
        }

    def chunks(self, records, size=CHUNK_SIZE):
        """``records`` in slices of ``size``, each checked and then given as superuser (to
        read with ``rows``), dropped from the cache once used."""
        for start in range(0, len(records), size):
            chunk = records.browse(records._ids[start:start + size])
            chunk.check_access("read")
            chunk.fetch(self._orm)
            yield chunk.sudo()
            chunk.invalidate_recordset()

    def rows(self, chunk):
        """The values of the fields, a list per record of ``chunk``, in its order."""
        env = self._model.env
        values = {}
        if self._columns:
            rows = env.execute_query(SQL(
                "SELECT %s FROM %s AS exported WHERE exported.id = ANY(%s)",
                SQL(", ").join(SQL.identifier("exported", fname)
                               for fname in ["id", *self._columns]),
                self._model._table_sql,
                chunk.ids,
            ))
            for index, fname in enumerate(self._columns, start=1):
                values[fname] = {row[0]: row[index] for row in rows}
        for fname in self._many2many:
            field = self._model._fields[fname]
            related = defaultdict(list)
            for record_id, target_id in env.execute_query(SQL(
                "SELECT %s, %s FROM %s WHERE %s = ANY(%s)",
                SQL.identifier(field.column1), SQL.identifier(field.column2),
                SQL.identifier(field.relation), SQL.identifier(field.column1), chunk.ids,
            )):
                related[record_id].append(target_id)
            values[fname] = related
        for fname in (*self._columns, *self._many2many):
            self._name_targets(fname, values[fname])
        return [[self._value(record, fname, values) for fname in self._fnames]
                for record in chunk]

    def _name_targets(self, fname, values):
        field = self._model._fields[fname]
        if not field.relational:
            return
        names = self._names.setdefault(field.comodel_name, {})
        ids = {target for value in values.values() if value
               for target in (value if isinstance(value, list) else [value])}
        for target in self._model.env[field.comodel_name].sudo().browse(ids - names.keys()):
            names[target.id] = target.display_name

    def _value(self, record, fname, values):
        if fname in self._getters:
            return self._getters[fname](record)
        field = self._model._fields[fname]
        if fname in values:
            value = values[fname].get(record.id)
        else:
            value = record[fname]
            if field.type == "many2one":
                return value.display_name
            if field.type in ("many2many", "one2many"):
                return ", ".join(value.mapped("display_name"))
        if value is None or value is False:
            return None
        if field.type == "many2one":
            return self._names[field.comodel_name].get(value)
        if field.type == "many2many":
            names = self._names[field.comodel_name]
            return ", ".join(sorted(names[target] for target in value))
        if field.type == "selection":
            return self._labels[fname].get(value, value)
        if field.type == "datetime":
            return fields.Datetime.context_timestamp(record, value).replace(tzinfo=None)
        if field.type in ("float", "monetary"):
            return float(value)
        return value


class XlsxWorkbook:
    """A workbook of tables, one per sheet, written row by row::

        book = XlsxWorkbook()
        sheet = book.add_sheet("Customers", [Column("Name"), Column("Orders", INTEGER)])
        sheet.write_row(["=1+1", 3])
        content = book.close()  # the .xlsx bytes
    """

    def __init__(self):
        self._output = io.BytesIO()
        # Rows go to a temporary file as soon as the next row starts; text is never turned
        # into a formula, a link or a number behind our back.
        self._workbook = xlsxwriter.Workbook(self._output, {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        })
        self._header_format = self._workbook.add_format({
            "bold": True, "bg_color": "#E9ECEF", "bottom": 1, "text_wrap": True,
            "valign": "top",
        })
        self._formats = {
            kind: self._workbook.add_format({"num_format": num_format})
            for kind, num_format in NUMBER_FORMATS.items()
        }
        self._sheets = []
        self._sheet_names = set()

    def add_sheet(self, name, columns, freeze_columns=1, autofilter=True):
        """A new sheet with its header row written; ``freeze_columns`` leftmost columns stay
        in view with the header when scrolling."""
        sheet = XlsxSheet(self, self._unique_sheet_name(name), columns, freeze_columns,
                          autofilter)
        self._sheets.append(sheet)
        return sheet

    def close(self):
        """The workbook's .xlsx content (no sheet can be written after)."""
        for sheet in self._sheets:
            sheet._finish()
        self._workbook.close()
        return self._output.getvalue()

    def _unique_sheet_name(self, name):
        name = name.translate(SHEET_NAME_FORBIDDEN)[:SHEET_NAME_MAX]
        unique, suffix = name, 1
        while unique.lower() in self._sheet_names:
            suffix += 1
            unique = f"{name[:SHEET_NAME_MAX - 4]} ({suffix})"
        self._sheet_names.add(unique.lower())
        return unique


class XlsxSheet:
    def __init__(self, book, name, columns, freeze_columns, autofilter):
        self._columns = [column if isinstance(column, Column) else Column(column)
                         for column in columns]
        self._worksheet = book._workbook.add_worksheet(name)
        self._formats = book._formats
        self._autofilter = autofilter
        self._row = 0
        for index, column in enumerate(self._columns):
            width = column.width or DEFAULT_WIDTHS[column.kind]
            self._worksheet.set_column(index, index, width, self._formats.get(column.kind))
        self._worksheet.set_row(0, None, book._header_format)
        for index, column in enumerate(self._columns):
            self._worksheet.write_string(0, index, column.label, book._header_format)
        self._worksheet.freeze_panes(1, freeze_columns)

    def write_row(self, values):
        """One row below the previous one: a value per column, written as the column's kind
        (``None``, ``False`` or ``""`` leaves the cell empty; a boolean is written as such)."""
        self._row += 1
        worksheet, row = self._worksheet, self._row
        for index, (column, value) in enumerate(zip(self._columns, values, strict=True)):
            if value is None or value is False or value == "":
                continue
            if isinstance(value, bool):
                worksheet.write_boolean(row, index, value)
            elif column.kind == TEXT:
                text = neutralize_formula(str(value).replace("\r", " "))
                worksheet.write_string(row, index, text[:CELL_TEXT_MAX])
            elif column.kind in (DATE, DATETIME, MONTH):
                if column.kind != DATETIME and isinstance(value, datetime.datetime):
                    value = value.date()
                worksheet.write_datetime(row, index, value, self._formats[column.kind])
            else:
                worksheet.write_number(row, index, value, self._formats[column.kind])

    def _finish(self):
        if self._autofilter and self._columns:
            self._worksheet.autofilter(0, 0, self._row, len(self._columns) - 1)
