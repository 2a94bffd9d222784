from odoo import fields, models

REASONS = [
    ("assigned", "Assigned"),
    ("reassigned", "Reassigned"),
    ("manager_left", "Manager Left"),
    ("released", "Released"),
]


class CustomerKeyAccountAssignment(models.Model):
    """One period of a customer with one key account manager: the history of key accounts.
    Written by the assignment only (see customer.key.account.rule)."""

    _name = "customer.key.account.assignment"
    _description = "Key Account Assignment"
    _order = "date_from desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True,
                                 readonly=True, index=True, ondelete="cascade")
    manager_id = fields.Many2one("res.users", string="Account Manager", readonly=True,
                                 index=True, ondelete="set null")
    rule_id = fields.Many2one("customer.key.account.rule", readonly=True, ondelete="set null")
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    date_from = fields.Date(string="From", required=True, readonly=True)
    date_to = fields.Date(string="To", readonly=True,
                          help="Empty while the manager still manages the customer.")
    reason = fields.Selection(REASONS, string="Why Assigned", required=True, readonly=True)
    end_reason = fields.Selection(REASONS, string="Why Ended", readonly=True)
    is_current = fields.Boolean(string="Current", compute="_compute_is_current",
                                search="_search_is_current")

    def _compute_is_current(self):
        for assignment in self:
            assignment.is_current = not assignment.date_to

    def _search_is_current(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        return [("date_to", "=" if (operator == "=") == value else "!=", False)]
