from odoo import models


class ResUsers(models.Model):
    _inherit = "res.users"

    def write(self, vals):
        leaving = self.filtered("active") if "active" in vals and not vals["active"] else None
        result = super().write(vals)
        if leaving:
            leaving._hand_over_key_accounts()
        return result

    def _hand_over_key_accounts(self):
        """Give the key accounts of these users to the other managers of their rules."""
        partner_ids = self.env["res.partner"].sudo()._search(
            [("key_account_manager_id", "in", self.ids)]
        )
        partner_ids = list(partner_ids)
        if partner_ids:
            self.env["customer.key.account.rule"].sudo()._run_assignment(
                partner_ids=partner_ids, leaving_user_ids=self.ids,
            )
