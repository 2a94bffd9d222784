"""19.0.1.6.0: the daily purchase summary is kept by delta and may hold several rows of a
key until they are compacted (see customer.purchase.day): its unique index goes."""

from odoo.tools import SQL


def migrate(cr, version):
    cr.execute(SQL("DROP INDEX IF EXISTS customer_purchase_day__unique_day"))
