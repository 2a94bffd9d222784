"""Open an Odoo environment on a database from a bench script (the repository's Odoo config)."""

import argparse
import glob
import hashlib
import os
from contextlib import closing, contextmanager

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def default_config():
    cache = os.environ.get("CUSTOMER_FILE_CACHE") or (
        "/var/cache/customer-file" if os.geteuid() == 0
        else os.path.join(os.path.expanduser("~"), ".cache", "customer-file")
    )
    mine = os.path.join(cache, f"odoo-{hashlib.sha256(REPO.encode()).hexdigest()[:8]}.conf")
    if os.path.exists(mine):
        return mine
    return (glob.glob(os.path.join(cache, "odoo-*.conf")) or [mine])[0]


def parser(description):
    arguments = argparse.ArgumentParser(description=description)
    arguments.add_argument("--db", required=True, help="database with customer_file installed")
    arguments.add_argument("--config", default=default_config(), help="Odoo configuration file")
    return arguments


@contextmanager
def odoo_env(config, db):
    import odoo
    from odoo import api
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", config, "-d", db, "--log-level=warn"])
    registry = Registry(db)
    with registry.cursor() as cr:
        yield api.Environment(cr, api.SUPERUSER_ID, {})


@contextmanager
def database_copy(db):
    """A copy of ``db`` for steps that must commit, dropped on exit."""
    import odoo.sql_db
    from odoo.tools import SQL

    copy = f"{db}_bench_copy"

    def administer(*statements):
        with closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
            cr._cnx.autocommit = True  # CREATE and DROP DATABASE refuse a transaction
            for statement in statements:
                cr.execute(statement)

    odoo.sql_db.close_db(db)
    administer(
        SQL("DROP DATABASE IF EXISTS %s", SQL.identifier(copy)),
        SQL("CREATE DATABASE %s TEMPLATE %s", SQL.identifier(copy), SQL.identifier(db)),
    )
    try:
        yield copy
    finally:
        odoo.sql_db.close_db(copy)
        administer(SQL("DROP DATABASE %s", SQL.identifier(copy)))
