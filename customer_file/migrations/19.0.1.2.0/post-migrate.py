"""19.0.1.2.0 no longer indexes the value tier of partners (Odoo keeps an index a field no
longer asks for): scoring runs rewrite the tier of thousands of partners, and each rewrite
then has one index fewer to update (none when the row's page has room: a HOT update)."""

from odoo.tools import SQL


def migrate(cr, version):
    cr.execute(SQL("DROP INDEX IF EXISTS res_partner__value_tier_index"))
