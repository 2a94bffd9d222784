"""19.0.1.5.0: identity document numbers are encrypted at rest. The keyed-hash column is
created here, empty, so that the upgrade does not compute it for every contact (which needs
the key); the post-migration fills it while it encrypts the existing numbers."""

from odoo.tools.sql import column_exists, create_column


def migrate(cr, version):
    if not column_exists(cr, "res_partner", "identity_document_hash"):
        create_column(cr, "res_partner", "identity_document_hash", "varchar")
