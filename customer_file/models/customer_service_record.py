from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools.encryption import EncryptedText
from ..tools.job_fields import check_job_fields

SERVICE_STATES = [("received", "Received"), ("in_progress", "In Progress"), ("done", "Done"),
                  ("cancelled", "Cancelled")]
# The states a record may come from, by the state an action moves it to.
SERVICE_TRANSITIONS = {
    "in_progress": ("received",),
    "done": ("received", "in_progress"),
    "cancelled": ("received", "in_progress"),
    "received": ("done", "cancelled"),
}


class CustomerServiceRecord(models.Model):
    """An after-sales service job: a repair, a replacement, a refund or advice."""

    _name = "customer.service.record"
    _description = "After-sales Service Record"
    _inherit = ["customer.file.record", "mail.thread", "mail.activity.mixin"]
    _order = "received_date desc, id desc"

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/", index=True
    )
    owned_product_id = fields.Many2one("customer.owned.product", index=True, tracking=True)
    partner_id = fields.Many2one(
        compute="_compute_partner_id", store=True, readonly=False, precompute=True, tracking=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    received_date = fields.Date(required=True, default=fields.Date.context_today, tracking=True)
    returned_date = fields.Date(tracking=True)
    fault_category_id = fields.Many2one("customer.fault.category", tracking=True)
    # Encrypted at rest while a Privacy Officer has them marked sensitive.
    fault_description = EncryptedText(optional=True)
    method = fields.Selection(
        [("repair", "Repair"), ("replace", "Replace"), ("refund", "Refund"),
         ("advice", "Advice")],
        required=True, default="repair", tracking=True,
    )
    hours_spent = fields.Float()
    cost = fields.Monetary(string="Cost to Us", currency_field="currency_id")
    price = fields.Monetary(string="Price Charged", currency_field="currency_id")
    technician_id = fields.Many2one("res.users", default=lambda self: self.env.user, tracking=True)
    outcome = EncryptedText(optional=True)
    under_warranty = fields.Boolean(related="owned_product_id.under_warranty")
    state = fields.Selection(
        SERVICE_STATES, required=True, default="received", readonly=True, tracking=True,
        help="Moved by the buttons of the record only.",
    )

    _amounts_positive = models.Constraint(
        "CHECK(COALESCE(hours_spent, 0) >= 0 AND COALESCE(cost, 0) >= 0"
        " AND COALESCE(price, 0) >= 0)",
        "Hours, cost and price of a service record cannot be negative.",
    )
    _returned_after_received = models.Constraint(
        "CHECK(returned_date IS NULL OR returned_date >= received_date)",
        "A product cannot be returned to the customer before it was received.",
    )

    @api.depends("owned_product_id")
    def _compute_partner_id(self):
        for record in self:
            if record.owned_product_id:
                record.partner_id = record.owned_product_id.partner_id

    @api.constrains("owned_product_id", "partner_id")
    def _check_owned_product_belongs_to_customer(self):
        for record in self:
            owner = record.owned_product_id.commercial_partner_id
            if owner and owner != record.partner_id.commercial_partner_id:
                raise ValidationError(self.env._(
                    "%(product)s belongs to %(owner)s, not to %(customer)s.",
                    product=record.owned_product_id.display_name, owner=owner.display_name,
                    customer=record.partner_id.display_name,
                ))

    @api.model_create_multi
    def create(self, vals_list):
        check_job_fields(self, vals_list, {"state"})
        sequence = self.env["ir.sequence"]
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = sequence.next_by_code("customer.service.record") or "/"
        return super().create(vals_list)

    def write(self, vals):
        check_job_fields(self, [vals], {"state"})
        return super().write(vals)

    def action_start(self):
        self._move_to("in_progress")

    def action_done(self):
        self._move_to("done")

    def action_cancel(self):
        self._move_to("cancelled")

    def action_reset(self):
        self._move_to("received")

    def _move_to(self, state):
        self.check_access("write")
        labels = dict(SERVICE_STATES)
        for record in self:
            if record.state not in SERVICE_TRANSITIONS[state]:
                raise UserError(self.env._(
                    "%(record)s is %(current)s: it cannot be moved to %(state)s.",
                    record=record.name, current=labels[record.state], state=labels[state],
                ))
            values = {"state": state}
            if state == "done" and not record.returned_date:
                values["returned_date"] = fields.Date.context_today(record)
            record.sudo().write(values)
