import importlib.util

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
