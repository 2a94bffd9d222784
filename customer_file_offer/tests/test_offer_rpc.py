from odoo.fields import Command
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestOfferRpc(HttpCase):
    """What a salesperson may do to campaigns and members over the web client's RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(cls.env, login="offer_rpc_salesman", password="offer_rpc_1",
                                     groups="customer_file.group_customer_file_user")
        customer = cls.env["res.partner"].create({
            "name": "RPC Customer", "email": "rpc.customer@example.com", "customer_rank": 1,
            "user_id": cls.salesman.id,
        })
        cls.env["customer.consent.event"]._record(
            customer, "marketing", "email", "granted", source="import"
        )
        program = cls.env["loyalty.program"].create({
            "name": "RPC coupons", "program_type": "coupons", "trigger": "with_code",
            "reward_ids": [Command.create({"reward_type": "discount", "discount": 5,
                                           "required_points": 1})],
        })
        cls.campaign = cls.env["customer.offer.campaign"].create({
            "name": "RPC offer", "program_id": program.id, "control_percent": 0.0,
            "audience_domain": f"[('id', '=', {customer.id})]",
        })
        cls.draft = cls.env["customer.offer.campaign"].create({
            "name": "RPC draft", "program_id": program.id,
            "audience_domain": f"[('id', '=', {customer.id})]",
        })
        cls.campaign.action_launch()
        cls.member = cls.campaign.member_ids

    def _call(self, model, method, args):
        return self.make_jsonrpc_request(f"/web/dataset/call_kw/{model}/{method}", {
            "model": model, "method": method, "args": args, "kwargs": {},
        })

    def test_salesperson_reads_but_cannot_launch_or_write(self):
        self.authenticate("offer_rpc_salesman", "offer_rpc_1")
        rows = self._call("customer.offer.member", "search_read",
                          [[("campaign_id", "=", self.campaign.id)], ["partner_id", "cohort"]])
        self.assertEqual([row["id"] for row in rows], self.member.ids)
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self._call("customer.offer.campaign", "action_launch", [self.draft.ids])
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self._call("customer.offer.member", "write", [self.member.ids, {"spend": 999}])
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self._call("customer.offer.campaign", "write",
                       [self.campaign.ids, {"treated_count": 5}])
        self.assertEqual(self.draft.state, "draft")
        self.assertEqual(self.member.spend, 0)
        self.assertEqual(self.campaign.treated_count, 1)
