from odoo import api, fields, models
from odoo.exceptions import UserError

ACCESS_LOG_ACTIONS = [
    ("reveal", "Reveal"),
    ("export", "Export"),
    ("print", "Print"),
    ("bulk_read", "Bulk read"),
    ("subject_export", "Data-subject export"),
    ("subject_erasure", "Data-subject erasure"),
    ("consent_change", "Consent change"),
    ("key_rotation", "Key rotation"),
]


class CustomerAccessLog(models.Model):
    """Who saw or changed which personal data of a customer, when and why.

    Append-only for everybody, the administrator included: entries are created by the code
    that reveals, exports, prints, erases or changes consent (``_log``), and can be neither
    edited nor deleted through the ORM. Privacy Officers read them.
    """

    _name = "customer.access.log"
    _description = "Customer Data Access Log"
    _order = "id desc"
    _rec_name = "action"

    user_id = fields.Many2one("res.users", required=True, readonly=True,
                              index=True, ondelete="restrict")
    action = fields.Selection(ACCESS_LOG_ACTIONS, required=True, readonly=True, index=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True,
                                 index="btree_not_null", ondelete="set null")
    res_model = fields.Char(string="Model", readonly=True)
    res_ids = fields.Char(string="Record IDs", readonly=True,
                          help="The records concerned, the first 100 of them.")
    record_count = fields.Integer(string="Records", readonly=True)
    field_names = fields.Char(string="Fields", readonly=True)
    reason = fields.Text(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True)

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(self.env._("The access log is append-only: its entries cannot be "
                                   "changed."))

    def unlink(self):  # pylint: disable=method-required-super
        raise UserError(self.env._("The access log is append-only: its entries cannot be "
                                   "deleted."))

    @api.model
    def _log(self, action, records=None, fields_=(), reason=None, partner=None, count=None):
        """Append one entry: ``action`` of the current user on ``records`` (a recordset,
        its model and ids are kept), for ``partner`` (else the commercial partner of the
        records when they have one)."""
        records = records if records is not None else self.env["res.partner"].browse()
        if partner is None:
            partner = self.env["res.partner"]
            if records._name == "res.partner" and len(records) == 1:
                partner = records.commercial_partner_id.sudo()
            elif "commercial_partner_id" in records._fields and len(records) == 1:
                partner = records.sudo().commercial_partner_id
        return self.sudo().create({
            "user_id": self.env.uid,
            "action": action,
            "partner_id": partner[:1].id,
            "res_model": records._name if records else False,
            "res_ids": ",".join(str(record_id) for record_id in records.ids[:100]) or False,
            "record_count": len(records) if count is None else count,
            "field_names": ", ".join(fields_) or False,
            "reason": reason,
            "company_id": self.env.company.id,
        })
