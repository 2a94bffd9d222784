"""19.0.1.4.0 no longer indexes the severity of churn warnings (Odoo keeps an index a field
no longer asks for): runs rescore thousands of open warnings, whose severity often moves, and
without an index on it the rewrite stays on its page (HOT) instead of touching each of the
warning's indexes."""

from odoo.tools import SQL


def migrate(cr, version):
    cr.execute(SQL("DROP INDEX IF EXISTS customer_churn_warning__severity_index"))
