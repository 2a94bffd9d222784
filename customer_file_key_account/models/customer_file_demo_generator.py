from odoo import api, models
from odoo.fields import Command


class CustomerFileDemoGenerator(models.AbstractModel):
    _inherit = "customer.file.demo.generator"

    @api.model
    def _generate_key_accounts(self):
        """High-value customers (the tiers the segmentation's demo run computed) are key
        accounts of the two demo salespeople, balanced as the nightly job does. Three of
        them complain today: received as Normal, their complaints become High."""
        managers = self.env["res.users"].search(
            [("login", "in", ["cf.demo.wang", "cf.demo.smith"])]
        )
        rule = self.env["customer.key.account.rule"].create({
            "name": self.env._("Key accounts: high value"),
            "value_tier": "high",
            "user_ids": [Command.set(managers.ids)],
        })
        self.env["customer.key.account.rule"]._run_assignment()
        key_accounts = self.env["res.partner"].search(
            [("key_account_rule_id", "=", rule.id)], order="id", limit=3,
        )
        self.env["customer.feedback"].create([{
            "partner_id": partner.id,
            "user_id": partner.key_account_manager_id.id,
            "feedback_type": "complaint",
            "channel": "phone",
            "priority": "1",
            "summary": summary,
        } for partner, summary in zip(key_accounts, (
            "配送延迟了三天", "Invoice sent to the wrong address", "安装师傅没有按约上门",
        ), strict=False)])
        return rule
