from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from .common import MANAGER, MARK, OFFICER, USER, KeyAccountCase


@tagged("post_install", "-at_install")
class TestAccess(KeyAccountCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.officer = new_test_user(cls.env, login="ka.officer", groups=OFFICER)
        cls.cf_manager = new_test_user(cls.env, login="ka.manager", groups=MANAGER)
        cls.outsider = new_test_user(cls.env, login="ka.outsider", groups=USER)
        cls.rule.user_ids = [Command.set(cls.anna.ids)]
        cls.customer = cls._customers(1, user_id=cls.bob.id)
        cls.Rule._run_assignment()

    def test_account_manager_sees_key_accounts_and_their_history(self):
        self.assertEqual(self.customer.key_account_manager_id, self.anna)
        Partner = self.env["res.partner"]
        found = Partner.with_user(self.anna).search_read(
            [("ref", "=", MARK)], ["key_account_manager_id", "key_account_since"],
        )
        self.assertEqual([row["id"] for row in found], self.customer.ids,
                         "a key account manager sees their key account (not their salesperson's)")
        self.assertEqual(found[0]["key_account_manager_id"][0], self.anna.id)
        self.assertEqual(Partner.with_user(self.bob).search([("ref", "=", MARK)]), self.customer,
                         "the salesperson keeps seeing the customer")
        self.assertFalse(Partner.with_user(self.outsider).search([("ref", "=", MARK)]))
        History = self.env["customer.key.account.assignment"]
        of_customer = [("partner_id", "=", self.customer.id)]
        for user in (self.anna, self.bob, self.officer):
            self.assertEqual(History.with_user(user).search(of_customer).partner_id,
                             self.customer)
        self.assertFalse(History.with_user(self.outsider).search(of_customer))
        with self.assertRaises(AccessError):
            History.with_user(self.officer).browse(
                History.search([("partner_id", "=", self.customer.id)]).ids
            ).write({"date_to": "2020-01-01"})

    def test_overview_counts_key_accounts_from_their_index(self):
        """The Overview restates the key-account rule on the customer too, so that a
        salesperson's counts stay on the indexes and still count their key accounts."""
        Overview = self.env["customer.file.overview"].with_user(self.anna)
        self.assertFalse(Overview._overview_count_hint().is_true())
        domain = Overview._overview_customers_domain()
        visible = self.env["res.partner"].with_user(self.anna).search(domain)
        self.assertIn(self.customer, visible)
        self.assertEqual(
            self.env["res.partner"].with_user(self.anna).search(
                domain & Overview._overview_count_hint()),
            visible,
        )

    def test_key_account_fields_are_not_written_over_rpc(self):
        other = self._customers(1, user_id=self.anna.id)
        other_rule = self.Rule.create({"name": "Medium value", "value_tier": "medium"})
        for user, partner in ((self.anna, self.customer), (self.cf_manager, other),
                              (self.bob, self.customer)):
            for values in ({"key_account_manager_id": self.carl.id},
                           {"key_account_rule_id": other_rule.id},
                           {"key_account_since": "2020-01-01"}):
                with self.assertRaises(AccessError):
                    partner.with_user(user).write(values)
        with self.assertRaises(AccessError):
            self.customer.with_user(self.anna).write({"key_account_manager_id": False})
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.cf_manager).create({
                "name": "Self-made key account", "key_account_manager_id": self.cf_manager.id,
            })
        self.assertEqual(self.customer.key_account_manager_id, self.anna)
        self.assertFalse(other.key_account_manager_id)

    def test_rules_are_configured_by_managers_and_run_by_officers(self):
        for user in (self.anna, self.officer):
            with self.assertRaises(AccessError):
                self.rule.with_user(user).write({"max_accounts": 5})
            with self.assertRaises(AccessError):
                self.Rule.with_user(user).create({"name": "Mine", "value_tier": "high"})
        self.rule.with_user(self.cf_manager).write({"max_accounts": 5})
        self.assertEqual(self.rule.max_accounts, 5)
        with self.assertRaises(AccessError):
            self.rule.with_user(self.cf_manager).write({"waiting_count": 7})
        with self.assertRaises(AccessError):
            self.Rule.with_user(self.anna).action_assign_now()
        newcomer = self._customers(1)
        action = self.Rule.with_user(self.officer).action_assign_now()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(newcomer.key_account_manager_id, self.anna)


@tagged("post_install", "-at_install")
class TestKeyAccountRpc(HttpCase):
    """The key account fields over the web client's RPC, as the account manager."""

    def test_manager_reads_but_cannot_set_key_account_fields(self):
        anna = new_test_user(self.env, login="ka.rpc.anna", groups=USER)
        carl = new_test_user(self.env, login="ka.rpc.carl", groups=USER)
        self.env["customer.key.account.rule"].create({
            "name": "Marked", "domain": repr([("ref", "=", MARK)]),
            "user_ids": [Command.set(anna.ids)],
        })
        customer = self.env["res.partner"].create(
            {"name": "RPC customer", "customer_rank": 1, "ref": MARK}
        )
        self.env["customer.key.account.rule"]._run_assignment()
        self.authenticate("ka.rpc.anna", "ka.rpc.anna")

        def call(method, *args, **kwargs):
            return self.make_jsonrpc_request(f"/web/dataset/call_kw/res.partner/{method}", {
                "model": "res.partner", "method": method, "args": list(args),
                "kwargs": kwargs,
            })

        rows = call("search_read", [("id", "=", customer.id)],
                    fields=["key_account_manager_id"])
        self.assertEqual(rows[0]["key_account_manager_id"][0], anna.id)
        for values in ({"key_account_manager_id": carl.id}, {"key_account_since": False}):
            with self.assertRaises(JsonRpcException) as caught:
                call("write", [customer.id], values)
            self.assertEqual(str(caught.exception), "odoo.exceptions.AccessError")
        self.assertEqual(customer.key_account_manager_id, anna)
        with self.assertRaises(JsonRpcException) as caught:
            self.make_jsonrpc_request(
                "/web/dataset/call_kw/customer.key.account.rule/action_assign_now",
                {"model": "customer.key.account.rule", "method": "action_assign_now",
                 "args": [[]], "kwargs": {}},
            )
        self.assertEqual(str(caught.exception), "odoo.exceptions.AccessError")
