from odoo.tools import SQL


def float8(value):
    """A float parameter typed double precision: PostgreSQL reads a bare ``0.5`` as numeric,
    whose arbitrary-precision arithmetic is many times slower over a million rows."""
    return SQL("%s::float8", float(value))
