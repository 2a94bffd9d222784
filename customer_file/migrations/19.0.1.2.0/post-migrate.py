"""19.0.1.2.0 no longer indexes the value tier of partners (Odoo keeps an index a field no
longer asks for): scoring runs rewrite the tier of thousands of partners, and without an
index on it the rewrite stays in place (HOT) instead of touching each of the partner's
indexes."""

from odoo.tools import SQL


def migrate(cr, version):
    cr.execute(SQL("DROP INDEX IF EXISTS res_partner__value_tier_index"))
