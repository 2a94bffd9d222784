from . import controllers
from . import models
from . import report
from . import tools
from . import wizard

from odoo.tools import SQL


def post_init_hook(env):
    """Sales, invoices and credit notes already in the database enter the purchase history
    (at once on a small database, else batch by batch in the background job)."""
    env["customer.purchase.backfill"]._start_on_install()


def uninstall_hook(env):
    """The import's staging table is plain SQL (no model): it goes with the addon."""
    env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(models.customer_import.STAGING)))
