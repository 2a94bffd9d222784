"""Key rotation over encrypted values: load N tokens under an old key into a scratch table,
then time their re-encryption under a new key with the addon's own rotation code
(customer_file/tools/encryption.py, rotate_column: batches of 10,000 committed one by one),
first interrupted after a few batches, then resumed to the end.

    python bench/bench_encryption.py --db cf_bench_crypto [--count 1000000]

The database is created when missing (it needs no addon: the table is a scratch table,
dropped at the end). Keys are generated for the run and forgotten.
"""

import base64
import io
import secrets
import time
from contextlib import closing

from _odoo_env import parser


def new_key():
    return base64.b64encode(secrets.token_bytes(32)).decode()


def main():
    arguments = parser(__doc__)
    arguments.add_argument("--count", type=int, default=1_000_000)
    arguments.add_argument("--batch-size", type=int, default=10_000)
    arguments.add_argument("--interrupt-after", type=int, default=3,
                           help="batches of the first, interrupted run")
    options = arguments.parse_args()

    import odoo
    import odoo.sql_db
    from odoo.tools import SQL

    odoo.tools.config.parse_config(["-c", options.config, "--log-level=warn"])
    odoo.modules.initialize_sys_path()
    from odoo.addons.customer_file.tools.encryption import Keyring, aad, rotate_column

    with closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute(SQL("SELECT 1 FROM pg_database WHERE datname = %s", options.db))
        if not cr.fetchone():
            cr.execute(SQL("CREATE DATABASE %s", SQL.identifier(options.db)))

    old_key, new_key_, hmac_key = new_key(), new_key(), new_key()
    old = Keyring(f"old:{old_key}", hmac_key)
    rotated = Keyring(f"new:{new_key_},old:{old_key}", hmac_key)
    field_aad = aad("res.partner", "identity_document_number")
    table = "customer_file_bench_encryption"

    with closing(odoo.sql_db.db_connect(options.db).cursor()) as cr:
        cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(table)))
        cr.execute(SQL(
            "CREATE TABLE %s (id serial PRIMARY KEY, identity_document_number varchar, "
            "identity_document_hash varchar)", SQL.identifier(table),
        ))
        started = time.monotonic()
        buffer = io.StringIO()
        for index in range(options.count):
            number = f"1101011990{index:08d}"
            buffer.write(f"{old.encrypt(number, field_aad)}\t{old.search_hash(number)}\n")
        encrypt_seconds = time.monotonic() - started
        buffer.seek(0)
        cr._obj.copy_expert(
            f"COPY {table} (identity_document_number, identity_document_hash) FROM STDIN",
            buffer,
        )
        cr.execute(SQL("CREATE INDEX ON %s (identity_document_hash)", SQL.identifier(table)))
        cr.commit()
        load_seconds = time.monotonic() - started
        print(f"{options.count:,} values encrypted in {encrypt_seconds:.1f} s, "
              f"loaded with COPY and indexed in {load_seconds:.1f} s")

        started = time.monotonic()
        first = rotate_column(cr, rotated, table, "identity_document_number", "res.partner",
                              "identity_document_number", hash_column="identity_document_hash",
                              batch_size=options.batch_size, commit=cr.commit,
                              max_batches=options.interrupt_after)
        first_seconds = time.monotonic() - started
        print(f"interrupted run: {first:,} values in {options.interrupt_after} batches, "
              f"{first_seconds:.1f} s")

        started = time.monotonic()
        rest = rotate_column(cr, rotated, table, "identity_document_number", "res.partner",
                             "identity_document_number", hash_column="identity_document_hash",
                             batch_size=options.batch_size, commit=cr.commit)
        rest_seconds = time.monotonic() - started
        print(f"resumed run: {rest:,} values in {rest_seconds:.1f} s")
        total_seconds = first_seconds + rest_seconds
        print(f"rotation of {first + rest:,} values: {total_seconds:.1f} s "
              f"({(first + rest) / total_seconds:,.0f} values/s; "
              f"1,000,000 values would take {1_000_000 / (first + rest) * total_seconds:.0f} s)")

        again = rotate_column(cr, rotated, table, "identity_document_number", "res.partner",
                              "identity_document_number", batch_size=options.batch_size,
                              commit=cr.commit)
        cr.execute(SQL(
            "SELECT count(*) FILTER (WHERE identity_document_number LIKE 'cfenc:v1:new:%%'), "
            "count(*) FROM %s", SQL.identifier(table),
        ))
        under_new, total = cr.fetchone()
        print(f"third run rewrote {again} values; {under_new:,} of {total:,} under the new key")
        cr.execute(SQL("SELECT identity_document_number FROM %s ORDER BY id DESC LIMIT 1",
                       SQL.identifier(table)))
        last = rotated.decrypt(cr.fetchone()[0], field_aad)
        print(f"last value decrypts under the new key: {last}")
        cr.execute(SQL("DROP TABLE %s", SQL.identifier(table)))
        cr.commit()


if __name__ == "__main__":
    main()
