from odoo import api, fields, models

USER = "customer_file.group_customer_file_user"


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Not the salesperson (user_id): see readme/DESCRIPTION.md.
    key_account_manager_id = fields.Many2one(
        "res.users", readonly=True, copy=False,
        index="btree_not_null", ondelete="set null", groups=USER,
        help="Set by the key account rules: the person who looks after this customer's "
        "relationship.",
    )
    key_account_rule_id = fields.Many2one(
        "customer.key.account.rule", readonly=True, copy=False,
        ondelete="set null", groups=USER,
    )
    key_account_since = fields.Date(
        readonly=True, copy=False, groups=USER,
        help="When the customer became a key account; a new manager does not change it.",
    )
    key_account_assignment_ids = fields.One2many(
        "customer.key.account.assignment", "partner_id", string="Key Account History",
        groups=USER,
    )

    @api.model
    def _job_fields(self):
        return super()._job_fields() | {
            "key_account_manager_id", "key_account_rule_id", "key_account_since",
            "key_account_assignment_ids",
        }
