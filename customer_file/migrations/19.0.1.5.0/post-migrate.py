"""19.0.1.5.0: encrypt the identity document numbers stored in plaintext before, and write
their keyed hash. Without a key on the server the numbers stay as they are (read as they
are, not searchable) until `customer_file_rotate_keys` runs on a server with the key."""

import logging

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError

from odoo.addons.customer_file.tools.encryption import Keyring, rotate_keys

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    try:
        Keyring.from_server(env).check()
    except UserError as error:
        _logger.warning("customer_file: existing identity document numbers are not encrypted "
                        "yet: %s Then run customer_file_rotate_keys.", error)
        return
    count = rotate_keys(env)
    _logger.info("customer_file: %s identity document numbers encrypted", count)
