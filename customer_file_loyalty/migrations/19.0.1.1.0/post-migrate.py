"""19.0.1.1.0: memberships and their history lose their log columns (the evaluation is
their only writer) and memberships the index on their level, so that the nightly evaluation
writes less per row; Odoo keeps dropped columns and indexes, this script removes them."""

from odoo.tools import SQL


def migrate(cr, version):
    for table in ("customer_membership", "customer_membership_level_history"):
        cr.execute(SQL(
            "ALTER TABLE %s DROP COLUMN IF EXISTS create_uid, DROP COLUMN IF EXISTS create_date, "
            "DROP COLUMN IF EXISTS write_uid, DROP COLUMN IF EXISTS write_date",
            SQL.identifier(table),
        ))
    cr.execute(SQL("DROP INDEX IF EXISTS customer_membership__level_id_index"))
