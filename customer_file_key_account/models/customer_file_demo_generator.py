from odoo import api, models
from odoo.fields import Command


class CustomerFileDemoGenerator(models.AbstractModel):
    _inherit = "customer.file.demo.generator"

    @api.model
    def _generate_key_accounts(self):
        """High-value customers (the tiers the segmentation's demo run computed) are key
        accounts of the two demo salespeople, balanced as the nightly job does."""
        managers = self.env["res.users"].search(
            [("login", "in", ["cf.demo.wang", "cf.demo.smith"])]
        )
        rule = self.env["customer.key.account.rule"].create({
            "name": self.env._("Key accounts: high value"),
            "value_tier": "high",
            "user_ids": [Command.set(managers.ids)],
        })
        self.env["customer.key.account.rule"]._run_assignment()
        return rule
