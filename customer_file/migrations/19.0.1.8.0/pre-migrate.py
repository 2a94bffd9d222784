"""19.0.1.8.0: the names in pinyin that the duplicate suspects' name pass compares are filled
here, chunk by chunk (read by SQL, converted in Python, one UPDATE per chunk), before the ORM
would compute them partner by partner. Only partners still without one are read: run again,
it does only what is left."""

from odoo.tools import SQL
from odoo.tools.sql import column_exists

from odoo.addons.customer_file.models.customer_duplicate_suspect import name_pinyin

CHUNK = 20_000


def fill_name_pinyin(cr, chunk=CHUNK):
    """Fill customer_file_name_pinyin of every named partner that has none. Returns how many
    partners were filled."""
    filled, last_id = 0, 0
    while True:
        cr.execute(SQL(
            "SELECT id, name FROM res_partner"
            " WHERE id > %s AND customer_file_name_pinyin IS NULL AND name IS NOT NULL"
            " ORDER BY id LIMIT %s", last_id, chunk,
        ))
        rows = cr.fetchall()
        if not rows:
            return filled
        last_id = rows[-1][0]
        values = [(partner_id, name_pinyin(name)) for partner_id, name in rows]
        values = [(partner_id, pinyin) for partner_id, pinyin in values if pinyin]
        if values:
            cr.execute(SQL(
                "UPDATE res_partner SET customer_file_name_pinyin = new.pinyin"
                "  FROM (VALUES %s) new(id, pinyin) WHERE res_partner.id = new.id",
                SQL(", ").join(SQL("(%s, %s)", *value) for value in values),
            ))
            filled += len(values)


def migrate(cr, version):
    if not column_exists(cr, "res_partner", "customer_file_name_pinyin"):
        cr.execute("ALTER TABLE res_partner ADD COLUMN customer_file_name_pinyin varchar")
    fill_name_pinyin(cr)
