"""Encryption at rest of customer-file fields: AES-256-GCM tokens, a keyed hash for exact
search, and the re-encryption of a column under the current key (key rotation).

Keys never live in the database. They come from the Odoo server configuration or from the
environment (the configuration wins):

- ``customer_file_encryption_keys`` / ``CUSTOMER_FILE_ENCRYPTION_KEYS``: comma-separated
  ``<key id>:<base64 of 32 bytes>``; the first key encrypts, the others only decrypt (old keys
  kept during a rotation).
- ``customer_file_hmac_key`` / ``CUSTOMER_FILE_HMAC_KEY``: base64 of 32 bytes, the key of the
  keyed hash (HMAC-SHA256) that exact search and duplicate checks use. It is a key of its own,
  not derived from the data key, so rotating the data key leaves every hash valid: exact search
  works at every moment of a rotation, even an interrupted one, and the rotation does not
  rewrite the indexed hash column.

A stored value is the text token ``cfenc:v1:<key id>:<base64(nonce || ciphertext || tag)>``;
the associated data is ``<model>.<field>``, so a token copied into another field does not
decrypt.
"""

import base64
import binascii
import collections.abc
import hashlib
import hmac
import os
import re
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import SQL, config

PREFIX = "cfenc:"
VERSION = "v1"
CONFIG_KEYS = "customer_file_encryption_keys"
CONFIG_HMAC = "customer_file_hmac_key"
ENV_KEYS = "CUSTOMER_FILE_ENCRYPTION_KEYS"
ENV_HMAC = "CUSTOMER_FILE_HMAC_KEY"
# Key ids appear in LIKE patterns: letters, digits, dot and dash only (no % or _).
KEY_ID_RE = re.compile(r"^[A-Za-z0-9.-]{1,32}$")
NONCE_SIZE = 12


class _NoEnv:
    """Stands for an environment in scripts without one (the bench): untranslated messages."""

    @staticmethod
    def _(message, *args, **kwargs):
        return message % (args or kwargs) if (args or kwargs) else message


def _decode_key(raw, what, env):
    try:
        key = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise UserError(env._("%s is not the base64 of 32 bytes: generate one with "
                              "'openssl rand -base64 32'.", what))
    return key


class Keyring:
    """The keys of this server: ``current`` (id, key) encrypts, ``keys`` decrypt."""

    def __init__(self, keys_text, hmac_text, env=None):
        self.env = env = env if env is not None else _NoEnv()
        self.keys = {}
        self.current_id = None
        for item in (keys_text or "").split(","):
            item = item.strip()
            if not item:
                continue
            key_id, sep, raw = item.partition(":")
            key_id = key_id.strip()
            if not sep or not KEY_ID_RE.match(key_id):
                raise UserError(env._("%s: each key is '<key id>:<base64 key>', with a key id "
                                      "of letters, digits, dots and dashes.", CONFIG_KEYS))
            if key_id in self.keys:
                raise UserError(env._("%(setting)s: the key id %(key)s is given twice.",
                                      setting=CONFIG_KEYS, key=key_id))
            self.keys[key_id] = _decode_key(raw, f"{CONFIG_KEYS} ({key_id})", env)
            self.current_id = self.current_id or key_id
        self.hmac_key = _decode_key(hmac_text, CONFIG_HMAC, env) if hmac_text else None

    @classmethod
    def from_server(cls, env=None):
        return cls(
            config.get(CONFIG_KEYS) or os.environ.get(ENV_KEYS),
            config.get(CONFIG_HMAC) or os.environ.get(ENV_HMAC),
            env,
        )

    def _missing(self):
        return UserError(self.env._(
            "The encryption key is not configured on this server: set %(keys)s and %(hmac)s in "
            "the Odoo configuration file (or the environment variables %(env_keys)s and "
            "%(env_hmac)s) and restart Odoo. Encrypted fields can be neither read nor written "
            "without them.",
            keys=CONFIG_KEYS, hmac=CONFIG_HMAC, env_keys=ENV_KEYS, env_hmac=ENV_HMAC,
        ))

    def check(self):
        if not self.current_id or not self.hmac_key:
            raise self._missing()
        return self

    @property
    def current_prefix(self):
        return f"{PREFIX}{VERSION}:{self.current_id}:"

    def encrypt(self, plaintext, aad):
        self.check()
        nonce = secrets.token_bytes(NONCE_SIZE)
        sealed = AESGCM(self.keys[self.current_id]).encrypt(
            nonce, plaintext.encode(), aad.encode()
        )
        return self.current_prefix + base64.b64encode(nonce + sealed).decode()

    def decrypt(self, token, aad):
        """The plaintext of ``token``; a value that is not a token is legacy plaintext (written
        before encryption, not yet migrated) and returned as it is."""
        if not is_token(token):
            return token
        try:
            _prefix, version, key_id, payload = token.split(":", 3)
        except ValueError:
            version = key_id = payload = None
        if version != VERSION or not payload:
            raise UserError(self.env._("This encrypted value has an unknown format."))
        if not self.keys:
            raise self._missing()
        key = self.keys.get(key_id)
        if key is None:
            raise UserError(self.env._(
                "This value is encrypted with the key %(key)s, which is not in %(setting)s on "
                "this server.", key=key_id, setting=CONFIG_KEYS,
            ))
        try:
            raw = base64.b64decode(payload, validate=True)
            return AESGCM(key).decrypt(raw[:NONCE_SIZE], raw[NONCE_SIZE:], aad.encode()).decode()
        except (InvalidTag, binascii.Error, ValueError) as error:
            raise UserError(self.env._("This encrypted value does not belong to %s or was "
                                       "altered: it cannot be decrypted.", aad)) from error

    def search_hash(self, value):
        """HMAC-SHA256 (hex) of the normalized value: stripped, upper-case, without spaces."""
        self.check()
        normalized = normalize(value)
        return hmac.new(self.hmac_key, normalized.encode(), hashlib.sha256).hexdigest()


def normalize(value):
    return "".join(str(value).split()).upper()


def is_token(value):
    return isinstance(value, str) and value.startswith(PREFIX)


def aad(model_name, field_name):
    return f"{model_name}.{field_name}"


class Ciphertext(str):
    """A token read from the database, kept as such in the cache and decrypted on access."""

    __slots__ = ()


class _Encrypted:
    """What the encrypted field types share: the column holds AES-GCM tokens.

    ``hash_field``: name of a stored Char field holding the keyed hash (the model computes it
    with :func:`search_hash`); searching supports ``=``, ``!=``, ``in`` and ``not in`` through
    it. Without one, only emptiness can be searched. ``optional``: the field is encrypted only
    while a Privacy Officer has it marked (``customer.encrypted.field``); unmarked, it is a
    plain field (tokens written while it was marked still decrypt). Code with the key reads
    and writes plaintext.
    """

    hash_field = None
    optional = False
    encrypted = True

    def _setup_attrs__(self, model_class, name):
        result = super()._setup_attrs__(model_class, name)
        assert not self.translate and not self.company_dependent, \
            f"{self}: encrypted fields cannot be translated or company-dependent"
        return result

    def _encrypting(self, env):
        """Whether values written now are encrypted."""
        return not self.optional or env["customer.encrypted.field"]._is_marked(
            self.model_name, self.name
        )

    # Tokens are random: sorting and grouping by them means nothing.
    def _description_sortable(self, env):
        return not self._encrypting(env) and super()._description_sortable(env)

    def _description_groupable(self, env):
        return not self._encrypting(env) and super()._description_groupable(env)

    def _keyring(self, env):
        return Keyring.from_server(env)

    def convert_to_cache(self, value, record, validate=True):
        if isinstance(value, Ciphertext):
            return value
        value = super().convert_to_cache(value, record, validate)
        if validate and value and self._encrypting(record.env):
            # Refuse early (at assignment) rather than at flush: nothing is ever written
            # without the key.
            self._keyring(record.env).check()
        return value

    def _insert_cache(self, records, values):
        return super()._insert_cache(records, (
            Ciphertext(value) if is_token(value) else value for value in values
        ))

    def convert_to_record(self, value, record):
        if isinstance(value, Ciphertext):
            value = self._keyring(record.env).decrypt(value, aad(record._name, self.name))
        return super().convert_to_record(value, record)

    def convert_to_column_insert(self, value, record, values=None, validate=True):
        if isinstance(value, Ciphertext):
            return str(value)
        value = self.convert_to_column(value, record, values, validate)
        if value is None or value == "":
            return None
        if not self._encrypting(record.env):
            return value
        return self._keyring(record.env).encrypt(str(value), aad(record._name, self.name))

    def condition_to_sql(self, field_expr, operator, value, model, alias, query):
        if not self._encrypting(model.env):
            return super().condition_to_sql(field_expr, operator, value, model, alias, query)
        model._check_field_access(self, "read")
        if operator in ("=", "!="):
            operator, value = ("in" if operator == "=" else "not in"), [value]
        # The ORM hands ``in`` values over as a set (OrderedSet) or a list; a subquery is none.
        values = [value] if isinstance(value, str) else list(value) \
            if isinstance(value, (list, tuple, collections.abc.Set)) else None
        if (operator in ("in", "not in") and field_expr == self.name and values is not None
                and all(v in (False, None, "") for v in values)):
            # Whether there is a value at all is no secret: retention and data requests
            # look for records that hold one.
            column = model._field_to_sql(alias, self.name, query)
            return SQL("%s IS NULL" if operator == "in" else "%s IS NOT NULL", column)
        if operator not in ("in", "not in") or field_expr != self.name or values is None:
            raise UserError(model.env._(
                "%(field)s is encrypted: it can only be searched by its exact value "
                "(=, !=, in, not in).", field=self._description_string(model.env),
            ))
        if not self.hash_field:
            raise UserError(model.env._(
                "%(field)s is encrypted: it can only be searched for being set or empty.",
                field=self._description_string(model.env),
            ))
        keyring = self._keyring(model.env)
        hashes = tuple(keyring.search_hash(v) for v in values if v not in (False, None, ""))
        with_null = len(hashes) < len(values)
        column = model._field_to_sql(alias, self.hash_field, query)
        if operator == "in":
            parts = [SQL("%s IN %s", column, hashes)] if hashes else []
            if with_null:
                parts.append(SQL("%s IS NULL", column))
            return SQL("(%s)", SQL(" OR ").join(parts)) if parts else SQL("FALSE")
        parts = [SQL("(%s NOT IN %s OR %s IS NULL)", column, hashes, column)] if hashes else []
        if with_null:
            parts.append(SQL("%s IS NOT NULL", column))
        return SQL("(%s)", SQL(" AND ").join(parts)) if parts else SQL("TRUE")


class EncryptedChar(_Encrypted, fields.Char):
    """A Char stored as an AES-GCM token (see :class:`_Encrypted`)."""


class EncryptedText(_Encrypted, fields.Text):
    """A Text stored as an AES-GCM token (see :class:`_Encrypted`)."""


class EncryptedHtml(_Encrypted, fields.Html):
    """An Html stored as an AES-GCM token of its sanitized value (see :class:`_Encrypted`)."""


def encrypted_fields(registry):
    """(model name, field) of every stored encrypted field of the registry."""
    for model_name in sorted(registry):
        model = registry[model_name]
        if model._abstract or not model._auto:
            continue
        for field in model._fields.values():
            if isinstance(field, _Encrypted) and field.store and field.model_name == model_name:
                yield model_name, field


def rotate_column(cr, keyring, table, column, model_name, field_name, hash_column=None,
                  batch_size=10_000, commit=None, max_batches=None):
    """Re-encrypt under the current key every value of ``table.column`` that is not a token of
    the current key (tokens of older keys, and legacy plaintext, whose keyed hash is written
    too). Works in batches of ``batch_size`` rows, calling ``commit()`` after each one; a run
    stopped halfway resumes where it stopped, since the rows done no longer match. Returns the
    number of values rewritten."""
    keyring.check()
    field_aad = aad(model_name, field_name)
    pattern = keyring.current_prefix + "%"
    table_sql, column_sql = SQL.identifier(table), SQL.identifier(column)
    done = batches = last_id = 0
    while max_batches is None or batches < max_batches:
        # Keyset pagination (id > last): each batch starts where the previous one ended
        # instead of walking again over the rows already done.
        cr.execute(SQL(
            "SELECT id, %s FROM %s WHERE id > %s AND %s IS NOT NULL AND %s <> '' "
            "AND %s NOT LIKE %s ORDER BY id LIMIT %s",
            column_sql, table_sql, last_id, column_sql, column_sql, column_sql, pattern,
            batch_size,
        ))
        rows = cr.fetchall()
        if not rows:
            break
        last_id = rows[-1][0]
        ids, tokens, hashes = [], [], []
        for record_id, stored in rows:
            plaintext = keyring.decrypt(stored, field_aad)
            ids.append(record_id)
            tokens.append(keyring.encrypt(plaintext, field_aad))
            # Plaintext left from before encryption has no keyed hash yet.
            hashes.append(keyring.search_hash(plaintext) if hash_column and not is_token(stored)
                          else None)
        hash_set = SQL(", %s = COALESCE(v.hash, t.%s)", SQL.identifier(hash_column),
                       SQL.identifier(hash_column)) if hash_column else SQL()
        cr.execute(SQL(
            "UPDATE %s AS t SET %s = v.token%s "
            "FROM unnest(%s::int[], %s::varchar[], %s::varchar[]) AS v(id, token, hash) "
            "WHERE t.id = v.id",
            table_sql, column_sql, hash_set, ids, tokens, hashes,
        ))
        done += len(rows)
        batches += 1
        if commit:
            commit()
    return done


def decrypt_column(cr, keyring, table, column, model_name, field_name, batch_size=10_000,
                   commit=None, max_batches=None):
    """Write back as plaintext every token of ``table.column`` (a field no longer marked
    sensitive), in batches like :func:`rotate_column`. Returns the number of values
    rewritten."""
    field_aad = aad(model_name, field_name)
    table_sql, column_sql = SQL.identifier(table), SQL.identifier(column)
    done = batches = last_id = 0
    while max_batches is None or batches < max_batches:
        cr.execute(SQL(
            "SELECT id, %s FROM %s WHERE id > %s AND %s LIKE %s ORDER BY id LIMIT %s",
            column_sql, table_sql, last_id, column_sql, PREFIX + "%", batch_size,
        ))
        rows = cr.fetchall()
        if not rows:
            break
        last_id = rows[-1][0]
        ids = [record_id for record_id, _token in rows]
        plain = [keyring.decrypt(token, field_aad) for _record_id, token in rows]
        cr.execute(SQL(
            "UPDATE %s AS t SET %s = v.plain "
            "FROM unnest(%s::int[], %s::text[]) AS v(id, plain) WHERE t.id = v.id",
            table_sql, column_sql, ids, plain,
        ))
        done += len(rows)
        batches += 1
        if commit:
            commit()
    return done


def rotate_keys(env, batch_size=10_000, commit=None, max_batches=None, log=None, only=None):
    """Bring every encrypted field of the database to its state: the values of the fields
    encrypted now re-encrypted under the current key (see :func:`rotate_column`), those of
    optional fields no longer marked sensitive decrypted (:func:`decrypt_column`); logs one
    ``key_rotation`` entry per field with the count. ``only``: (model name, field name)
    pairs to limit the run to."""
    keyring = Keyring.from_server(env).check()
    total = 0
    for model_name, field in encrypted_fields(env.registry):
        if only is not None and (model_name, field.name) not in only:
            continue
        model = env[model_name]
        model.flush_model()
        if field._encrypting(env):
            count = rotate_column(
                env.cr, keyring, model._table, field.name, model_name, field.name,
                hash_column=field.hash_field, batch_size=batch_size, commit=commit,
                max_batches=max_batches,
            )
            done = f"re-encrypted under key {keyring.current_id}"
        else:
            count = decrypt_column(
                env.cr, keyring, model._table, field.name, model_name, field.name,
                batch_size=batch_size, commit=commit, max_batches=max_batches,
            )
            done = "decrypted (no longer marked sensitive)"
        fnames = [field.name] + ([field.hash_field] if field.hash_field else [])
        model.invalidate_model(fnames)
        if log:
            log(f"{model_name}.{field.name}: {count} values {done}")
        if count:
            env["customer.access.log"]._log(
                "key_rotation", model, fields_=[field.name], count=count,
                reason=f"{count} values {done}",
            )
            if commit:
                commit()
        total += count
    return total
