import logging

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.access import check_group
from ..tools.encryption import PREFIX, Keyring, encrypted_fields, rotate_keys

PRIVACY_OFFICER = "customer_file.group_customer_file_privacy_officer"
_logger = logging.getLogger(__name__)


class CustomerEncryptedField(models.Model):
    """A field a Privacy Officer marked sensitive: its values are encrypted at rest.

    The fields that can be marked are those declared ``optional`` encrypted fields
    (customer_file/tools/encryption.py): free text that may hold personal data (occupation,
    fault descriptions, interaction notes...). Marking one encrypts what is written from then
    on and, at once, every value already stored; removing the mark writes them back as
    plaintext. The daily key job finishes a conversion interrupted halfway. An encrypted
    field can be searched for being set or empty only, and is neither sorted nor grouped by.
    """

    _name = "customer.encrypted.field"
    _description = "Field Encrypted at Rest"
    _order = "field_key"
    _rec_name = "field_key"

    field_key = fields.Selection(
        selection="_selection_field_key", string="Field", required=True,
        help="The field whose values are stored encrypted (AES-GCM, key of the server "
        "configuration).",
    )
    plaintext_count = fields.Integer(
        string="Values Not Yet Encrypted", compute="_compute_counts",
        help="Values stored before the field was marked and not converted yet: the daily "
        "key job or Encrypt Now converts them.",
    )
    encrypted_count = fields.Integer(string="Encrypted Values", compute="_compute_counts")

    _unique_field = models.UniqueIndex("(field_key)", "This field is already encrypted.")

    @api.model
    def _selection_field_key(self):
        return [
            (f"{model_name}:{field.name}",
             f"{self.env[model_name]._description} / "
             f"{field._description_string(self.env)}")
            for model_name, field in encrypted_fields(self.env.registry) if field.optional
        ]

    @api.model
    @tools.ormcache()
    def _marked_keys(self):
        return frozenset(self.sudo().search_fetch([], ["field_key"]).mapped("field_key"))

    @api.model
    def _is_marked(self, model_name, field_name):
        return f"{model_name}:{field_name}" in self._marked_keys()

    def _pair(self):
        """(model name, field name) of this mark."""
        self.ensure_one()
        model_name, field_name = self.field_key.split(":")
        return model_name, field_name

    def _compute_counts(self):
        for record in self:
            model_name, field_name = record._pair()
            model = self.env[model_name]
            model.flush_model([field_name])
            column = SQL.identifier(field_name)
            encrypted, plain = self.env.execute_query(SQL(
                "SELECT COUNT(*) FILTER (WHERE %s LIKE %s), "
                "COUNT(*) FILTER (WHERE %s NOT LIKE %s AND %s <> '') FROM %s",
                column, PREFIX + "%", column, PREFIX + "%", column,
                SQL.identifier(model._table),
            ))[0]
            record.encrypted_count = encrypted
            record.plaintext_count = plain

    @api.model_create_multi
    def create(self, vals_list):
        # Marking needs the key: without it the values could be neither encrypted nor read.
        Keyring.from_server(self.env).check()
        records = super().create(vals_list)
        self.env.registry.clear_cache()
        records._convert()
        return records

    def write(self, vals):
        if "field_key" in vals:
            raise UserError(self.env._(
                "Remove the mark of this field and mark the other one instead."
            ))
        return super().write(vals)

    def unlink(self):
        Keyring.from_server(self.env).check()
        pairs = {record._pair() for record in self}
        result = super().unlink()
        self.env.registry.clear_cache()
        self._convert_fields(pairs)
        return result

    def action_encrypt_now(self):
        """Convert the values stored before the mark (or left by an interrupted run)."""
        check_group(self.env, PRIVACY_OFFICER)
        self._convert()

    def _convert(self):
        self._convert_fields({record._pair() for record in self})

    def _convert_fields(self, pairs, commit=None):
        if pairs:
            self.env.flush_all()
            rotate_keys(self.env, only=pairs, commit=commit)

    @api.model
    def _cron_convert(self):
        """Finish the conversions: encrypt what marked fields still hold in plaintext and
        decrypt what unmarked ones still hold encrypted, in committed batches (a run stopped
        halfway resumes where it stopped)."""
        pairs = {(model_name, field.name)
                 for model_name, field in encrypted_fields(self.env.registry) if field.optional}
        try:
            Keyring.from_server(self.env).check()
        except UserError as error:
            _logger.warning("Encrypted fields not converted: %s", error)
            return
        self._convert_fields(pairs, commit=self.env.cr.commit)
