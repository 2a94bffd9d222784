"""19.0.1.7.0: the address key that duplicate detection compares is filled in one statement
before the ORM would compute it partner by partner (the completeness follows when the data
quality settings are created, in SQL too)."""

from odoo.tools import SQL
from odoo.tools.sql import column_exists

# As ADDRESS_KEY_SQL of customer_file/tools/data_quality.py (a copy: the script must keep
# doing what it did when the module changes).
ADDRESS_KEY_SQL = (
    "NULLIF(LOWER(BTRIM(REGEXP_REPLACE(CONCAT_WS(' ', NULLIF(BTRIM(street), ''),"
    " NULLIF(BTRIM(street2), ''), NULLIF(BTRIM(zip), ''), NULLIF(BTRIM(city), '')),"
    " '\\s+', ' ', 'g'))), '')"
)


def migrate(cr, version):
    if column_exists(cr, "res_partner", "customer_file_address_key"):
        return
    cr.execute("ALTER TABLE res_partner ADD COLUMN customer_file_address_key varchar")
    cr.execute(SQL(
        "UPDATE res_partner SET customer_file_address_key = %s"
        " WHERE COALESCE(street, street2, zip, city) IS NOT NULL",
        SQL(ADDRESS_KEY_SQL),
    ))
