"""``odoo customer_file_rotate_keys -c odoo.conf -d DB [--batch-size N]``

Re-encrypts every encrypted customer-file value under the current key (the first of
``customer_file_encryption_keys``): tokens of older keys and plaintext left from before
encryption. Commits after each batch; an interrupted run resumes where it stopped when run
again. Odoo finds the command in the addons path (``<addon>/cli/<command>.py``): pass
``--addons-path=...`` first when the configuration file is not the default one.
"""

import logging
import optparse
import sys
import time

import odoo.tools.config
from odoo import SUPERUSER_ID, api
from odoo.cli import Command
from odoo.exceptions import UserError
from odoo.modules.registry import Registry

_logger = logging.getLogger(__name__)


class CustomerFileRotateKeys(Command):
    """Re-encrypt customer-file encrypted fields under the current key (resumable)"""

    name = "customer_file_rotate_keys"

    def run(self, args):
        parser = odoo.tools.config.parser
        parser.prog = self.prog
        group = optparse.OptionGroup(parser, "Key rotation")
        group.add_option("--batch-size", dest="batch_size", type="int", default=10_000,
                         help="rows re-encrypted and committed together (default 10000)")
        parser.add_option_group(group)
        opt = odoo.tools.config.parse_config(args, setup_logging=True)
        dbnames = odoo.tools.config["db_name"]
        if not dbnames or len(dbnames) > 1:
            sys.exit("customer_file_rotate_keys needs one database: -d DB")
        registry = Registry(dbnames[0])
        if "customer.access.log" not in registry:
            sys.exit(f"customer_file is not installed in {dbnames[0]}")
        from odoo.addons.customer_file.tools.encryption import rotate_keys

        started = time.monotonic()
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            try:
                count = rotate_keys(env, batch_size=opt.batch_size, commit=cr.commit,
                                    log=_logger.info)
            except UserError as error:
                sys.exit(f"customer_file_rotate_keys: {error}")
        _logger.info("customer_file_rotate_keys: %s values re-encrypted in %.1f s",
                     count, time.monotonic() - started)
