from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import FeedbackCase


@tagged("post_install", "-at_install")
class TestFeedbackAnalysis(FeedbackCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        cls.phones = Category.create({"name": "Phones"})
        cls.laptops = Category.create({"name": "Laptops"})
        cls.phone, cls.laptop = cls.env["product.product"].create([
            {"name": "Phone X", "categ_id": cls.phones.id},
            {"name": "Book Y", "categ_id": cls.laptops.id},
        ])
        cls.high_customer = cls._customer("Wang Fang")
        cls.low_customer = cls._customer("Chen Jie")
        cls.high_customer.value_tier = "high"
        cls.low_customer.value_tier = "low"
        cls.Report = cls.env["customer.feedback.report"]

    def _scores(self, partner, product, channel, nps_scores, **vals):
        return self.env["customer.feedback"].union(*(
            self._feedback(partner, product_id=product.id, channel=channel, nps_score=str(score),
                           **vals)
            for score in nps_scores
        ))

    def _groups(self, feedback, groupby, aggregates=("nps:avg",)):
        return {
            group: values
            for group, *values in self.Report._read_group(
                [("feedback_id", "in", feedback.ids)], [groupby], list(aggregates)
            )
        }

    def test_nps_is_promoters_minus_detractors_by_channel_product_line_and_tier(self):
        # 2 promoters, 1 passive, 2 detractors: (2 - 2) / 5 = 0
        even = self._scores(self.high_customer, self.phone, "email", [10, 9, 8, 6, 0])
        # 3 promoters, 1 passive, 1 detractor: (3 - 1) / 5 = 40
        good = self._scores(self.low_customer, self.laptop, "store", [10, 10, 9, 7, 3])
        everything = even | good
        aggregates = ("nps:avg", "promoter:sum", "detractor:sum", "nps_respondent:sum")
        by_channel = self._groups(everything, "channel", aggregates)
        self.assertAlmostEqual(by_channel["email"][0], 0.0)
        self.assertAlmostEqual(by_channel["store"][0], 40.0)
        self.assertEqual(by_channel["email"][1:], [2, 2, 5])
        self.assertEqual(by_channel["store"][1:], [3, 1, 5])
        by_line = self._groups(everything, "product_categ_id")
        self.assertAlmostEqual(by_line[self.phones][0], 0.0)
        self.assertAlmostEqual(by_line[self.laptops][0], 40.0)
        by_tier = self._groups(everything, "value_tier")
        self.assertAlmostEqual(by_tier["high"][0], 0.0)
        self.assertAlmostEqual(by_tier["low"][0], 40.0)
        # All ten together: 5 promoters, 3 detractors out of 10 = 20
        [(nps,)] = self.Report._read_group([("feedback_id", "in", everything.ids)], [], ["nps:avg"])
        self.assertAlmostEqual(nps, 20.0)

    def test_nps_by_month(self):
        january = self._scores(self.customer, self.phone, "phone", [10, 0],
                               feedback_date="2026-01-15 10:00:00")
        february = self._scores(self.customer, self.phone, "phone", [10, 9, 7],
                                feedback_date="2026-02-03 10:00:00")
        by_month = {
            month.date(): nps for month, nps in self.Report._read_group(
                [("feedback_id", "in", (january | february).ids)], ["feedback_date:month"],
                ["nps:avg"],
            )
        }
        self.assertAlmostEqual(by_month[date(2026, 1, 1)], 0.0)
        self.assertAlmostEqual(by_month[date(2026, 2, 1)], 200 / 3)

    def test_feedback_without_nps_does_not_count_in_nps(self):
        scored = self._scores(self.customer, self.phone, "email", [10, 6])
        unscored = self._feedback(channel="email", csat_score="5") | self._feedback(channel="email")
        everything = scored | unscored
        [(nps, respondents, count)] = self.Report._read_group(
            [("feedback_id", "in", everything.ids)], [],
            ["nps:avg", "nps_respondent:sum", "__count"],
        )
        self.assertAlmostEqual(nps, 0.0, msg="(1 - 1) / 2, not (1 - 1) / 4 nor dragged by NULLs")
        self.assertEqual(respondents, 2)
        self.assertEqual(count, 4)
        rows = self.Report.search([("feedback_id", "in", unscored.ids)])
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows.mapped("nps"), [0.0, 0.0], "NULL reads as 0 but is not averaged")
        [(only_promoters,)] = self.Report._read_group(
            [("feedback_id", "in", (scored[0] | unscored).ids)], [], ["nps:avg"])
        self.assertAlmostEqual(only_promoters, 100.0)

    def test_csat_average_counts_rated_feedback_only(self):
        rated = (self._feedback(channel="store", csat_score="5")
                 | self._feedback(channel="store", csat_score="4")
                 | self._feedback(channel="store", csat_score="2"))
        nps_only = self._feedback(channel="store", nps_score="10")
        by_channel = self._groups(rated | nps_only, "channel", ("csat:avg", "csat_respondent:sum"))
        csat, respondents = by_channel["store"]
        self.assertAlmostEqual(csat, 11 / 3)
        self.assertEqual(respondents, 3)

    def test_hours_to_acknowledge_and_resolve(self):
        with freeze_time("2026-03-02 09:00:00"):
            fast = self._complaint(resolution="<p>Replaced</p>")
            slow = self._complaint(resolution="<p>Refunded</p>")
            waiting = self._complaint()
        with freeze_time("2026-03-02 11:30:00"):
            fast.action_acknowledge()
        with freeze_time("2026-03-02 13:30:00"):
            slow.action_acknowledge()
        with freeze_time("2026-03-03 09:00:00"):
            fast.action_resolve()
        everything = fast | slow | waiting
        rows = {
            row.feedback_id: row
            for row in self.Report.search([("feedback_id", "in", everything.ids)])
        }
        self.assertAlmostEqual(rows[fast].hours_to_acknowledge, 2.5)
        self.assertAlmostEqual(rows[fast].hours_to_resolve, 24.0)
        self.assertAlmostEqual(rows[slow].hours_to_acknowledge, 4.5)
        [(acknowledge, resolve, complaints)] = self.Report._read_group(
            [("feedback_id", "in", everything.ids)], [],
            ["hours_to_acknowledge:avg", "hours_to_resolve:avg", "complaint:sum"],
        )
        self.assertAlmostEqual(acknowledge, 3.5, msg="the waiting complaint is not averaged")
        self.assertAlmostEqual(resolve, 24.0)
        self.assertEqual(complaints, 3)

    def test_complaints_per_100_orders(self):
        Line = self.env["customer.purchase.line"].sudo()

        def order(ref, day, lines=1, **vals):
            Line.create([{
                "partner_id": self.customer.id, "date": day, "source": "import",
                "external_ref": f"{ref}:{number}", "document_ref": ref, "document_name": ref,
                "product_id": self.phone.id, "quantity": 1, "amount": 100, **vals,
            } for number in range(lines)])

        # January: 4 orders (one of two lines) and a refund, which is not an order
        order("legacy:J1", "2026-01-05", lines=2)
        order("legacy:J2", "2026-01-10")
        order("legacy:J3", "2026-01-20")
        order("legacy:J4", "2026-01-31")
        order("legacy:R1", "2026-01-25", quantity=-1, amount=-100, is_refund=True)
        # February: 2 orders
        order("legacy:F1", "2026-02-02")
        order("legacy:F2", "2026-02-27")
        self._complaint(feedback_date="2026-01-12 10:00:00")
        self._complaint(feedback_date="2026-02-14 10:00:00")
        self._feedback(feedback_date="2026-02-14 11:00:00", feedback_type="review")

        Rate = self.env["customer.feedback.complaint.rate"]
        domain = [("user_id", "=", self.salesperson.id)]
        by_month = {
            month: (orders, complaints, rate)
            for month, orders, complaints, rate in Rate._read_group(
                domain, ["month:month"],
                ["orders:sum", "complaints:sum", "complaints_per_100_orders:sum"],
            )
        }
        self.assertEqual(by_month[date(2026, 1, 1)][:2], (4, 1))
        self.assertAlmostEqual(by_month[date(2026, 1, 1)][2], 25.0)
        self.assertEqual(by_month[date(2026, 2, 1)][:2], (2, 1))
        self.assertAlmostEqual(by_month[date(2026, 2, 1)][2], 50.0)
        [(_quarter, rate)] = Rate._read_group(
            domain, ["month:quarter"], ["complaints_per_100_orders:sum"]
        )
        self.assertAlmostEqual(rate, 2 * 100 / 6,
                               msg="a quarter is total complaints over total orders")

    def test_complaints_without_orders_have_no_rate(self):
        self._complaint(feedback_date="2026-04-12 10:00:00")
        Rate = self.env["customer.feedback.complaint.rate"]
        row = Rate.search([("user_id", "=", self.salesperson.id), ("month", "=", "2026-04-01")])
        self.assertEqual((row.orders, row.complaints), (0, 1))
        [(rate,)] = Rate._read_group([("id", "=", row.id)], [], ["complaints_per_100_orders:sum"])
        self.assertIn(rate, (None, False), "no orders: no ratio rather than 0")

    def test_user_sees_own_customers_rows_and_officer_all(self):
        other_user = new_test_user(
            self.env, login="fb_analysis_other", groups="customer_file.group_customer_file_user"
        )
        other_customer = self._customer("Zhao Lei", user=other_user)
        own = self._feedback(nps_score="10")
        other = self._feedback(other_customer, nps_score="0")
        Line = self.env["customer.purchase.line"].sudo()
        Line.create({
            "partner_id": other_customer.id, "date": "2026-05-05", "source": "import",
            "external_ref": "legacy:O1:1", "document_ref": "legacy:O1", "document_name": "O1",
            "quantity": 1, "amount": 100,
        })
        ids = (own | other).ids
        as_user = self.Report.with_user(self.salesperson)
        self.assertEqual(as_user.search([("feedback_id", "in", ids)]).feedback_id, own)
        [(nps,)] = as_user._read_group([("feedback_id", "in", ids)], [], ["nps:avg"])
        self.assertAlmostEqual(nps, 100.0, msg="the other salesperson's detractor is hidden")
        self.assertEqual(
            self.Report.with_user(self.leader).search([("feedback_id", "in", ids)]).feedback_id,
            own | other,
        )
        Rate = self.env["customer.feedback.complaint.rate"]
        self.assertFalse(Rate.with_user(self.salesperson).search([("user_id", "=", other_user.id)]))
        self.assertTrue(Rate.with_user(self.leader).search([("user_id", "=", other_user.id)]))

    def test_report_is_read_only(self):
        feedback = self._feedback(nps_score="9")
        manager = new_test_user(
            self.env, login="fb_analysis_manager",
            groups="customer_file.group_customer_file_manager",
        )
        row = self.Report.with_user(manager).search([("feedback_id", "=", feedback.id)])
        self.assertEqual(row.nps, 100.0)
        for user in (self.salesperson, self.leader, manager):
            report = self.Report.with_user(user)
            self.assertTrue(report.has_access("read"))
            for operation in ("create", "write", "unlink"):
                self.assertFalse(report.has_access(operation), (user.login, operation))
        with self.assertRaises(AccessError):
            row.write({"nps": 0})
        with self.assertRaises(AccessError):
            self.env["customer.feedback.complaint.rate"].with_user(manager).create({"orders": 1})
        portal = new_test_user(self.env, login="fb_analysis_portal", groups="base.group_portal")
        with self.assertRaises(AccessError):
            self.Report.with_user(portal).search([])

    def test_top_categories_action(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_file_feedback.action_customer_feedback_top_categories"
        )
        self.assertEqual(action["res_model"], "customer.feedback")
        self.assertEqual(action["views"][0][1], "graph")
        late, quality = self.env["customer.feedback.tag"].create([
            {"name": "Late delivery (test)"}, {"name": "Quality (test)"},
        ])
        feedback = (self._complaint(tag_ids=[(6, 0, late.ids)])
                    | self._complaint(tag_ids=[(6, 0, (late | quality).ids)]))
        counts = dict(self.env["customer.feedback"]._read_group(
            [("id", "in", feedback.ids)], ["tag_ids"], ["__count"]
        ))
        self.assertEqual(counts, {late: 2, quality: 1})

    def test_pivot_and_graph_read_the_ratio_and_the_nps(self):
        """What the web client calls: the ratio and the NPS come out right per group."""
        Line = self.env["customer.purchase.line"].sudo()
        Line.create([{
            "partner_id": self.customer.id, "date": "2026-06-10", "source": "import",
            "external_ref": f"legacy:P{number}:1", "document_ref": f"legacy:P{number}",
            "document_name": f"P{number}", "quantity": 1, "amount": 100,
        } for number in range(8)])
        self._complaint(feedback_date="2026-06-11 10:00:00", nps_score="10")
        self._complaint(feedback_date="2026-06-12 10:00:00", nps_score="3")
        [group] = self.env["customer.feedback.complaint.rate"].formatted_read_group(
            [("user_id", "=", self.salesperson.id)], ["month:quarter"],
            ["orders:sum", "complaints:sum", "complaints_per_100_orders:sum"],
        )
        self.assertEqual((group["orders:sum"], group["complaints:sum"]), (8, 2))
        self.assertAlmostEqual(group["complaints_per_100_orders:sum"], 25.0)
        groups = self.Report.formatted_read_grouping_sets(
            [("partner_id", "=", self.customer.id)], [["feedback_date:month"], ["channel"]],
            ["nps:avg", "csat:avg"],
        )
        self.assertEqual(groups[0][0]["nps:avg"], 0.0)
        for view_type in ("pivot", "graph", "list", "search"):
            self.assertTrue(self.Report.get_views([(False, view_type)])["views"][view_type])
