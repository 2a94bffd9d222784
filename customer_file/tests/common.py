import importlib.util
import io

import openpyxl

from odoo.tools import file_path


def run_migration(env, module, version):
    """Run the post-migration script of ``module`` for ``version`` on the test cursor, as an
    upgrade to that version would (Odoo passes the version installed before it)."""
    path = file_path(f"{module}/migrations/{version}/post-migrate.py")
    spec = importlib.util.spec_from_file_location(f"{module}.migrations.{version}", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    installed = env["ir.module.module"].search([("name", "=", module)]).latest_version
    env.flush_all()
    script.migrate(env.cr, installed)
    env.invalidate_all()


def read_xlsx(content):
    """{sheet name: openpyxl sheet} of an .xlsx file."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return {sheet.title: sheet for sheet in workbook.worksheets}


def xlsx_header(sheet):
    """The first row's values of a sheet written as a table."""
    return [cell.value for cell in next(sheet.iter_rows())]


def xlsx_rows(sheet):
    """[{header: cell}] per row of a sheet written as a table."""
    header = xlsx_header(sheet)
    return [dict(zip(header, row, strict=True)) for row in list(sheet.iter_rows())[1:]]
