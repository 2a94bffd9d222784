from datetime import date, timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import FeedbackCase


@tagged("post_install", "-at_install")
class TestImprovementMeasure(FeedbackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Measure = cls.env["customer.improvement.measure"]
        cls.store = cls._customer("Sun Store", is_company=True)
        cls.buyer = cls.env["res.partner"].create({"name": "Sun Buyer", "parent_id": cls.store.id})
        cls.other = cls._customer("Liu Yang")
        cls.bystander = cls._customer("Not Affected")
        # The complaints the measure answers, before it was implemented on 2026-06-01.
        cls.complaint_store = cls._complaint(
            cls.buyer, csat_score="2", feedback_date="2026-05-10 10:00:00")       # 25
        cls.complaint_other = cls._complaint(
            cls.other, csat_score="3", feedback_date="2026-05-20 10:00:00")       # 50
        # Other scored feedback of the affected customers, inside the 90-day windows
        cls._feedback(cls.store, csat_score="2", feedback_date="2026-04-01 10:00:00")    # 25
        cls._feedback(cls.store, csat_score="4", feedback_date="2026-06-01 09:00:00")    # 75
        cls._feedback(cls.buyer, csat_score="5", feedback_date="2026-07-15 10:00:00")    # 100
        cls._feedback(cls.other, csat_score="4", feedback_date="2026-08-20 10:00:00")    # 75
        # Not counted: outside the windows, unscored, or another customer's
        cls._feedback(cls.store, csat_score="1", feedback_date="2026-02-01 10:00:00")
        cls._feedback(cls.store, csat_score="1", feedback_date="2026-09-15 10:00:00")
        cls._feedback(cls.other, feedback_date="2026-07-01 10:00:00")
        cls._feedback(cls.bystander, csat_score="1", feedback_date="2026-07-01 10:00:00")

    def _measure(self, **vals):
        return self.Measure.create({
            "name": "Call back within a day",
            "feedback_ids": [(6, 0, (self.complaint_store | self.complaint_other).ids)],
            "state": "done",
            "done_date": "2026-06-01",
            **vals,
        })

    def test_affected_customers_are_commercial_entities(self):
        measure = self._measure()
        self.assertEqual(measure.partner_ids, self.store | self.other)
        self.assertEqual(measure.feedback_count, 2)

    def test_satisfaction_before_and_after(self):
        measure = self._measure()
        # before: 25 (linked complaint), 50 (linked complaint), 25 -> 33.3
        # after: 75 (the implementation day counts as after), 100, 75 -> 83.3
        self.assertEqual((measure.responses_before, measure.responses_after), (3, 3))
        self.assertAlmostEqual(measure.satisfaction_before, 100 / 3, places=1)
        self.assertAlmostEqual(measure.satisfaction_after, 250 / 3, places=1)
        self.assertAlmostEqual(measure.satisfaction_change, 50.0)
        self.assertEqual(measure.effect, "improved")

    def test_window_length(self):
        measure = self._measure(evaluation_days=150)
        # the February and September scores (0) now count on each side
        self.assertEqual((measure.responses_before, measure.responses_after), (4, 4))
        self.assertAlmostEqual(measure.satisfaction_before, 25.0)
        self.assertAlmostEqual(measure.satisfaction_after, 62.5)

    def test_not_enough_data(self):
        measure = self._measure(evaluation_min_responses=4)
        self.assertEqual(measure.effect, "not_enough_data")
        self.assertAlmostEqual(measure.satisfaction_change, 50.0, msg="figures still shown")
        pending = self._measure(state="in_progress", done_date=False)
        self.assertEqual(pending.effect, "not_enough_data")
        self.assertEqual((pending.responses_before, pending.responses_after), (0, 0))
        empty = self.Measure.create({"name": "Nothing behind it", "done_date": "2026-06-01"})
        self.assertEqual(empty.effect, "not_enough_data")

    def test_worse_and_unchanged(self):
        customer = self._customer("Gao Min")
        complaint = self._complaint(customer, nps_score="8", feedback_date="2026-03-01 10:00:00")
        self._feedback(customer, nps_score="6", feedback_date="2026-03-20 10:00:00")
        self._feedback(customer, nps_score="2", feedback_date="2026-04-10 10:00:00")
        worse = self.Measure.create({
            "name": "New supplier", "feedback_ids": [(6, 0, complaint.ids)],
            "done_date": "2026-04-01", "evaluation_min_responses": 1,
        })
        # before: 80, 60 = 70; after: 20
        self.assertEqual(worse.effect, "worse")
        self.assertAlmostEqual(worse.satisfaction_change, -50.0)
        self._feedback(customer, nps_score="10", feedback_date="2026-04-20 10:00:00")
        self._feedback(customer, nps_score="10", feedback_date="2026-04-21 10:00:00")
        worse.invalidate_recordset()
        # after: 20, 100, 100 = 73.3, within 5 points of 70
        self.assertEqual(worse.effect, "unchanged")

    def test_evaluation_of_many_measures_in_one_query(self):
        measures = self._measure() | self._measure(evaluation_days=150) | self._measure(
            done_date=False)
        measures.invalidate_recordset()
        measures.mapped("feedback_ids.commercial_partner_id")
        measures.mapped("evaluation_days")
        with self.assertQueryCount(1):
            self.assertEqual(measures.mapped("responses_before"), [3, 4, 0])

    def test_workflow(self):
        measure = self.Measure.create({"name": "Train the staff"})
        self.assertEqual(measure.state, "planned")
        measure.action_start()
        self.assertEqual(measure.state, "in_progress")
        measure.action_done()
        self.assertEqual(measure.state, "done")
        self.assertEqual(measure.done_date, fields.Date.context_today(measure))
        with self.assertRaises(UserError):
            measure.action_start()
        measure.action_reset_to_planned()
        self.assertFalse(measure.done_date)
        dated = self.Measure.create({"name": "Dated", "done_date": "2026-05-05"})
        dated.action_done()
        self.assertEqual(dated.done_date, date(2026, 5, 5), "a given date is kept")
        dated.action_reset_to_planned()
        dated.action_cancel()
        self.assertEqual(dated.state, "cancelled")

    def test_overdue(self):
        today = fields.Date.context_today(self.Measure)
        late = self.Measure.create({"name": "Late", "due_date": today - timedelta(days=1)})
        done = self.Measure.create({"name": "Done late", "due_date": today - timedelta(days=1),
                                    "state": "done"})
        upcoming = self.Measure.create({"name": "Upcoming", "due_date": today + timedelta(days=1)})
        self.assertEqual((late | done | upcoming).mapped("is_overdue"), [True, False, False])
        ids = (late | done | upcoming).ids
        self.assertEqual(self.Measure.search([("id", "in", ids), ("is_overdue", "=", True)]), late)
        self.assertEqual(self.Measure.search([("id", "in", ids), ("is_overdue", "=", False)]),
                         done | upcoming)

    def test_officer_creates_a_measure_from_feedback(self):
        feedback = self.complaint_store | self.complaint_other
        server_action = self.env.ref(
            "customer_file_feedback.action_server_customer_feedback_create_measure"
        )
        action = server_action.with_user(self.leader).with_context(
            active_model="customer.feedback", active_ids=feedback.ids, active_id=feedback[0].id,
        ).run()
        self.assertEqual(action["res_model"], "customer.improvement.measure")
        measure = self.Measure.with_user(self.leader).with_context(**action["context"]).create({})
        self.assertEqual(measure.feedback_ids, feedback)
        self.assertEqual(measure.user_id, self.leader)
        self.assertTrue(measure.name)
        self.assertEqual(feedback.measure_ids, measure)
        single = self.Measure._action_create_from_feedback(self.complaint_store)
        self.assertIn("Late delivery", single["context"]["default_name"])

    def test_user_reads_but_cannot_create_measures(self):
        measure = self._measure()
        as_user = self.Measure.with_user(self.salesperson)
        self.assertEqual(as_user.browse(measure.id).name, "Call back within a day")
        with self.assertRaises(AccessError):
            as_user.create({"name": "Not allowed"})
        with self.assertRaises(AccessError):
            measure.with_user(self.salesperson).write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            as_user._action_create_from_feedback(self.complaint_store)
        server_action = self.env.ref(
            "customer_file_feedback.action_server_customer_feedback_create_measure"
        )
        self.assertNotIn(self.salesperson, server_action.group_ids.all_user_ids)
        self.assertIn(self.leader, server_action.group_ids.all_user_ids)

    def test_user_sees_only_the_affected_customers_they_may_read(self):
        """A measure answering complaints of several teams' customers opens for a
        salesperson of one of them, listing only their own customers."""
        stranger = new_test_user(self.env, login="fb_measure_stranger",
                                 groups="customer_file.group_customer_file_user")
        foreign = self._customer("Another Team's Customer", user=stranger)
        measure = self._measure(feedback_ids=[(6, 0, (self.complaint_store
                                                       | self._complaint(foreign)).ids)])
        as_user = measure.with_user(self.salesperson)
        self.assertEqual(as_user.read(["partner_ids"])[0]["partner_ids"], self.store.ids)
        self.assertEqual(measure.with_user(stranger).partner_ids, foreign)
        self.assertEqual(measure.partner_ids, self.store | foreign)

    def test_officer_manages_and_manager_deletes(self):
        manager = new_test_user(
            self.env, login="fb_measure_manager", groups="customer_file.group_customer_file_manager"
        )
        measure = self.Measure.with_user(self.leader).create({"name": "Officer's measure"})
        measure.action_start()
        with self.assertRaises(AccessError):
            measure.unlink()
        measure.with_user(manager).unlink()
        self.assertFalse(measure.exists())

    def test_views_load(self):
        for user in (self.salesperson, self.leader):
            views = self.Measure.with_user(user).get_views(
                [(False, "list"), (False, "form"), (False, "kanban"), (False, "search")]
            )["views"]
            self.assertIn('name="effect"', views["form"]["arch"])

    def test_state_moves_only_through_the_actions(self):
        Measure = self.Measure.with_user(self.leader)
        with self.assertRaises(AccessError):
            Measure.create({"name": "Done already", "state": "done"})
        measure = Measure.create({"name": "Officer's measure"})
        with self.assertRaises(AccessError):
            measure.write({"state": "done"})
        self.assertEqual(measure.state, "planned")
        measure.action_done()
        self.assertRecordValues(measure, [{
            "state": "done", "done_date": fields.Date.context_today(measure),
        }])
        measure.action_reset_to_planned()
        self.assertRecordValues(measure, [{"state": "planned", "done_date": False}])
        with self.assertRaises(AccessError):
            measure.with_user(self.salesperson).action_start()
        self.assertEqual(measure.state, "planned")

    def test_users_see_measures_of_own_and_team_customers(self):
        stranger = new_test_user(
            self.env, login="fb_measure_stranger", groups="customer_file.group_customer_file_user"
        )
        foreign = self._measure(
            feedback_ids=[(6, 0, self._complaint(self._customer("Far Away", user=stranger)).ids)]
        )
        own = self._measure()
        measures = own | foreign
        self.assertEqual(
            self.Measure.with_user(self.salesperson).search([("id", "in", measures.ids)]), own
        )
        self.assertEqual(
            self.Measure.with_user(stranger).search([("id", "in", measures.ids)]), foreign
        )
        self.assertEqual(
            self.Measure.with_user(self.leader).search([("id", "in", measures.ids)]), measures
        )
