import base64
import os
import secrets
from contextlib import contextmanager

from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import SQL, config

from ..tools import encryption
from ..tools.encryption import Keyring, aad, rotate_keys
from .common import run_migration

NUMBER = "110101199003074518"
SETTINGS = (encryption.CONFIG_KEYS, encryption.CONFIG_HMAC)
VARIABLES = (encryption.ENV_KEYS, encryption.ENV_HMAC)
_MISSING = object()


def new_key():
    return base64.b64encode(secrets.token_bytes(32)).decode()


@contextmanager
def server_keys(keys, hmac_key):
    """The server's encryption settings for the duration of the block, through the runtime
    options of the configuration (which win over the configuration file); the environment
    variables are cleared meanwhile. ``keys=None``: a server without keys."""
    runtime = config._runtime_options
    saved = {name: runtime.get(name, _MISSING) for name in SETTINGS}
    saved_env = {name: os.environ.pop(name, None) for name in VARIABLES}
    runtime[encryption.CONFIG_KEYS] = keys or ""
    runtime[encryption.CONFIG_HMAC] = hmac_key or ""
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is _MISSING:
                runtime.pop(name, None)
            else:
                runtime[name] = value
        for name, value in saved_env.items():
            if value is not None:
                os.environ[name] = value


@tagged("post_install", "-at_install")
class TestEncryption(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key1, cls.key2, cls.hmac_key = new_key(), new_key(), new_key()
        cls.officer = new_test_user(
            cls.env, login="cf_crypto_officer",
            groups="base.group_user,base.group_allow_export,"
            "customer_file.group_customer_file_officer",
        )
        cls.sensitive = new_test_user(
            cls.env, login="cf_crypto_sensitive",
            groups="base.group_user,customer_file.group_customer_file_officer,"
            "customer_file.group_customer_file_sensitive",
        )

    def setUp(self):
        super().setUp()
        self.enterContext(server_keys(f"k1:{self.key1}", self.hmac_key))

    def stored(self, partner, column="identity_document_number"):
        self.env.flush_all()
        return self.env.execute_query(SQL(
            "SELECT %s FROM res_partner WHERE id = %s", SQL.identifier(column), partner.id,
        ))[0][0]

    def test_roundtrip_and_the_column_holds_only_tokens(self):
        partner = self.env["res.partner"].with_user(self.sensitive).create(
            {"name": "王芳", "identity_document_number": NUMBER}
        )
        token = self.stored(partner)
        self.assertTrue(token.startswith("cfenc:v1:k1:"), token)
        self.assertNotIn(NUMBER, token)
        self.assertNotIn(NUMBER[-6:], token)
        keyring = Keyring.from_server(self.env)
        self.assertEqual(self.stored(partner, "identity_document_hash"),
                         keyring.search_hash(NUMBER))
        self.assertNotIn(NUMBER, self.stored(partner, "identity_document_hash"))
        self.env.invalidate_all()
        self.assertEqual(partner.identity_document_number, NUMBER)
        self.assertEqual(partner.read(["identity_document_number"])[0]
                         ["identity_document_number"], NUMBER)

        partner.write({"identity_document_number": "X1234567"})
        self.assertNotEqual(self.stored(partner), token)
        self.env.invalidate_all()
        self.assertEqual(partner.identity_document_number, "X1234567")
        # Same value, new nonce: equal plaintexts do not give equal tokens.
        other = self.env["res.partner"].create({"name": "李雷", "identity_document_number":
                                                "X1234567"})
        self.assertNotEqual(self.stored(other), self.stored(partner))
        partner.identity_document_number = False
        self.assertIsNone(self.stored(partner))
        self.assertIsNone(self.stored(partner, "identity_document_hash"))

    def test_exact_search_goes_through_the_keyed_hash(self):
        Partner = self.env["res.partner"].with_user(self.sensitive)
        wang, li, zhao = Partner.create([
            {"name": "王芳", "identity_document_number": NUMBER},
            {"name": "李雷", "identity_document_number": "g1234567"},
            {"name": "赵敏"},
        ])
        mine = [("id", "in", (wang + li + zhao).ids)]
        self.env.invalidate_all()
        self.assertEqual(Partner.search(mine + [("identity_document_number", "=", NUMBER)]),
                         wang)
        # Normalized: spaces and case do not matter.
        self.assertEqual(Partner.search(
            mine + [("identity_document_number", "=", " 110101 19900307 4518 ")]), wang)
        self.assertEqual(Partner.search(
            mine + [("identity_document_number", "in", ["G1234567", "nothing"])]), li)
        self.assertEqual(Partner.search(mine + [("identity_document_number", "!=", NUMBER)]),
                         li + zhao)
        self.assertEqual(Partner.search(mine + [("identity_document_number", "=", False)]),
                         zhao)
        self.assertEqual(Partner.search(mine + [("identity_document_number", "!=", False)]),
                         wang + li)
        with self.assertRaisesRegex(UserError, "exact value"):
            Partner.search([("identity_document_number", "ilike", "1101")])

    def test_duplicate_numbers_are_flagged(self):
        Partner = self.env["res.partner"].with_user(self.sensitive)
        wang, li, zhao = Partner.create([
            {"name": "王芳", "identity_document_number": NUMBER},
            {"name": "王芳 (2)", "identity_document_number": NUMBER.lower() + " "},
            {"name": "赵敏", "identity_document_number": "E7654321"},
        ])
        self.assertEqual((wang + li + zhao).mapped("identity_document_duplicate"),
                         [True, True, False])
        mine = [("id", "in", (wang + li + zhao).ids)]
        self.assertEqual(Partner.search(mine + [("identity_document_duplicate", "=", True)]),
                         wang + li)
        self.assertEqual(Partner.search(mine + [("identity_document_duplicate", "=", False)]),
                         zhao)

    def test_a_token_moved_to_another_field_does_not_decrypt(self):
        keyring = Keyring.from_server(self.env)
        token = keyring.encrypt(NUMBER, aad("res.partner", "identity_document_number"))
        self.assertEqual(keyring.decrypt(token, aad("res.partner", "identity_document_number")),
                         NUMBER)
        with self.assertRaisesRegex(UserError, "cannot be decrypted"):
            keyring.decrypt(token, aad("res.partner", "vat"))
        # A token of another field copied into the column by SQL is refused on read.
        partner = self.env["res.partner"].create({"name": "王芳"})
        self.env.flush_all()
        self.env.cr.execute(SQL(
            "UPDATE res_partner SET identity_document_number = %s WHERE id = %s",
            keyring.encrypt(NUMBER, aad("customer.file.record", "identity_document_number")),
            partner.id,
        ))
        self.env.invalidate_all()
        with self.assertRaisesRegex(UserError, "cannot be decrypted"):
            partner.read(["identity_document_number"])
        # An altered token too.
        self.env.cr.execute(SQL(
            "UPDATE res_partner SET identity_document_number = %s WHERE id = %s",
            token[:-6] + ("AAAA==" if not token.endswith("AAAA==") else "BBBB=="), partner.id,
        ))
        self.env.invalidate_all()
        with self.assertRaises(UserError):
            partner.read(["identity_document_number"])

    def test_rotation_reencrypts_under_the_new_key_and_resumes(self):
        partners = self.env["res.partner"].create([
            {"name": f"客户 {index}", "identity_document_number": f"ID{index:06d}"}
            for index in range(5)
        ])
        # A number stored before encryption (an upgraded database): plaintext, no hash.
        legacy = self.env["res.partner"].create({"name": "旧客户"})
        self.env.flush_all()
        self.env.cr.execute(SQL(
            "UPDATE res_partner SET identity_document_number = 'L7654321' WHERE id = %s",
            legacy.id,
        ))
        everybody = partners + legacy
        with server_keys(f"k2:{self.key2},k1:{self.key1}", self.hmac_key):
            # Still readable under the old key before the rotation.
            self.env.invalidate_all()
            self.assertEqual(partners[0].identity_document_number, "ID000000")
            # Interrupted after one batch of two.
            self.assertEqual(rotate_keys(self.env, batch_size=2, max_batches=1), 2)
            tokens = [self.stored(partner) for partner in everybody]
            self.assertEqual(sum(token.startswith("cfenc:v1:k2:") for token in tokens), 2)
            # Run again: resumes with the rest, then has nothing left to do.
            self.assertEqual(rotate_keys(self.env, batch_size=2), 4)
            self.assertEqual(rotate_keys(self.env, batch_size=2), 0)
            for partner in everybody:
                self.assertTrue(self.stored(partner).startswith("cfenc:v1:k2:"))
            self.assertEqual(self.stored(legacy, "identity_document_hash"),
                             Keyring.from_server(self.env).search_hash("L7654321"))
            self.env.invalidate_all()
            self.assertEqual(everybody.mapped("identity_document_number"),
                             [f"ID{index:06d}" for index in range(5)] + ["L7654321"])
            self.assertEqual(self.env["res.partner"].search(
                [("identity_document_number", "=", "L7654321")]), legacy)
            logs = self.env["customer.access.log"].search([("action", "=", "key_rotation")])
            self.assertEqual(sorted(logs.mapped("record_count")), [2, 4])
        # Only the new key is needed afterwards.
        with server_keys(f"k2:{self.key2}", self.hmac_key):
            self.env.invalidate_all()
            self.assertEqual(legacy.identity_document_number, "L7654321")
        # The old key alone no longer reads them.
        self.env.invalidate_all()
        with self.assertRaisesRegex(UserError, "k2"):
            legacy.read(["identity_document_number"])

    def test_without_a_key_nothing_is_read_or_written(self):
        partner = self.env["res.partner"].create({"name": "王芳",
                                                  "identity_document_number": NUMBER})
        token = self.stored(partner)
        with server_keys(None, None):
            self.env.invalidate_all()
            # Other fields of the contact still read (the token is decrypted on access only).
            self.assertEqual(partner.name, "王芳")
            with self.assertRaisesRegex(UserError, "customer_file_encryption_keys"):
                partner.read(["identity_document_number"])
            with self.assertRaisesRegex(UserError, "not configured"):
                partner.write({"identity_document_number": "E7654321"})
            with self.assertRaisesRegex(UserError, "not configured"):
                self.env["res.partner"].create({"name": "李雷",
                                                "identity_document_number": "E7654321"})
            with self.assertRaisesRegex(UserError, "not configured"):
                self.env["res.partner"].search([("identity_document_number", "=", NUMBER)])
            self.env.flush_all()
            self.assertEqual(self.stored(partner), token)
            self.assertFalse(self.env.execute_query(SQL(
                "SELECT id FROM res_partner WHERE identity_document_number LIKE %s",
                "%E7654321%",
            )))
            # Contacts without a number are written as before.
            self.env["res.partner"].create({"name": "赵敏"})
        # A key without the search key is not enough either.
        with server_keys(f"k1:{self.key1}", None), \
                self.assertRaisesRegex(UserError, "customer_file_hmac_key"):
            partner.write({"identity_document_number": "E7654321"})

    def test_the_sensitive_group_is_still_required(self):
        partner = self.env["res.partner"].create({"name": "王芳",
                                                  "identity_document_number": NUMBER})
        self.env.invalidate_all()
        with self.assertRaises(AccessError):
            partner.with_user(self.officer).read(["identity_document_number"])
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.officer).search(
                [("identity_document_number", "=", NUMBER)]
            )
        Officer = self.env["res.partner"].with_user(self.officer)
        for name in ("identity_document_hash", "identity_document_duplicate"):
            with self.assertRaises(AccessError):
                partner.with_user(self.officer).read([name])
            with self.assertRaises(AccessError):
                Officer.search([(name, "!=", False)])
        with self.assertRaises(AccessError):
            Officer.search_read([("id", "=", partner.id)], ["identity_document_number"])
        with self.assertRaises(AccessError):
            partner.with_user(self.officer).export_data(["identity_document_number"])
        self.assertEqual(
            partner.with_user(self.sensitive).read(["identity_document_number"])[0]
            ["identity_document_number"], NUMBER,
        )

    def test_upgrade_encrypts_numbers_stored_in_plaintext(self):
        partner = self.env["res.partner"].create({"name": "王芳"})
        self.env.flush_all()
        self.env.cr.execute(SQL(
            "UPDATE res_partner SET identity_document_number = %s, identity_document_hash = NULL"
            " WHERE id = %s", NUMBER, partner.id,
        ))
        run_migration(self.env, "customer_file", "19.0.1.5.0")
        self.assertTrue(self.stored(partner).startswith("cfenc:v1:k1:"))
        self.assertEqual(self.env["res.partner"].search(
            [("identity_document_number", "=", NUMBER)]), partner)
        self.assertEqual(partner.identity_document_number, NUMBER)
