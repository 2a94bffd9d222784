from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestInteraction(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice = new_test_user(
            cls.env, login="it_alice", groups="customer_file.group_customer_file_user"
        )
        cls.company = cls.env["res.partner"].create(
            {"name": "Jade Retail", "is_company": True, "user_id": cls.alice.id}
        )
        cls.buyer = cls.env["res.partner"].create({"name": "Wu Min", "parent_id": cls.company.id})
        bob = new_test_user(cls.env, login="it_bob",
                            groups="customer_file.group_customer_file_user")
        cls.stranger = cls.env["res.partner"].create(
            {"name": "Someone else's customer", "user_id": bob.id}
        )

    def test_timeline_counts_the_whole_organisation(self):
        Interaction = self.env["customer.interaction"].with_user(self.alice)
        Interaction.create([
            {"partner_id": self.company.id, "interaction_type": "visit", "summary": "Showroom",
             "date": "2026-10-01 10:00:00"},
            {"partner_id": self.buyer.id, "interaction_type": "social_comment",
             "channel": "weibo", "direction": "inbound", "summary": "Asked about delivery",
             "date": "2026-11-02 09:00:00"},
        ])
        self.assertEqual(self.company.interaction_count, 2)
        self.assertEqual(self.buyer.interaction_count, 2)
        self.assertEqual(str(self.company.last_interaction_date), "2026-11-02 09:00:00")
        timeline = Interaction.search(self.company.action_open_interactions()["domain"])
        self.assertEqual(timeline.mapped("summary"), ["Asked about delivery", "Showroom"])
        self.assertEqual(timeline.filtered("is_social").summary, "Asked about delivery")
        self.assertEqual(timeline[0].user_id, self.alice, "the employee defaults to the author")

    def test_users_cannot_log_on_customers_they_do_not_own(self):
        with self.assertRaises(AccessError):
            self.env["customer.interaction"].with_user(self.alice).create(
                {"partner_id": self.stranger.id, "summary": "Call", "interaction_type": "call"}
            )
