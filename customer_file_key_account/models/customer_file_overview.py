from odoo import api, models
from odoo.fields import Domain


class CustomerFileOverview(models.AbstractModel):
    _inherit = "customer.file.overview"

    @api.model
    def _overview_rule_hints(self):
        owners = self.env.user.customer_file_owner_ids.ids
        return {
            **super()._overview_rule_hints(),
            self.env.ref("customer_file_key_account.rule_res_partner_key_account_user"):
                Domain("key_account_manager_id", "in", owners)
                & Domain("commercial_partner_id", "any!",
                         [("key_account_manager_id", "in", owners)]),
        }
