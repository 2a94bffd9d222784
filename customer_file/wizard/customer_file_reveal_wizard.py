from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools.access import check_group

USER = "customer_file.group_customer_file_user"
# What may be revealed, by model: the values users outside Sensitive Data see masked.
REVEALABLE_FIELDS = {
    "res.partner": ("phone", "email", "birthdate", "identity_document_number"),
    "customer.contact.point": ("value",),
}
MIN_REASON_WORDS = 3
MIN_REASON_CHARS = 10


class CustomerFileRevealWizard(models.TransientModel):
    """Shows one masked value of a customer once, for a reason that goes to the access log.

    The plain value is never stored on the wizard: ``action_reveal`` returns it in the
    notification it opens, in the same request that logs the reason.
    """

    _name = "customer.file.reveal.wizard"
    _description = "Reveal a Masked Customer Value"

    res_model = fields.Char(string="Model", required=True, readonly=True)
    res_id = fields.Integer(string="Record", required=True, readonly=True)
    field_name = fields.Char(string="Field", required=True, readonly=True)
    field_label = fields.Char(string="Value", compute="_compute_field_label")
    record_name = fields.Char(string="Of", compute="_compute_field_label")
    reason = fields.Text(
        required=True,
        help="Why you need the plain value: it is written to the customer data access log.",
    )

    @api.depends("res_model", "res_id", "field_name")
    def _compute_field_label(self):
        for wizard in self:
            model = self.env.get(wizard.res_model) if wizard.res_model else None
            if model is None or wizard.field_name not in model._fields:
                wizard.field_label = wizard.record_name = False
                continue
            wizard.field_label = model._fields[wizard.field_name]._description_string(self.env)
            record = model.browse(wizard.res_id)
            wizard.record_name = record.display_name if record.has_access("read") else False

    @api.model
    def _action_open(self, record, field_name):
        """The wizard's window action to reveal ``field_name`` of ``record``."""
        self._target(record._name, record.id, field_name)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reveal"),
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_res_model": record._name,
                "default_res_id": record.id,
                "default_field_name": field_name,
            },
        }

    @api.model
    def _target(self, res_model, res_id, field_name):
        """The record whose field may be revealed to the user; raise otherwise."""
        check_group(self.env, USER)
        if field_name not in REVEALABLE_FIELDS.get(res_model, ()):
            raise UserError(self.env._("This value cannot be revealed."))
        record = self.env[res_model].browse(res_id).exists()
        if not record:
            raise UserError(self.env._("The record to reveal no longer exists."))
        record.check_access("read")
        return record

    def action_reveal(self):
        """Log the reason, then show the plain value once (in the returned notification)."""
        self.ensure_one()
        record = self._target(self.res_model, self.res_id, self.field_name)
        reason = (self.reason or "").strip()
        if len(reason.split()) < MIN_REASON_WORDS or len(reason) < MIN_REASON_CHARS:
            raise UserError(self.env._(
                "Say in a few words (at least %(words)s) why you need this value: the reason "
                "goes to the access log.", words=MIN_REASON_WORDS,
            ))
        self.env["customer.access.log"]._log(
            "reveal", record, fields_=(self.field_name,), reason=reason,
        )
        field = record._fields[self.field_name]
        value = record.sudo()[self.field_name]
        plain = field.convert_to_display_name(value, record) if value else ""
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("%(field)s of %(record)s", field=self.field_label,
                                    record=self.record_name),
                "message": plain or self.env._("(empty)"),
                "sticky": True,
                "type": "warning",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
