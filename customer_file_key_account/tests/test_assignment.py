from collections import Counter

from odoo import fields, sql_db
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import MARK, USER, KeyAccountCase


@tagged("post_install", "-at_install")
class TestAssignment(KeyAccountCase):

    def test_rule_takes_its_tier_and_condition_only(self):
        high = self._customers(3)
        medium = self._customers(2, tier="medium")
        unmarked = self._customers(1)
        unmarked.ref = "someone else"
        contact = self.env["res.partner"].create({
            "name": "Contact of a key account", "parent_id": high[0].id, "ref": MARK,
            "customer_rank": 1,
        })
        result = self._assign()
        self.assertEqual(result["assigned"], 3)
        self.assertTrue(all(high.mapped("key_account_manager_id")))
        self.assertEqual(high.key_account_rule_id, self.rule)
        self.assertEqual(set(high.mapped("key_account_since")),
                         {fields.Date.context_today(self.rule)})
        self.assertFalse((medium | unmarked | contact).key_account_manager_id)
        self.assertEqual(self.rule.key_account_count, 3)
        self.assertEqual(self._history(high).mapped("reason"), ["assigned"] * 3)

    def test_new_key_accounts_are_balanced_across_managers(self):
        partners = self._customers(11)
        self._assign()
        loads = Counter(partner.key_account_manager_id.id for partner in partners)
        self.assertEqual(set(loads), set((self.anna | self.bob | self.carl).ids))
        self.assertLessEqual(max(loads.values()) - min(loads.values()), 1)
        # Later customers go to the least loaded managers.
        dora = new_test_user(self.env, login="ka.dora", groups=USER)
        self.rule.user_ids = [Command.link(dora.id)]
        newcomers = self._customers(3)
        self._assign()
        self.assertEqual(newcomers.key_account_manager_id, dora)

    def test_team_members_only(self):
        self.rule.write({"team_id": self.team.id})
        self.assertEqual(self.rule.user_ids, self.anna | self.bob, "the team's members by default")
        with self._raises(ValidationError, "Carl"):
            self.rule.user_ids = [Command.link(self.carl.id)]
        partners = self._customers(4)
        self._assign()
        self.assertEqual(partners.key_account_manager_id, self.anna | self.bob)
        # Bob leaves the team: his key accounts go to Anna, with the reason.
        bobs = partners.filtered(lambda partner: partner.key_account_manager_id == self.bob)
        self.team.crm_team_member_ids.filtered(lambda m: m.user_id == self.bob).unlink()
        result = self._assign()
        self.assertEqual(result["reassigned"], len(bobs))
        self.assertEqual(partners.key_account_manager_id, self.anna)
        ended = self._history(bobs).filtered(lambda log: log.manager_id == self.bob)
        self.assertEqual(set(ended.mapped("end_reason")), {"manager_left"})
        self.assertTrue(all(ended.mapped("date_to")))
        current = self._history(bobs).filtered("is_current")
        self.assertEqual((current.manager_id, set(current.mapped("reason"))),
                         (self.anna, {"manager_left"}))

    def test_maximum_per_manager_leaves_the_rest_waiting(self):
        self.rule.write({"max_accounts": 2, "user_ids": [Command.set((self.anna | self.bob).ids)]})
        partners = self._customers(5)
        result = self._assign()
        self.assertEqual((result["assigned"], result["waiting"]), (4, 1))
        self.assertEqual(self.rule.waiting_count, 1)
        self.assertEqual(Counter(partner.key_account_manager_id.id for partner in partners),
                         {self.anna.id: 2, self.bob.id: 2, False: 1})
        waiting = partners.filtered(lambda partner: not partner.key_account_manager_id)
        self.assertEqual(len(waiting), 1)
        self.assertFalse(self._welcome_calls(waiting))
        notification = self.rule.action_assign_now()
        self.assertEqual(notification["params"]["type"], "warning")
        self.assertIn("1 customers wait for a manager", notification["params"]["message"])
        # Room for one more: the waiting customer gets it.
        self.rule.max_accounts = 3
        self._assign()
        self.assertTrue(waiting.key_account_manager_id)
        self.assertEqual(self.rule.waiting_count, 0)

    def test_key_account_keeps_its_manager_then_is_released(self):
        partner = self._customers(1)
        self._assign()
        manager = partner.key_account_manager_id
        self._customers(6)
        dora = new_test_user(self.env, login="ka.dora", groups=USER)
        self.rule.user_ids = [Command.link(dora.id)]
        result = self._assign()
        self.assertEqual(partner.key_account_manager_id, manager, "kept while qualifying")
        self.assertEqual(result["kept"], 1)
        self.assertEqual(len(self._welcome_calls(partner)), 1, "one welcome call, not one a run")
        partner.sudo().value_tier = "medium"
        result = self._assign()
        self.assertEqual(result["released"], 1)
        self.assertFalse(partner.key_account_manager_id or partner.key_account_rule_id
                         or partner.key_account_since)
        log = self._history(partner)
        self.assertEqual((log.manager_id, log.end_reason, bool(log.date_to)),
                         (manager, "released", True), "the history is kept")

    def test_first_rule_by_sequence_wins(self):
        partners = self._customers(2)
        first = self.Rule.create({
            "name": "Marked customers", "sequence": 1, "domain": repr([("ref", "=", MARK)]),
            "user_ids": [Command.set(self.carl.ids)],
        })
        self._assign()
        self.assertEqual(partners.key_account_rule_id, first)
        self.assertEqual(partners.key_account_manager_id, self.carl)
        # Carl may also manage them under the other rule: archiving the first keeps him.
        first.action_archive()
        self._assign()
        self.assertEqual((partners.key_account_rule_id, partners.key_account_manager_id),
                         (self.rule, self.carl))
        self.assertEqual(len(self._history(partners)), 2, "the same periods go on")
        # A rule before it that Carl is not part of: they move to its manager.
        anna_only = self.Rule.create({
            "name": "Marked, Anna's", "sequence": 0, "domain": repr([("ref", "=", MARK)]),
            "user_ids": [Command.set(self.anna.ids)],
        })
        result = self._assign()
        self.assertEqual(result["reassigned"], 2)
        self.assertEqual((partners.key_account_rule_id, partners.key_account_manager_id),
                         (anna_only, self.anna))
        history = self._history(partners)
        self.assertEqual(set(history.filtered("date_to").mapped("end_reason")), {"reassigned"})
        self.assertEqual(set(history.filtered("is_current").mapped("reason")), {"reassigned"})

    def test_welcome_call_for_the_new_manager_in_their_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.anna.lang, self.bob.lang = "en_US", "zh_CN"
        self.rule.user_ids = [Command.set((self.anna | self.bob).ids)]
        partners = self._customers(2)
        # Already following the first customer (notes only): kept as it is.
        note = self.env.ref("mail.mt_note")
        partners[0].message_subscribe((self.anna | self.bob).partner_id.ids, note.ids)
        self._assign()
        todo = self.env.ref("mail.mail_activity_data_todo")
        for partner in partners:
            call = self._welcome_calls(partner)
            self.assertEqual(len(call), 1)
            self.assertEqual(call.user_id, partner.key_account_manager_id)
            self.assertEqual((call.res_name, call.date_deadline, call.state),
                             (partner.display_name, todo._get_date_deadline(), "planned"))
            self.assertIn(partner.key_account_manager_id.partner_id, partner.message_partner_ids)
            self.assertIn(call, partner.activity_ids)
        self.assertIn("<p>You are now this customer's key account manager",
                      self._welcome_calls(partners[0] | partners[1]).filtered(
                          lambda call: call.user_id == self.anna).note)
        followers = partners.message_follower_ids.filtered(
            lambda follower: follower.partner_id in (self.anna | self.bob).partner_id
        )
        self.assertEqual(len(followers), 3, "no follower twice")
        self.assertEqual(followers.filtered(lambda f: f.res_id == partners[0].id).subtype_ids,
                         note)
        self.assertEqual(followers.filtered(lambda f: f.res_id == partners[1].id).subtype_ids,
                         self.env["mail.message.subtype"].default_subtypes("res.partner")[0])
        summaries = {call.user_id: call.summary for call in self._welcome_calls(partners)}
        self.assertEqual(summaries, {self.anna: "Welcome call", self.bob: "欢迎电话"})
        self.assertFalse(self.env["mail.message"].search([
            ("partner_ids", "in", (self.anna | self.bob).partner_id.ids),
            ("message_type", "=", "user_notification"),
        ]), "no email per key account")

    def test_archived_manager_hands_over_at_once(self):
        partners = self._customers(6)
        self._assign()
        annas = partners.filtered(lambda partner: partner.key_account_manager_id == self.anna)
        self.assertTrue(annas)
        partners.sudo().write({"key_account_since": "2025-01-01"})
        self.anna.action_archive()
        self.assertFalse(partners.key_account_manager_id & self.anna)
        self.assertEqual(len(partners.key_account_manager_id), 2)
        for partner in annas:
            calls = self._welcome_calls(partner)
            self.assertIn(partner.key_account_manager_id, calls.user_id, "a welcome call each")
        self.assertEqual(set(self._history(annas).filtered("is_current").mapped("reason")),
                         {"manager_left"})
        self.assertEqual(set(partners.mapped("key_account_since")),
                         {fields.Date.to_date("2025-01-01")}, "still key accounts since then")
        self.assertEqual(Counter(partner.key_account_manager_id.id for partner in partners),
                         {self.bob.id: 3, self.carl.id: 3})

    def test_audience_must_be_a_valid_non_empty_condition(self):
        with self._raises(ValidationError, "no audience"):
            self.Rule.create({"name": "Everybody", "user_ids": [Command.set(self.anna.ids)]})
        with self._raises(ValidationError, "Bad field"):
            self.Rule.create({"name": "Bad field", "domain": "[('no_such_field', '=', 1)]"})
        with self._raises(ValidationError, "Not a list"):
            self.Rule.create({"name": "Not a list", "domain": "[('name', '=',"})
        # A condition that nobody meets is fine: nobody becomes a key account.
        nobody = self.Rule.create({
            "name": "Nobody", "sequence": 1, "domain": repr([("ref", "=", "no one has this")]),
            "user_ids": [Command.set(self.anna.ids)],
        })
        self._assign()
        self.assertEqual(nobody.key_account_count, 0)
        self.assertEqual(nobody.waiting_count, 0)

    def test_maximum_cannot_be_negative(self):
        with self._raises(ValidationError, "High value cannot be negative"):
            self.rule.max_accounts = -1

    def test_one_assignment_at_a_time(self):
        # Another connection runs an assignment: this one is refused, not run on the same loads.
        with sql_db.db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("SELECT pg_advisory_xact_lock(7301907)")
            with self._raises(UserError, "being assigned right now"):
                self._assign()

    def test_demo_key_accounts(self):
        generator = self.env["customer.file.demo.generator"]
        salespeople = generator._generate_salespeople()
        self.rule.action_archive()
        partners = self._customers(5)
        rule = generator._generate_key_accounts()
        self.assertEqual(partners.key_account_rule_id, rule)
        managers = salespeople.filtered(lambda user: user.login.startswith("cf.demo."))
        self.assertEqual(partners.key_account_manager_id, managers)
        self.assertEqual(len(self._welcome_calls(partners)), 5)
        complaints = self.env["customer.feedback"].search([("partner_id", "in", partners.ids)])
        self.assertEqual(len(complaints), 3)
        self.assertEqual(set(complaints.mapped("priority")), {"2"}, "received as Normal")

    def test_merged_key_account_leaves_one_current_period(self):
        kept, merged = self._customers(2)
        self._assign()
        self.env["base.partner.merge.automatic.wizard"]._merge((kept | merged).ids, kept)
        self.assertFalse(merged.exists())
        history = self._history(kept)
        self.assertEqual(len(history), 2, "the merged customer's history comes along")
        self.assertEqual(len(history.filtered("is_current")), 1)
        self.assertEqual(history.filtered("date_to").end_reason, "released")
        self.assertEqual(history.filtered("is_current").manager_id, kept.key_account_manager_id)

    def test_manager_taken_out_of_a_rule_hands_over_at_once(self):
        partners = self._customers(6)
        self._assign()
        annas = partners.filtered(lambda partner: partner.key_account_manager_id == self.anna)
        others = partners - annas
        kept = {partner: partner.key_account_manager_id for partner in others}
        calls_before = self._welcome_calls(partners)
        self.rule.user_ids = [Command.unlink(self.anna.id)]
        self.assertFalse(partners.key_account_manager_id & self.anna)
        self.assertEqual({partner: partner.key_account_manager_id for partner in others}, kept,
                         "the other managers keep theirs")
        self.assertEqual(annas.key_account_rule_id, self.rule)
        new_calls = self._welcome_calls(partners) - calls_before
        self.assertEqual(sorted(new_calls.mapped("res_id")), sorted(annas.ids))
        for call in new_calls:
            self.assertEqual(call.user_id,
                             self.env["res.partner"].browse(call.res_id).key_account_manager_id)
        current = self._history(annas).filtered("is_current")
        self.assertEqual(set(current.mapped("reason")), {"manager_left"})
        self.assertNotIn(self.anna, current.manager_id)
        # A team set on the rule takes its managers out too (Carl is not a member).
        carls = partners.filtered(lambda partner: partner.key_account_manager_id == self.carl)
        self.assertTrue(carls)
        self.rule.team_id = self.team
        self.assertEqual(self.rule.user_ids, self.anna | self.bob)
        self.assertEqual(carls.key_account_manager_id & self.carl, self.env["res.users"])
        self.assertEqual(partners.key_account_manager_id, self.anna | self.bob)

    def test_archived_rule_hands_over_or_releases_at_once(self):
        partners = self._customers(4)
        first = self.Rule.create({
            "name": "Marked, Dora's", "sequence": 1, "domain": repr([("ref", "=", MARK)]),
            "user_ids": [Command.set(new_test_user(self.env, login="ka.dora", groups=USER).ids)],
        })
        self._assign()
        self.assertEqual(partners.key_account_rule_id, first)
        first.action_archive()
        # The next rule takes them now, its managers welcome them.
        self.assertEqual(partners.key_account_rule_id, self.rule)
        self.assertEqual(len(partners.key_account_manager_id), 3)
        self.assertEqual(
            {(call.res_id, call.user_id) for call in self._welcome_calls(partners)
             if call.user_id != first.user_ids},
            {(partner.id, partner.key_account_manager_id) for partner in partners},
        )
        self.assertEqual(set(self._history(partners).filtered("date_to").mapped("end_reason")),
                         {"manager_left"})
        # No rule left for them: released at once, the history kept.
        self.rule.action_archive()
        self.assertFalse(partners.key_account_manager_id or partners.key_account_rule_id)
        self.assertFalse(self._history(partners).filtered("is_current"))
        self.assertEqual(len(self._history(partners)), 8)

    def test_deleted_rule_hands_over_at_once(self):
        partners = self._customers(3)
        first = self.Rule.create({
            "name": "Marked, Anna's", "sequence": 1, "domain": repr([("ref", "=", MARK)]),
            "user_ids": [Command.set(self.anna.ids)],
        })
        self._assign()
        self.assertEqual(partners.key_account_manager_id, self.anna)
        first.unlink()
        # Anna also manages the next rule's key accounts: she keeps them, under that rule.
        self.assertEqual((partners.key_account_rule_id, partners.key_account_manager_id),
                         (self.rule, self.anna))
        self.assertEqual(self._history(partners).rule_id, self.rule)
        self.assertEqual(len(self._history(partners).filtered("is_current")), 3)
        self.rule.unlink()
        self.assertFalse(partners.key_account_manager_id)
        self.assertEqual(set(self._history(partners).mapped("end_reason")), {"released"})

    def _hand_over_queries(self, count, mark):
        """Queries to archive a manager of ``count`` key accounts, flushed."""
        leaving, taking = (new_test_user(self.env, login=f"{mark}.{n}", groups=USER)
                           for n in (1, 2))
        rule = self.Rule.create({
            "name": mark, "domain": repr([("ref", "=", mark)]),
            "user_ids": [Command.set(leaving.ids)],
        })
        partners = self._customers(count, ref=mark)
        self._assign()
        rule.user_ids = [Command.link(taking.id)]
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        leaving.action_archive()
        self.env.flush_all()
        queries = self.env.cr.sql_log_count - before
        self.assertEqual(partners.key_account_manager_id, taking)
        self.assertEqual(set(self._welcome_calls(partners).filtered("active").mapped("res_name")),
                         set(partners.mapped("display_name")))
        return queries

    def test_hand_over_queries_do_not_grow_with_the_key_accounts(self):
        few = self._hand_over_queries(2, "ka-few")
        many = self._hand_over_queries(60, "ka-many")
        self.assertLessEqual(many, few + 3, "no query per key account")

    def _activity_name_queries(self, count):
        """Queries to compute the document names of activities on ``count`` customers."""
        partners = self._customers(count)
        activities = self.env["mail.activity"].create([{
            "res_model_id": self.env["ir.model"]._get_id("res.partner"),
            "res_id": partner.id, "summary": "Call", "user_id": self.anna.id,
        } for partner in partners])
        self.env.flush_all()
        self.env.invalidate_all()
        self.env.add_to_compute(activities._fields["res_name"], activities)
        before = self.env.cr.sql_log_count
        activities.flush_recordset(["res_name"])
        queries = self.env.cr.sql_log_count - before
        self.assertEqual(activities.mapped("res_name"), partners.mapped("display_name"))
        return queries

    def test_activity_document_names_are_read_together(self):
        few, many = self._activity_name_queries(2), self._activity_name_queries(40)
        self.assertLessEqual(many, few + 1, "no query per activity")
