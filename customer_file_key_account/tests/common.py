from contextlib import contextmanager

from odoo.fields import Command
from odoo.tests import new_test_user

from odoo.addons.base.tests.common import BaseCommon

USER = "customer_file.group_customer_file_user"
OFFICER = "customer_file.group_customer_file_officer"
MANAGER = "customer_file.group_customer_file_manager"
MARK = "ka-test"


class KeyAccountCase(BaseCommon):
    """Account managers in and out of a sales team, customers of several value tiers
    marked with a reference of their own, and a rule on the high-value ones."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = f"{USER},sales_team.group_sale_salesman"
        cls.anna, cls.bob, cls.carl = (
            new_test_user(cls.env, login=login, name=name, groups=groups)
            for login, name in (("ka.anna", "Anna"), ("ka.bob", "Bob"), ("ka.carl", "Carl"))
        )
        cls.team = cls.env["crm.team"].create({
            "name": "Key Account Team",
            "crm_team_member_ids": [Command.create({"user_id": user.id})
                                    for user in (cls.anna, cls.bob)],
        })
        cls.Rule = cls.env["customer.key.account.rule"]
        cls.rule = cls.Rule.create({
            "name": "High value",
            "value_tier": "high",
            "domain": repr([("ref", "=", MARK)]),
            "user_ids": [Command.set((cls.anna | cls.bob | cls.carl).ids)],
        })
        cls._count = 0

    @classmethod
    def _customers(cls, count, tier="high", **values):
        partners = cls.env["res.partner"].create([
            {"name": f"Customer {cls._count + n}", "customer_rank": 1, "ref": MARK, **values}
            for n in range(count)
        ])
        cls._count += count
        partners.sudo().write({"value_tier": tier})
        return partners

    @contextmanager
    def _raises(self, exception, text):
        """assertRaises (which rolls the failed operation back) with the message's text."""
        with self.assertRaises(exception) as caught:
            yield
        self.assertIn(text, str(caught.exception))

    def _assign(self):
        return self.Rule._run_assignment()

    def _welcome_calls(self, partners):
        return self.env["mail.activity"].search([
            ("res_model", "=", "res.partner"), ("res_id", "in", partners.ids),
            ("activity_type_id", "=", self.env.ref("mail.mail_activity_data_todo").id),
        ])

    def _history(self, partners):
        return self.env["customer.key.account.assignment"].search(
            [("partner_id", "in", partners.ids)], order="id"
        )
