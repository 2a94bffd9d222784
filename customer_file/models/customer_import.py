import base64
import csv
import datetime
import io
import logging
import time

import psycopg2
import pytz
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tools import SQL, email_normalize

from ..tools.access import check_group
from .customer_import_mapping import (
    DATE_FORMAT_HELP,
    DATE_FORMATS,
    DELIMITERS,
    ENCODINGS,
    KINDS,
    TARGETS,
)
from .customer_import_reader import Stream, neutralize, read_rows

_logger = logging.getLogger(__name__)
OFFICER = "customer_file.group_customer_file_officer"
# The staging table: one row per data row of the file, one text column per field.
STAGING = "customer_import_row"
STAGING_COLUMNS = sorted({target for targets in TARGETS.values() for target, _l, _r in targets})
# ir.model.data module of the customers' external references (name: <company id>_<ref>).
XMLID_MODULE = "customer_file_import"
PREVIEW_ROWS = 20
# Imports up to this many rows run at once; bigger ones in the job, batch by batch.
RUN_NOW_ROWS = 2000
BATCH_SIZE = {"customer": 1000, "purchase": 200000}
DEFAULT_MAX_SIZE_MB = 100
TRUE_WORDS = ("1", "yes", "y", "true", "t", "x", "是")
FALSE_WORDS = ("0", "no", "n", "false", "f", "否")


class CustomerImport(models.Model):
    """An import of customers (with contact points and tags) or of purchase history from a
    CSV or XLSX file, and its progress.

    The form is the wizard: upload, choose a template or map the columns, preview the first
    rows with the problems of each, import. The file's rows are streamed into a staging
    table with PostgreSQL ``COPY``; the job (``_cron_run``) then processes them in batches
    of rows, committing after each and recording where it is, so an interrupted import
    resumes where it stopped. Each row is taken whole or refused whole; the refused rows
    and the reason make the error file.

    Purchases are written set-based (one statement per step for a whole batch): rows are
    checked in SQL, lines already imported (same external reference) are updated when they
    changed and left alone otherwise, new ones inserted, then the daily summary rows of the
    days touched are recomputed and the partners' aggregates follow, as the ledger's rules
    say (customer.purchase.line). Customers are matched by external reference, then tax
    ID, then normalized e-mail, then normalized phone, and written through the ORM a batch
    at a time (one create of the new customers, one of the contact points, one of the
    external references, in one savepoint); when a batch fails it is saved again one row
    per savepoint, so that only the row at fault is refused.
    """

    _name = "customer.import"
    _description = "Customer Import"
    _order = "id desc"

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, readonly=True,
        default=lambda self: self.env.company,
    )
    kind = fields.Selection(
        KINDS,
        required=True, default="purchase",
    )
    template_id = fields.Many2one(
        "customer.import.template",
        domain="[('kind', '=', kind), ('company_id', '=', company_id)]",
    )
    file = fields.Binary(attachment=True, copy=False)
    file_name = fields.Char()
    encoding = fields.Selection(
        ENCODINGS,
        required=True, default="auto",
        help="UTF-8 (with or without BOM) or GB18030 (Chinese exports). Detect tries UTF-8, "
        "then GB18030. XLSX files need none.",
    )
    encoding_read = fields.Char(string="Read As", readonly=True)
    delimiter = fields.Selection(DELIMITERS, required=True, default=",")
    date_format = fields.Selection(
        DATE_FORMATS, required=True, default="iso", help=DATE_FORMAT_HELP,
    )
    mapping_ids = fields.One2many("customer.import.mapping", "import_id", string="Columns")
    state = fields.Selection(
        [("draft", "Draft"), ("previewed", "Previewed"), ("running", "Importing"),
         ("done", "Done")],
        default="draft", required=True, readonly=True,
    )
    preview = fields.Html(readonly=True, sanitize_attributes=False)
    row_count = fields.Integer(string="Rows", readonly=True)
    next_row = fields.Integer(readonly=True, help="Rows from this one on are still to import.")
    last_row = fields.Integer(readonly=True)
    created_count = fields.Integer(string="Created", readonly=True)
    updated_count = fields.Integer(string="Updated", readonly=True)
    unchanged_count = fields.Integer(string="Unchanged", readonly=True)
    refused_count = fields.Integer(string="Refused", readonly=True)
    batch_count = fields.Integer(string="Batches", readonly=True)
    progress = fields.Float(compute="_compute_progress", help="Share of the rows processed.")
    date_started = fields.Datetime(string="Started", readonly=True)
    date_done = fields.Datetime(string="Finished", readonly=True)
    error_file = fields.Binary(readonly=True, attachment=True, copy=False)
    error_file_name = fields.Char(readonly=True)

    @api.depends("file_name", "kind")
    def _compute_name(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for job in self:
            job.name = job.file_name or labels.get(job.kind)

    @api.depends("state", "next_row", "last_row", "row_count")
    def _compute_progress(self):
        for job in self:
            if job.state == "done":
                job.progress = 100.0
            elif job.state == "running" and job.last_row:
                first = job.last_row - job.row_count
                span = max(job.last_row - first, 1)
                job.progress = max(0.0, min(100.0, 100.0 * (job.next_row - first - 1) / span))
            else:
                job.progress = 0.0

    @api.onchange("template_id")
    def _onchange_template_id(self):
        template = self.template_id
        if not template:
            return
        self.encoding = template.encoding
        self.delimiter = template.delimiter
        self.date_format = template.date_format
        self.mapping_ids = [(5, 0, 0)] + [
            (0, 0, {"target": target, "column": column, "sequence": index})
            for index, (target, column) in enumerate(template._mapping_values().items())
        ]

    @api.onchange("kind", "file")
    def _onchange_kind(self):
        if self.state == "draft" and not self.template_id:
            self.mapping_ids = [(5, 0, 0)]
            self.preview = False

    # Actions

    def action_preview(self):
        """Read the file, map its columns, and show the first rows with their problems;
        nothing is written (Officer)."""
        check_group(self.env, OFFICER)
        self.ensure_one()
        self._check_draft()
        header, rows, encoding = self._read()
        columns, problem = self._map_columns(header)
        if problem:
            # Keep the mapping so that the user can complete it, and say what is missing.
            self.write({"state": "draft", "preview": Markup(
                "<div class='alert alert-danger' role='alert'>%s</div>") % problem})
            return self._action_reopen()
        sample = []
        for number, values in rows:
            if any(value.strip() for value in values):
                sample.append((number, values))
            if len(sample) >= PREVIEW_ROWS:
                break
        if not sample:
            raise UserError(self.env._(
                "The file has a header row but no data rows: nothing to import."
            ))
        errors = self._check_sample(columns, sample)
        self.write({
            "state": "previewed",
            "encoding_read": encoding and encoding.upper(),
            "preview": self._preview_html(header, columns, sample, errors),
        })
        return self._action_reopen()

    def action_import(self):
        """Import the whole file: the rows are staged at once, then imported (now when
        the file is small, else by the job, batch by batch) (Officer)."""
        check_group(self.env, OFFICER)
        self.ensure_one()
        self._check_draft()
        header, rows, encoding = self._read()
        columns, problem = self._map_columns(header)
        if problem:
            raise UserError(problem)
        count, first, last = self._stage(columns, rows)
        if not count:
            raise UserError(self.env._(
                "The file has a header row but no data rows: nothing to import."
            ))
        self._mark_duplicates()
        self.write({
            "state": "running", "row_count": count, "next_row": first, "last_row": last,
            "encoding_read": encoding and encoding.upper(),
            "date_started": fields.Datetime.now(),
            "created_count": 0, "updated_count": 0, "unchanged_count": 0,
            "refused_count": 0, "batch_count": 0,
        })
        if count <= RUN_NOW_ROWS:
            self._run()
        else:
            cron = self.env.ref("customer_file.cron_customer_import", raise_if_not_found=False)
            if cron:
                cron.sudo()._trigger()
        return self._action_reopen()

    def action_save_template(self):
        """Save this import's settings and column mapping as a template (Officer)."""
        check_group(self.env, OFFICER)
        self.ensure_one()
        if not self.mapping_ids:
            raise UserError(self.env._("Preview the file first: the columns are not mapped yet."))
        values = {
            "encoding": self.encoding, "delimiter": self.delimiter,
            "date_format": self.date_format,
            "mapping_ids": [(5, 0, 0)] + [
                (0, 0, {"target": mapping.target, "column": mapping.column,
                        "sequence": mapping.sequence})
                for mapping in self.mapping_ids if mapping.column
            ],
        }
        if self.template_id:
            self.template_id.write(values)
        else:
            self.template_id = self.env["customer.import.template"].create({
                **values, "kind": self.kind, "company_id": self.company_id.id,
                "name": self.env._("%(kind)s from %(file)s", kind=self._kind_label(),
                                   file=self.file_name or "?"),
            })
        return self._action_reopen()

    def _action_reopen(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Import"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    def _kind_label(self):
        return dict(self._fields["kind"]._description_selection(self.env))[self.kind]

    # Reading the file

    def _check_draft(self):
        if self.state not in ("draft", "previewed"):
            raise UserError(self.env._(
                "This import has already run: start a new import to load the file again."
            ))

    @api.model
    def _max_size(self):
        value = self.env["ir.config_parameter"].sudo().get_param(
            "customer_file.import_max_size_mb", DEFAULT_MAX_SIZE_MB
        )
        return int(float(value) * 1024 * 1024)

    def _raw(self):
        attachment = self.env["ir.attachment"].sudo().search([
            ("res_model", "=", self._name), ("res_id", "=", self.id), ("res_field", "=", "file"),
        ], limit=1)
        return attachment.raw if attachment else base64.b64decode(self.file or b"")

    def _read(self):
        """(header, rows, encoding read) of the file, after checking its size."""
        if not self.file and not self.file_name:
            raise UserError(self.env._("Upload the file to import first."))
        raw = self._raw() if self.file else b""
        limit = self._max_size()
        if len(raw) > limit:
            raise UserError(self.env._(
                "The file is %(size)s MB; the import takes files up to %(limit)s MB. Split it "
                "in several files (each keeps its header row) and import them one after the "
                "other.",
                size=round(len(raw) / 1024 / 1024, 1), limit=round(limit / 1024 / 1024),
            ))
        return read_rows(self.env, raw, self.file_name, self.encoding, self.delimiter)

    @staticmethod
    def _key(text):
        return "".join(char for char in (text or "").lower() if char.isalnum())

    def _map_columns(self, header):
        """({target: index of its column in the file}, problem); fills the mapping from
        the template or by matching the headers with the fields' names the first time;
        ``problem`` says which required columns the file lacks."""
        labels = dict(self.env["customer.import.mapping"]._fields["target"]
                      ._description_selection(self.env))
        targets = TARGETS[self.kind]
        if not self.mapping_ids:
            by_key = {self._key(column): column for column in header if column}
            wanted = self.template_id._mapping_values() if self.template_id else {}
            lines = []
            for sequence, (target, label, _required) in enumerate(targets):
                column = wanted.get(target)
                if not column:
                    for candidate in (target, label, labels[target]):
                        column = by_key.get(self._key(candidate))
                        if column:
                            break
                lines.append((0, 0, {"target": target, "column": column or False,
                                     "sequence": sequence}))
            self.mapping_ids = lines
        mapped = {mapping.target: mapping.column for mapping in self.mapping_ids
                  if mapping.column}
        positions = {column: index for index, column in reversed(list(enumerate(header)))}
        columns, missing = {}, []
        for target, _label, required in targets:
            column = mapped.get(target)
            if column and column in positions:
                columns[target] = positions[column]
            elif column:
                missing.append(self.env._("%(field)s (column \"%(column)s\")",
                                          field=labels[target], column=column))
            elif required:
                missing.append(labels[target])
        problem = missing and self.env._(
            "Row 1: the file lacks required columns: %(missing)s. The header row has: "
            "%(header)s. Map the columns under Columns, or fix the file's header row.",
            missing=", ".join(missing), header=", ".join(column for column in header if column),
        )
        return columns, problem

    def _parse_date(self, text, tz):
        """The date of ``text`` in the import's date format, cut in the company's time zone
        when it carries an offset; None when it is not a date."""
        text = text.strip()
        try:
            if self.date_format == "iso":
                if len(text) == 10:
                    return datetime.date.fromisoformat(text)
                moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
            else:
                day_text, _sep, time_text = text.partition(" ")
                parts = day_text.replace(".", "/").replace("-", "/").split("/")
                if len(parts) != 3 or len(parts[2]) != 4:
                    return None
                first, second, year = (int(part) for part in parts)
                day, month = (first, second) if self.date_format == "dmy" else (second, first)
                moment = datetime.datetime(year, month, day)
                if time_text:
                    datetime.time.fromisoformat(time_text.strip())
        except ValueError:
            return None
        if moment.tzinfo:
            return moment.astimezone(tz).date()
        return moment.date()

    # Staging

    @api.model
    def _staging_table(self):
        """Create the staging table if needed (one text column per field of any kind)."""
        self.env.cr.execute(SQL(
            """
            CREATE TABLE IF NOT EXISTS %(table)s (
                import_id integer NOT NULL REFERENCES customer_import (id) ON DELETE CASCADE,
                row_no integer NOT NULL,
                d_date date,
                error varchar,
                error_value varchar,
                %(columns)s,
                PRIMARY KEY (import_id, row_no)
            )
            """,
            table=SQL.identifier(STAGING),
            columns=SQL(", ").join(SQL("%s varchar", SQL.identifier(f"c_{name}"))
                                   for name in STAGING_COLUMNS),
        ))

    def init(self):
        result = super().init()
        self._staging_table()
        return result

    def _stage(self, columns, rows):
        """Stream the rows into the staging table with COPY; (count, first, last row)."""
        self._staging_table()
        self.env.cr.execute(SQL("DELETE FROM %s WHERE import_id = %s",
                                SQL.identifier(STAGING), self.id))
        targets = list(columns)
        indexes = [columns[target] for target in targets]
        width = max(indexes) + 1
        tz = pytz.timezone(self.company_id._customer_file_tz())
        stats = {"count": 0, "first": 0, "last": 0}
        job_id = str(self.id)

        date_at = targets.index("date") if self.kind == "purchase" and "date" in columns else None
        dates = {}

        def lines():
            buffer = io.StringIO()
            write = csv.writer(buffer, lineterminator="\n").writerow
            for number, values in rows:
                if len(values) < width:
                    values = values + [""] * (width - len(values))
                cells = [values[index].strip() for index in indexes]
                if not any(cells):
                    continue
                parsed = ""
                if date_at is not None and cells[date_at]:
                    parsed = dates.get(cells[date_at])
                    if parsed is None:
                        parsed = dates[cells[date_at]] = str(
                            self._parse_date(cells[date_at], tz) or ""
                        )
                write((job_id, number, parsed, *cells))
                stats["count"] += 1
                stats["last"] = number
                stats["first"] = stats["first"] or number
                if buffer.tell() > 1 << 20:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()

        stream = Stream(lines())
        self.env.cr.copy_expert(
            SQL(
                "COPY %s (import_id, row_no, d_date, %s) FROM STDIN WITH (FORMAT csv)",
                SQL.identifier(STAGING),
                SQL(", ").join(SQL.identifier(f"c_{target}") for target in targets),
            ).code,
            stream,
            size=1 << 16,
        )
        if stream.error:
            raise stream.error
        # Fresh statistics, or the planner takes a million staged rows for one.
        self.env.cr.execute(SQL("ANALYZE %s", SQL.identifier(STAGING)))
        return stats["count"], stats["first"], stats["last"]

    def _mark_duplicates(self):
        """Refuse every row whose external reference another row of the file has too."""
        self.env.cr.execute(SQL(
            """
            WITH duplicate AS MATERIALIZED (
                SELECT c_external_ref, string_agg(row_no::text, ', ' ORDER BY row_no) AS rows
                  FROM %(table)s
                 WHERE import_id = %(job)s AND c_external_ref IS NOT NULL
                 GROUP BY c_external_ref HAVING COUNT(*) > 1
            )
            UPDATE %(table)s row
               SET error = 'duplicate_ref', error_value = duplicate.rows
              FROM duplicate
             WHERE row.import_id = %(job)s AND row.c_external_ref = duplicate.c_external_ref
            """,
            table=SQL.identifier(STAGING), job=self.id,
        ))

    def _check_sample(self, columns, sample):
        """{row number: message} of the preview's rows, with the import's own checks, in a
        savepoint that is rolled back: nothing is written."""
        errors = {}
        self.env.flush_all()
        savepoint = self.env.cr.savepoint(flush=False)
        try:
            self._stage(columns, iter(sample))
            self._mark_duplicates()
            if self.kind == "purchase":
                with self.env["customer.purchase.line"]._without_jit():
                    refused = self._purchase_batch(0, 2 ** 31 - 1, write=False)
                for row_no, code, value in refused:
                    errors[row_no] = self._message(code, value)
            else:
                for row, problem in self._customer_rows(0, 2 ** 31 - 1, write=False):
                    errors[row["row_no"]] = problem
        finally:
            savepoint.close(rollback=True)
        return errors

    def _preview_html(self, header, columns, sample, errors):
        labels = dict(self.env["customer.import.mapping"]._fields["target"]
                      ._description_selection(self.env))
        targets = list(columns)
        head = Markup("").join(
            Markup("<th>%s<br/><small class='text-muted'>%s</small></th>")
            % (labels[target], header[columns[target]]) for target in targets
        )
        body = []
        for number, values in sample:
            cells = Markup("").join(
                Markup("<td>%s</td>") % (values[columns[target]]
                                          if columns[target] < len(values) else "")
                for target in targets
            )
            problem = errors.get(number)
            body.append(
                Markup("<tr class='%s'><td>%s</td>%s<td>%s</td></tr>")
                % ("table-danger" if problem else "", number, cells,
                   problem or self.env._("OK"))
            )
        summary = self.env._(
            "%(bad)s of the first %(count)s rows would be refused; the others imported.",
            bad=len(errors), count=len(sample),
        )
        return (Markup("<p>%s</p><table class='table table-sm table-bordered'>"
                       "<thead><tr><th>%s</th>%s<th>%s</th></tr></thead><tbody>%s</tbody>"
                       "</table>")
                % (summary, self.env._("Row"), head, self.env._("Problem"),
                   Markup("").join(body)))

    # Running

    @api.model
    def _cron_run(self):
        """The job: runs the pending imports, committing after each batch."""
        self._run_pending(commit=True)

    @api.model
    def _run_pending(self, commit=False):
        for job in self.sudo().search([("state", "=", "running")], order="id"):
            if not job._run(commit=commit):
                return False
        return True

    def _run(self, commit=False, batch_size=None, max_batches=None):
        """Import the staged rows to the end, or until the job's time is up (``commit``) or
        ``max_batches`` batches are done; True when done."""
        self.ensure_one()
        batch_size = batch_size or BATCH_SIZE[self.kind]
        batches = 0
        while self.next_row <= self.last_row:
            if max_batches is not None and batches >= max_batches:
                return False
            batches += 1
            low, high = self.next_row, self.next_row + batch_size
            if self.kind == "purchase":
                with self.env["customer.purchase.line"]._without_jit():
                    created, updated, valid, refused = self._write_purchases(low, high)
            else:
                created, updated, valid, refused = self._write_customers(low, high)
            self.write({
                "next_row": high,
                "created_count": self.created_count + created,
                "updated_count": self.updated_count + updated,
                "unchanged_count": self.unchanged_count + valid - created - updated,
                "refused_count": self.refused_count + refused,
                "batch_count": self.batch_count + 1,
            })
            if commit and not self._commit(valid + refused):
                return False
        with self.env["customer.purchase.line"]._without_jit():
            self._finish()
        if commit:
            self._commit(0)
        return True

    def _commit(self, processed):
        return self.env["ir.cron"]._commit_progress(processed) > 0

    def _finish(self):
        """Write the error file, recompute the favourite categories of the buyers, drop
        the staged rows."""
        started = time.perf_counter()
        self._write_error_file()
        if self.kind == "purchase":
            buyers = [row[0] for row in self.env.execute_query(SQL(
                """
                WITH refs AS (
                    SELECT DISTINCT c_customer AS ref FROM %(table)s
                     WHERE import_id = %(job)s AND error IS NULL
                ), found AS (
                    SELECT xid.res_id AS id FROM refs
                      JOIN ir_model_data xid ON xid.module = %(module)s
                       AND xid.model = 'res.partner' AND xid.name = %(prefix)s || refs.ref
                     UNION
                    SELECT partner.id FROM refs
                      JOIN res_partner partner ON partner.customer_code = refs.ref
                )
                SELECT DISTINCT unnest(ARRAY[partner.id, partner.commercial_partner_id])
                  FROM found JOIN res_partner partner ON partner.id = found.id
                """,
                table=SQL.identifier(STAGING), job=self.id, module=XMLID_MODULE,
                prefix=f"{self.company_id.id}_",
            ))]
            self.env["res.partner"]._refresh_favourite_categories(buyers)
        self.env.cr.execute(SQL("DELETE FROM %s WHERE import_id = %s",
                                SQL.identifier(STAGING), self.id))
        self.write({"state": "done", "date_done": fields.Datetime.now()})
        _logger.info("Customer import %s: %s created, %s updated, %s unchanged, %s refused; "
                     "error file, favourite categories and clean-up in %.1f s",
                     self.id, self.created_count, self.updated_count, self.unchanged_count,
                     self.refused_count, time.perf_counter() - started)

    def _write_error_file(self):
        """The refused rows with the reason, as CSV (UTF-8 with BOM, for spreadsheets);
        cells that a spreadsheet would take for a formula are prefixed with a quote."""
        targets = [mapping.target for mapping in self.mapping_ids if mapping.column]
        rows = self.env.execute_query(SQL(
            "SELECT row_no, error, error_value, %s FROM %s"
            " WHERE import_id = %s AND error IS NOT NULL ORDER BY row_no",
            SQL(", ").join(SQL.identifier(f"c_{target}") for target in targets),
            SQL.identifier(STAGING), self.id,
        ))
        if not rows:
            self.write({"error_file": False, "error_file_name": False})
            return
        labels = dict(self.env["customer.import.mapping"]._fields["target"]
                      ._description_selection(self.env))
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([self.env._("Row"), self.env._("Reason"),
                         *(labels[target] for target in targets)])
        for row_no, code, value, *cells in rows:
            writer.writerow([row_no, neutralize(self._message(code, value)),
                             *(neutralize(cell or "") for cell in cells)])
        stem = (self.file_name or "import").rsplit(".", 1)[0]
        self.write({
            "error_file": base64.b64encode(("\ufeff" + buffer.getvalue()).encode()),
            "error_file_name": self.env._("%(name)s - refused rows.csv", name=stem),
        })

    def _message(self, code, value):
        """The reason a row is refused, for the user."""
        labels = dict(self.env["customer.import.mapping"]._fields["target"]
                      ._description_selection(self.env))
        formats = dict(self._fields["date_format"]._description_selection(self.env))
        messages = {
            "missing": lambda: self.env._("%(field)s is empty.", field=labels.get(value, value)),
            "duplicate_ref": lambda: self.env._(
                "The same external reference is on rows %(rows)s of the file: keep one row "
                "per reference.", rows=value),
            "bad_date": lambda: self.env._(
                "%(value)s is not a date in the format %(format)s.",
                value=value, format=formats[self.date_format]),
            "future_date": lambda: self.env._(
                "The date %(value)s is in the future.", value=value),
            "bad_amount": lambda: self.env._(
                "The amount %(value)s is not a number (write it like 1234.50).", value=value),
            "negative_amount": lambda: self.env._(
                "The amount %(value)s is negative: write a refund as a positive amount with "
                "Refund set to yes.", value=value),
            "bad_quantity": lambda: self.env._(
                "The quantity %(value)s is not a number.", value=value),
            "negative_quantity": lambda: self.env._(
                "The quantity %(value)s is negative: write a refund as a positive quantity "
                "with Refund set to yes.", value=value),
            "bad_refund": lambda: self.env._(
                "Refund %(value)s is neither yes nor no.", value=value),
            "unknown_customer": lambda: self.env._(
                "No customer has the reference %(value)s: import the customers first, or "
                "write their external reference or customer code.", value=value),
            "customer_archived": lambda: self.env._(
                "The customer %(value)s is archived: restore them first if they should "
                "get this row.", value=value),
            "unknown_product": lambda: self.env._(
                "No product has the internal reference or barcode %(value)s.", value=value),
            "unknown_currency": lambda: self.env._(
                "%(value)s is not a known currency code (write an ISO code such as CNY).",
                value=value),
            "no_rate": lambda: self.env._(
                "The currency %(value)s has no rate on or before the row's date: add its "
                "rates in Accounting or write the amount in the company's currency.",
                value=value),
        }
        return messages[code]() if code in messages else value

    # Purchase history

    def _purchase_batch(self, low, high, write=True):
        """Check and resolve the staged purchase rows ``low <= row_no < high`` into the
        temporary table customer_import_batch (one statement); without ``write`` return
        (row_no, code, value) of the refused ones."""
        company = self.company_id
        self.env.cr.execute(SQL("DROP TABLE IF EXISTS customer_import_batch"))
        self.env.cr.execute(SQL(
            r"""
            CREATE TEMP TABLE customer_import_batch AS
            WITH raw AS (
                SELECT row.row_no, row.error AS staged_error, row.error_value AS staged_value,
                       row.c_external_ref AS ref, row.c_customer AS customer,
                       row.c_date AS date_text, row.d_date AS date,
                       replace(row.c_amount, ' ', '') AS amount_text,
                       replace(row.c_quantity, ' ', '') AS quantity_text,
                       upper(row.c_currency) AS currency_code, row.c_product AS product_code,
                       row.c_document AS document, lower(row.c_refund) AS refund_text
                  FROM customer_import_row row
                 WHERE row.import_id = %(job)s AND row.row_no >= %(low)s
                   AND row.row_no < %(high)s
            ), products AS (
                SELECT DISTINCT ON (code) code, id, categ_id
                  FROM (SELECT product.default_code AS code, product.id, tmpl.categ_id
                          FROM product_product product
                          JOIN product_template tmpl ON tmpl.id = product.product_tmpl_id
                         WHERE product.default_code IN (SELECT product_code FROM raw)
                           AND product.active
                           AND (tmpl.company_id IS NULL OR tmpl.company_id = %(company)s)
                        UNION ALL
                        SELECT product.barcode, product.id, tmpl.categ_id
                          FROM product_product product
                          JOIN product_template tmpl ON tmpl.id = product.product_tmpl_id
                         WHERE product.barcode IN (SELECT product_code FROM raw)
                           AND product.active
                           AND (tmpl.company_id IS NULL OR tmpl.company_id = %(company)s)
                       ) found
                 ORDER BY code, id
            ), resolved AS (
                SELECT raw.*, partner.id AS partner_id,
                       partner.commercial_partner_id, partner.active AS partner_active,
                       product.id AS product_id, product.categ_id,
                       currency.id AS currency_id,
                       CASE WHEN amount_text ~ '^[+-]?[0-9]+(\.[0-9]+)?$'
                            THEN amount_text::numeric END AS amount_raw,
                       CASE WHEN quantity_text IS NULL THEN 1
                            WHEN quantity_text ~ '^[+-]?[0-9]+(\.[0-9]+)?$'
                            THEN quantity_text::numeric END AS quantity_raw,
                       CASE WHEN refund_text IS NULL OR refund_text = ANY(%(false)s) THEN FALSE
                            WHEN refund_text = ANY(%(true)s) THEN TRUE END AS is_refund
                  FROM raw
                  LEFT JOIN ir_model_data xid
                         ON xid.module = %(module)s AND xid.model = 'res.partner'
                        AND xid.name = %(prefix)s || raw.customer
                  LEFT JOIN LATERAL (
                        SELECT coded.id FROM res_partner coded
                         WHERE xid.id IS NULL AND coded.customer_code = raw.customer
                           AND (coded.company_id IS NULL OR coded.company_id = %(company)s)
                         ORDER BY coded.id LIMIT 1
                       ) coded ON TRUE
                  LEFT JOIN res_partner partner ON partner.id = COALESCE(xid.res_id, coded.id)
                  LEFT JOIN products product ON product.code = raw.product_code
                  LEFT JOIN res_currency currency ON currency.name = raw.currency_code
            ), rates AS (
                SELECT pair.currency_id, pair.date,
                       (SELECT rate FROM res_currency_rate
                         WHERE currency_id = pair.currency_id AND name <= pair.date
                           AND (company_id IS NULL OR company_id = %(company)s)
                         ORDER BY name DESC, company_id NULLS LAST LIMIT 1) AS rate,
                       (SELECT rate FROM res_currency_rate
                         WHERE currency_id = %(currency)s AND name <= pair.date
                           AND (company_id IS NULL OR company_id = %(company)s)
                         ORDER BY name DESC, company_id NULLS LAST LIMIT 1) AS company_rate
                  FROM (SELECT DISTINCT currency_id, date FROM resolved
                         WHERE currency_id <> %(currency)s AND date IS NOT NULL) pair
            ), checked AS (
            SELECT resolved.row_no, resolved.partner_id, resolved.commercial_partner_id,
                   resolved.date, resolved.product_id, resolved.categ_id, resolved.is_refund,
                   CASE WHEN resolved.is_refund THEN -1 ELSE 1 END * resolved.quantity_raw
                       AS quantity,
                   CASE WHEN resolved.is_refund THEN -1 ELSE 1 END
                       * ROUND(resolved.amount_raw * COALESCE(rates.company_rate, 1)
                               / COALESCE(NULLIF(rates.rate, 0), 1), %(digits)s) AS amount,
                   %(ref_prefix)s || resolved.ref AS line_ref,
                   %(ref_prefix)s || COALESCE(resolved.document, resolved.ref) AS document_ref,
                   COALESCE(resolved.document, resolved.ref) AS document_name,
                   CASE
                       WHEN staged_error IS NOT NULL THEN ARRAY[staged_error, staged_value]
                       WHEN ref IS NULL THEN ARRAY['missing', 'external_ref']
                       WHEN customer IS NULL THEN ARRAY['missing', 'customer']
                       WHEN date_text IS NULL THEN ARRAY['missing', 'date']
                       WHEN amount_text IS NULL THEN ARRAY['missing', 'amount']
                       WHEN resolved.date IS NULL THEN ARRAY['bad_date', date_text]
                       WHEN resolved.date > %(today)s THEN ARRAY['future_date', date_text]
                       WHEN amount_raw IS NULL THEN ARRAY['bad_amount', amount_text]
                       WHEN amount_raw < 0 THEN ARRAY['negative_amount', amount_text]
                       WHEN quantity_raw IS NULL THEN ARRAY['bad_quantity', quantity_text]
                       WHEN quantity_raw < 0 THEN ARRAY['negative_quantity', quantity_text]
                       WHEN resolved.is_refund IS NULL THEN ARRAY['bad_refund', refund_text]
                       WHEN resolved.partner_id IS NULL THEN ARRAY['unknown_customer', customer]
                       WHEN NOT partner_active THEN ARRAY['customer_archived', customer]
                       WHEN product_code IS NOT NULL AND product_id IS NULL
                           THEN ARRAY['unknown_product', product_code]
                       WHEN currency_code IS NOT NULL AND resolved.currency_id IS NULL
                           THEN ARRAY['unknown_currency', currency_code]
                       WHEN resolved.currency_id <> %(currency)s AND rates.rate IS NULL
                           THEN ARRAY['no_rate', currency_code]
                   END AS error
              FROM resolved
              LEFT JOIN rates ON rates.currency_id = resolved.currency_id
                             AND rates.date = resolved.date
            )
            -- The line each row imported before, read here, in a statement that does not
            -- write the ledger: an anti-join in the INSERT itself could scan the rows it
            -- adds (invisible but read) for each row it inserts.
            SELECT checked.*, line.id AS line_id,
                   line.commercial_partner_id AS old_commercial_partner_id,
                   line.partner_id AS old_partner_id, line.date AS old_date,
                   line.id IS NOT NULL
                   AND (line.partner_id, line.date, line.product_id, line.quantity,
                        line.amount, line.is_refund, line.document_ref, line.document_name)
                       IS DISTINCT FROM
                       (checked.partner_id, checked.date, checked.product_id,
                        checked.quantity, checked.amount, checked.is_refund,
                        checked.document_ref, checked.document_name) AS changed
              FROM checked
              -- One look-up by the ledger's unique index per row: a join let PostgreSQL
              -- hash the whole ledger (10 million lines: 20 s a batch).
              LEFT JOIN LATERAL (
                    SELECT line.id, line.commercial_partner_id, line.partner_id, line.date,
                           line.product_id, line.quantity, line.amount, line.is_refund,
                           line.document_ref, line.document_name
                      FROM customer_purchase_line line
                     WHERE line.source = 'import' AND line.external_ref = checked.line_ref
                     LIMIT 1
                   ) line ON TRUE
            """,
            job=self.id, low=low, high=high, company=company.id,
            currency=company.currency_id.id, digits=company.currency_id.decimal_places,
            module=XMLID_MODULE, prefix=f"{company.id}_", ref_prefix=f"file:{company.id}:",
            today=company._customer_file_today(),
            true=list(TRUE_WORDS), false=list(FALSE_WORDS),
        ))
        self.env.cr.execute(SQL("ANALYZE customer_import_batch"))
        if not write:
            return self.env.execute_query(SQL(
                "SELECT row_no, error[1], error[2] FROM customer_import_batch"
                " WHERE error IS NOT NULL ORDER BY row_no"
            ))
        return None

    def _write_purchases(self, low, high):
        """Import the staged purchase rows ``low <= row_no < high``: (created, updated,
        valid, refused)."""
        self.env.flush_all()
        timings = [time.perf_counter()]
        self._purchase_batch(low, high)
        timings.append(time.perf_counter())
        cr = self.env.cr
        cr.execute(SQL(
            """
            UPDATE %s row SET error = batch.error[1], error_value = batch.error[2]
              FROM customer_import_batch batch
             WHERE row.import_id = %s AND row.row_no = batch.row_no
               AND batch.error IS NOT NULL AND row.error IS NULL
            """,
            SQL.identifier(STAGING), self.id,
        ))
        valid, refused = self.env.execute_query(SQL(
            "SELECT COUNT(*) FILTER (WHERE error IS NULL), COUNT(*) FILTER (WHERE error IS NOT"
            " NULL) FROM customer_import_batch"
        ))[0]
        cr.execute(SQL(
            "DROP TABLE IF EXISTS customer_import_days;"
            " CREATE TEMP TABLE customer_import_days (commercial_partner_id integer,"
            " partner_id integer, company_id integer, date date)"
        ))
        now = SQL("NOW() AT TIME ZONE 'UTC'")
        updated = self.env.execute_query(SQL(
            """
            WITH changed AS (
                SELECT * FROM customer_import_batch WHERE error IS NULL AND changed
            ), updated AS (
                UPDATE customer_purchase_line line
                   SET partner_id = changed.partner_id,
                       commercial_partner_id = changed.commercial_partner_id,
                       date = changed.date, product_id = changed.product_id,
                       product_categ_id = changed.categ_id, quantity = changed.quantity,
                       amount = changed.amount, is_refund = changed.is_refund,
                       document_ref = changed.document_ref,
                       document_name = changed.document_name,
                       write_uid = %(uid)s, write_date = %(now)s
                  FROM changed
                 WHERE line.id = changed.line_id
             RETURNING changed.old_commercial_partner_id, changed.old_partner_id,
                       changed.old_date, line.commercial_partner_id, line.partner_id,
                       line.date, line.company_id
            ), days AS (
                INSERT INTO customer_import_days
                SELECT old_commercial_partner_id, old_partner_id, company_id, old_date
                  FROM updated
                 UNION
                SELECT commercial_partner_id, partner_id, company_id, date FROM updated
            )
            SELECT COUNT(*) FROM updated
            """,
            uid=self.env.uid, now=now,
        ))[0][0]
        timings.append(time.perf_counter())
        created = self.env.execute_query(SQL(
            """
            WITH added AS (
                INSERT INTO customer_purchase_line (%(columns)s)
                SELECT batch.partner_id, batch.commercial_partner_id, %(company)s, batch.date,
                       'import', batch.line_ref, batch.document_ref, batch.document_name,
                       NULL, NULL, batch.product_id, batch.categ_id, batch.quantity,
                       batch.amount, batch.is_refund, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM customer_import_batch batch
                 WHERE batch.error IS NULL AND batch.line_id IS NULL
                ON CONFLICT (source, external_ref) DO NOTHING
             RETURNING commercial_partner_id, partner_id, company_id, date
            ), days AS (
                INSERT INTO customer_import_days SELECT DISTINCT * FROM added
            )
            SELECT COUNT(*) FROM added
            """,
            columns=self.env["customer.purchase.line"]._sql_insert_columns(),
            company=self.company_id.id, uid=self.env.uid, now=now,
        ))[0][0]
        if created + updated > 10000:
            # The next batches and the summary join the ledger: keep its statistics current.
            cr.execute(SQL("ANALYZE customer_purchase_line"))
        cr.execute(SQL("ANALYZE customer_import_days"))
        timings.append(time.perf_counter())
        self._recompute_import_days(timings)
        _logger.info(
            "Customer import %s, rows %s-%s: checked in %.1f s, %s updated in %.1f s, %s "
            "created in %.1f s, daily summary in %.1f s, customers' totals and codes in %.1f s",
            self.id, low, high - 1, timings[1] - timings[0], updated, timings[2] - timings[1],
            created, timings[3] - timings[2], timings[4] - timings[3], timings[5] - timings[4],
        )
        return created, updated, valid, refused

    def _recompute_import_days(self, timings):
        """Recompute the daily summary rows of the days in customer_import_days from
        their lines (exact whatever the batches an order's lines came in), then the
        partners' aggregates."""
        Day = self.env["customer.purchase.day"]
        self.env["customer.purchase.line"].invalidate_model()
        days = SQL("SELECT DISTINCT * FROM customer_import_days")
        # The rows of each day by the summary's index on customer, company and day: a
        # join let PostgreSQL scan the whole summary (millions of rows) for each batch.
        self.env.cr.execute(SQL(
            """
            DELETE FROM customer_purchase_day
             WHERE id IN (SELECT summary.id
                            FROM (%s) day
                           CROSS JOIN LATERAL (
                                 SELECT summary.id FROM customer_purchase_day summary
                                  WHERE summary.commercial_partner_id = day.commercial_partner_id
                                    AND summary.company_id = day.company_id
                                    AND summary.date = day.date
                                    AND summary.partner_id = day.partner_id
                                 OFFSET 0) summary)
            """,
            days,
        ))
        Day._insert_from_lines(SQL(
            """
            JOIN (%s) day ON day.commercial_partner_id = line.commercial_partner_id
                         AND day.date = line.date
                         AND day.partner_id = line.partner_id
                         AND day.company_id = line.company_id
            """,
            days,
        ))
        timings.append(time.perf_counter())
        partner_ids = [row[0] for row in self.env.execute_query(SQL(
            "SELECT DISTINCT unnest(ARRAY[commercial_partner_id, partner_id])"
            " FROM customer_import_days"
        ))]
        self.env["res.partner"]._refresh_purchase_aggregates(partner_ids)
        timings.append(time.perf_counter())

    # Customers

    def _customer_rows(self, low, high, write=True):
        """Check the staged customer rows ``low <= row_no < high``: [(row, problem)] where
        ``row`` is {target: value, "row_no", "partner", "vals"...} and ``problem`` the
        message refusing it or None."""
        targets = [target for target, _label, _req in TARGETS["customer"]]
        records = self.env.execute_query(SQL(
            "SELECT row_no, error, error_value, %s FROM %s"
            " WHERE import_id = %s AND row_no >= %s AND row_no < %s ORDER BY row_no",
            SQL(", ").join(SQL.identifier(f"c_{target}") for target in targets),
            SQL.identifier(STAGING), self.id, low, high,
        ))
        rows = [{"row_no": row_no, "error": error, "error_value": value,
                 **dict(zip(targets, cells, strict=True))}
                for row_no, error, value, *cells in records]
        if not rows:
            return []
        company = self.company_id
        Partner = self.env["res.partner"].with_context(active_test=False)
        refs = {row["external_ref"] for row in rows if row["external_ref"]}
        prefix = f"{company.id}_"
        by_ref = {
            data.name[len(prefix):]: data.res_id
            for data in self.env["ir.model.data"].sudo().search([
                ("module", "=", XMLID_MODULE), ("model", "=", "res.partner"),
                ("name", "in", [prefix + ref for ref in refs]),
            ])
        }
        countries = self.env["res.country"].search([])
        country_by_key = {}
        for country in countries:
            country_by_key[country.code.lower()] = country
            country_by_key[country.name.lower()] = country
        tags = self.env["customer.tag"].with_context(active_test=False).search([])
        tag_by_name = {tag.name.lower(): tag for tag in tags}
        results = []
        for row in rows:
            problem = None
            if row["error"]:
                problem = self._message(row["error"], row["error_value"])
            else:
                try:
                    self._check_customer_row(row, country_by_key, tag_by_name)
                except (UserError, ValidationError) as error:
                    problem = str(error.args[0])
            results.append((row, problem))
        valid = [row for row, problem in results if not problem]
        self._match_customers(valid, by_ref, Partner)
        checked = []
        for row, problem in results:
            if not problem and row.get("partner") and not row["partner"].active:
                problem = self._message("customer_archived", row["external_ref"])
            checked.append((row, problem))
        if not write:
            return [(row, problem) for row, problem in checked if problem]
        return checked

    def _check_customer_row(self, row, country_by_key, tag_by_name):
        """Turn a row's text into values, refusing it with a message on a problem."""
        for target in ("external_ref", "name"):
            if not row[target]:
                raise UserError(self._message("missing", target))
        country = self.env["res.country"]
        if row["country"]:
            country = country_by_key.get(row["country"].lower())
            if not country:
                raise UserError(self.env._(
                    "%(value)s is not a known country (write its code, such as CN, or its "
                    "name).", value=row["country"],
                ))
        is_company = False
        if row["is_company"]:
            word = row["is_company"].lower()
            if word not in TRUE_WORDS + FALSE_WORDS:
                raise UserError(self.env._(
                    "Is a Company %(value)s is neither yes nor no.", value=row["is_company"]
                ))
            is_company = word in TRUE_WORDS
        tags = self.env["customer.tag"]
        for name in filter(None, (part.strip() for part in (row["tags"] or "").split(","))):
            tag = tag_by_name.get(name.lower())
            if not tag:
                raise UserError(self.env._(
                    "%(value)s is not a region or culture tag: create it under Configuration "
                    "first.", value=name,
                ))
            tags |= tag
        Point = self.env["customer.contact.point"]
        holder = self.env["res.partner"].new({"country_id": country.id})
        row["email_normalized"] = row["phone_normalized"] = False
        if row["email"]:
            if not email_normalize(row["email"]):
                raise UserError(self.env._(
                    "%(value)s is not a valid email address: write one address such as "
                    "name@example.com.", value=row["email"],
                ))
            row["email_normalized"] = Point.new(
                {"kind": "email", "partner_id": holder, "company_id": self.company_id.id}
            )._normalize(row["email"])
        if row["phone"]:
            row["phone_normalized"] = Point.new({
                "kind": "phone", "partner_id": holder, "company_id": self.company_id.id,
            })._normalize(row["phone"])
        row["vals"] = {
            "name": row["name"], "is_company": is_company, "vat": row["vat"] or False,
            "email": row["email"] or False, "phone": row["phone"] or False,
            "street": row["street"] or False, "city": row["city"] or False,
            "zip": row["zip"] or False, "country_id": country.id or False,
        }
        row["tags"] = tags

    def _match_customers(self, rows, by_ref, Partner):
        """Find the existing customer of each row: by external reference, then tax ID, then
        normalized e-mail, then normalized phone (of the company's visible partners)."""
        company = self.company_id
        in_company = ["|", ("company_id", "=", False), ("company_id", "=", company.id)]
        vats = {row["vals"]["vat"] for row in rows if row["vals"]["vat"]}
        emails = {row["email_normalized"] for row in rows if row["email_normalized"]}
        phones = {row["phone_normalized"] for row in rows if row["phone_normalized"]}
        by_vat, by_email, by_phone = {}, {}, {}
        if vats:
            for partner in Partner.search([("vat", "in", list(vats)), *in_company], order="id"):
                by_vat.setdefault(partner.vat, partner)
        if emails or phones:
            points = self.env["customer.contact.point"].sudo().search([
                ("value_normalized", "in", list(emails | phones)),
                ("company_id", "in", [company.id, False]),
            ], order="id")
            for point in points:
                target = by_email if point.kind == "email" else by_phone
                target.setdefault(point.value_normalized, point.partner_id)
        if emails:
            for partner in Partner.search(
                [("email_normalized", "in", list(emails)), *in_company], order="id"
            ):
                by_email.setdefault(partner.email_normalized, partner)
        for row in rows:
            partner_id = by_ref.get(row["external_ref"])
            row["known_ref"] = bool(partner_id)
            row["partner"] = (
                Partner.browse(partner_id) if partner_id
                else by_vat.get(row["vals"]["vat"])
                or by_email.get(row["email_normalized"])
                or by_phone.get(row["phone_normalized"])
                or Partner
            )

    def _write_customers(self, low, high):
        """Import the staged customer rows ``low <= row_no < high``: (created, updated,
        valid, refused). The valid rows are saved together in one savepoint; when that
        fails, each row is saved again in a savepoint of its own, so that a row refused
        while saving leaves nothing behind and the others are kept."""
        checked = self._customer_rows(low, high)
        problems = {row["row_no"]: problem for row, problem in checked if problem}
        valid_rows = [row for row, problem in checked if not problem]
        outcomes = {}
        if valid_rows:
            try:
                with self.env.cr.savepoint():
                    outcomes = self._save_customers(valid_rows)
            except (UserError, ValidationError, psycopg2.IntegrityError) as error:
                _logger.info("Customer import %s, rows %s-%s: saving them together failed "
                             "(%s); saving them one by one", self.id, low, high - 1, error)
                for row in valid_rows:
                    try:
                        with self.env.cr.savepoint():
                            outcomes.update(self._save_customers([row]))
                    except (UserError, ValidationError, psycopg2.IntegrityError) as row_error:
                        problems[row["row_no"]] = self._save_error_message(row_error)
        for row_no, problem in problems.items():
            self.env.cr.execute(SQL(
                "UPDATE %s SET error = 'message', error_value = %s"
                " WHERE import_id = %s AND row_no = %s",
                SQL.identifier(STAGING), problem, self.id, row_no,
            ))
        outcomes = list(outcomes.values())
        return (outcomes.count("created"), outcomes.count("updated"), len(outcomes),
                len(problems))

    def _save_error_message(self, error):
        if isinstance(error, psycopg2.IntegrityError):
            model = next((self.env[name] for name, model_class in self.env.registry.items()
                          if model_class._table == error.diag.table_name), self.env["base"])
            return model._sql_error_to_message(error)
        return str(error.args[0])

    def _save_customers(self, rows):
        """Create or update the customers of checked rows, with their tags, contact points
        and external references, a few statements for all of them: {row number: 'created',
        'updated' or 'unchanged'}. The rows are left as they are (the caller may save them
        again one by one)."""
        Partner = self.env["res.partner"].with_context(customer_file_customer=True)
        company_id = self.company_id.id
        new_rows = [row for row in rows if not row["partner"]]
        created = Partner.create([
            {**row["vals"], "customer_rank": 1, "acquisition_channel": "import",
             "region_tag_ids": [Command.set(row["tags"].filtered(
                 lambda tag: tag.kind == "region").ids)],
             "culture_tag_ids": [Command.set(row["tags"].filtered(
                 lambda tag: tag.kind == "culture").ids)]}
            for row in new_rows
        ])
        partner_of = {row["row_no"]: partner
                      for row, partner in zip(new_rows, created, strict=True)}
        outcomes = dict.fromkeys(partner_of, "created")
        existing = Partner.browse([row["partner"].id for row in rows if row["partner"]])
        # One read of what the rows compare, for all the matched customers.
        existing.fetch([*rows[0]["vals"], "region_tag_ids", "culture_tag_ids",
                        "contact_point_ids"])
        for row in rows:
            if not row["partner"]:
                continue
            partner = existing.browse(row["partner"].id).with_prefetch(existing._prefetch_ids)
            partner_of[row["row_no"]] = partner
            changes = {
                name: value for name, value in row["vals"].items()
                if (partner[name].id if name == "country_id" else partner[name] or False)
                != value and (value or name == "is_company")
            }
            region = (row["tags"].filtered(lambda tag: tag.kind == "region")
                      - partner.region_tag_ids)
            culture = (row["tags"].filtered(lambda tag: tag.kind == "culture")
                       - partner.culture_tag_ids)
            if region:
                changes["region_tag_ids"] = [Command.link(tag.id) for tag in region]
            if culture:
                changes["culture_tag_ids"] = [Command.link(tag.id) for tag in culture]
            if changes:
                partner.write(changes)
            outcomes[row["row_no"]] = "updated" if changes else "unchanged"
        # Values and primaries of each customer, with those added by earlier rows.
        known, primaries = {}, set()
        for partner in existing:
            points = partner.contact_point_ids
            known[partner.id] = set(points.mapped("value_normalized"))
            primaries.update((partner.id, point.kind) for point in points if point.is_primary)
        new_points = []
        for row in rows:
            partner = partner_of[row["row_no"]]
            values = known.setdefault(partner.id, set())
            for kind in ("email", "phone"):
                normalized = row[f"{kind}_normalized"]
                if not normalized or normalized in values:
                    continue
                values.add(normalized)
                new_points.append({
                    "partner_id": partner.id, "kind": kind, "value": row[kind],
                    "company_id": company_id,
                    "is_primary": (partner.id, kind) not in primaries,
                })
                primaries.add((partner.id, kind))
                if outcomes[row["row_no"]] == "unchanged":
                    outcomes[row["row_no"]] = "updated"
        self.env["customer.contact.point"].with_context(
            customer_consent_source="import"
        ).create(new_points)
        self.env["ir.model.data"].sudo().create([
            {"module": XMLID_MODULE, "model": "res.partner",
             "res_id": partner_of[row["row_no"]].id,
             "name": f"{company_id}_{row['external_ref']}", "noupdate": True}
            for row in rows if not row["known_ref"]
        ])
        return outcomes
