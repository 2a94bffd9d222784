"""Reading the files of the customer import (customer.import): CSV in UTF-8 (with or
without BOM) or GB18030, and XLSX, row by row without decoding the whole file at once.

Row numbers are the spreadsheet's: the header is row 1, the first data row row 2.
Every value comes out as text; nothing in a cell is evaluated (a formula of an XLSX cell
is read as its text, ``=HYPERLINK(...)``).
"""

import codecs
import csv
import datetime
import io
import zipfile

from odoo.exceptions import UserError

# Decoding is checked on chunks of this size (a whole file is never decoded at once).
CHUNK = 1 << 20
CODECS = {"utf-8": "utf-8-sig", "gb18030": "gb18030"}
ENCODING_LABELS = {"utf-8": "UTF-8", "gb18030": "GB18030"}
# A cell starting with one of these is a formula for a spreadsheet application.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value):
    """``value`` as a spreadsheet shows it as text: a leading quote before what would start
    a formula (``=HYPERLINK(...)``)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def is_xlsx(file_name, raw):
    return (file_name or "").lower().endswith((".xlsx", ".xlsm")) or raw[:2] == b"PK"


def _valid(raw, codec):
    """Whether ``raw`` decodes entirely with ``codec``, checked chunk by chunk."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    try:
        for start in range(0, len(raw), CHUNK):
            decoder.decode(raw[start:start + CHUNK], final=start + CHUNK >= len(raw))
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(env, raw, encoding):
    """The encoding to read a CSV file with: the one chosen, else UTF-8 if the whole file
    is valid UTF-8, else GB18030 if it is valid GB18030."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UserError(env._(
            "The file is in UTF-16, which the import does not read: save it as CSV UTF-8 "
            "(or GB18030) and upload it again."
        ))
    if encoding in CODECS:
        return encoding
    for candidate in ("utf-8", "gb18030"):
        if _valid(raw, CODECS[candidate]):
            return candidate
    raise UserError(env._(
        "The file is neither UTF-8 nor GB18030 text: save it as CSV UTF-8 from your "
        "spreadsheet (or export it as GB18030) and upload it again."
    ))


class _Rows:
    """Iterator of (row number, [text, ...]) over a file, header included."""

    def __init__(self, env, raw, file_name, encoding, delimiter):
        self.env = env
        self.xlsx = is_xlsx(file_name, raw)
        if self.xlsx:
            self.encoding = False
            self._iter = self._xlsx_rows(raw)
        else:
            self.encoding = detect_encoding(env, raw, encoding)
            self._iter = self._csv_rows(raw, delimiter or ",")

    def __iter__(self):
        return self._iter

    def _csv_rows(self, raw, delimiter):
        reader = csv.reader(self._lines(raw), delimiter=delimiter, strict=False)
        number = 0
        try:
            for number, row in enumerate(reader, start=1):
                yield number, row
        except csv.Error as error:
            raise UserError(self.env._(
                "Row %(row)s: the CSV file is malformed (%(error)s).",
                row=number + 1, error=str(error),
            )) from error

    def _lines(self, raw):
        """The file decoded (once: the size limit bounds it), read line by line."""
        try:
            text = raw.decode(CODECS[self.encoding])
        except UnicodeDecodeError as error:
            raise UserError(self.env._(
                "Row %(row)s: the file cannot be read as %(encoding)s from there on. "
                "Choose the file's encoding (UTF-8 or GB18030) in the import, or save it "
                "as CSV UTF-8, and upload it again.",
                row=raw.count(b"\n", 0, error.start) + 1,
                encoding=ENCODING_LABELS[self.encoding],
            )) from error
        if "\x00" in text:
            text = text.replace("\x00", "")
        return io.StringIO(text, newline="")

    def _xlsx_rows(self, raw):
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
            raise UserError(self.env._(
                "The file is not a valid XLSX workbook: save it again from your spreadsheet "
                "as .xlsx or as CSV UTF-8."
            )) from error
        try:
            sheet = workbook.worksheets[0]
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [_cell_text(value) for value in row]
        finally:
            workbook.close()


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def read_rows(env, raw, file_name, encoding, delimiter):
    """(header, rows, encoding read): ``rows`` iterates (row number, values) after the
    header; refuses an empty file."""
    if not raw or not raw.strip(b" \t\r\n\xef\xbb\xbf"):
        raise UserError(env._("The file is empty: upload a file with a header row and data."))
    rows = _Rows(env, raw, file_name, encoding, delimiter)
    iterator = iter(rows)
    for _number, header in iterator:
        header = [cell.strip().lstrip("\ufeff").strip() for cell in header]
        if any(header):
            return header, iterator, rows.encoding
    raise UserError(env._("The file is empty: upload a file with a header row and data."))


class Stream:
    """A file-like object reading the chunks of an iterator, for COPY ... FROM STDIN."""

    def __init__(self, chunks):
        self._chunks = chunks
        self._pending = ""
        self._position = 0
        # An error reading the file ends the COPY; the caller raises it afterwards (raised
        # within the COPY, it would come out as the database's "COPY failed").
        self.error = None

    def read(self, size=-1):  # pylint: disable=method-required-super
        if self._position >= len(self._pending):
            self._pending, self._position = "", 0
            while not self.error and not self._pending:
                try:
                    self._pending = next(self._chunks)
                except StopIteration:
                    break
                except (UserError, ValueError) as error:
                    self.error = error
        if size is None or size < 0:
            size = len(self._pending)
        chunk = self._pending[self._position:self._position + size]
        self._position += len(chunk)
        return chunk

    def readline(self, size=-1):
        return self.read(size)
