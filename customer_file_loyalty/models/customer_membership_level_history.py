from odoo import fields, models

REASONS = [("promotion", "Promotion"), ("demotion", "Demotion")]


class CustomerMembershipLevelHistory(models.Model):
    """Every change of a customer's level, as the evaluation made it. Append-only: only the
    evaluation writes it; users have read access only. No log columns: ``date`` is when, the
    evaluation is who, and their foreign keys doubled the cost of writing a million rows."""

    _name = "customer.membership.level.history"
    _description = "Membership Level History"
    _order = "date desc, id desc"
    _rec_name = "partner_id"
    _log_access = False

    partner_id = fields.Many2one("res.partner", string="Customer", required=True,
                                 readonly=True, index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, readonly=True,
                                 ondelete="cascade")
    from_level_id = fields.Many2one("customer.membership.level", readonly=True, ondelete="set null")
    to_level_id = fields.Many2one("customer.membership.level", readonly=True, ondelete="set null")
    date = fields.Date(required=True, readonly=True)
    reason = fields.Selection(REASONS, required=True, readonly=True)
    qualifying_value = fields.Float(readonly=True,
                                    help="Spend or points of the last 12 months that day.")
