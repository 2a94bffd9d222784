from dateutil.relativedelta import relativedelta

from odoo.tests import tagged

from .common import MembershipCase


@tagged("post_install", "-at_install")
class TestEvaluation(MembershipCase):

    def test_promotion_at_once_with_history(self):
        self._buy(self.customer, self._days(self.today, -10), 1200)
        counts = self._evaluate()
        self.assertEqual(counts, {"promotion": 1, "demotion": 0})
        membership = self._membership()
        self.assertEqual(membership.level_id, self.silver)
        self.assertEqual(membership.level_since, self.today)
        self.assertEqual(membership.review_date, self.today + relativedelta(years=1))
        self.assertEqual(membership.qualifying_value, 1200)
        self.assertEqual(self.customer.membership_level_id, self.silver)
        # More spend the next day: Gold at once, not at the review.
        self._buy(self.customer, self.today, 4000)
        self._evaluate()
        self.assertEqual(self._membership().level_id, self.gold)
        history = self.customer.membership_history_ids.sorted("id")
        self.assertEqual(
            [(row.from_level_id, row.to_level_id, row.reason) for row in history],
            [(self.env["customer.membership.level"], self.silver, "promotion"),
             (self.silver, self.gold, "promotion")],
        )
        self.assertEqual(history[-1].qualifying_value, 5200)

    def test_no_level_without_spend_and_contacts_count_for_their_company(self):
        company = self._customer("Acme Trading", is_company=True)
        contact = self._customer("Zhao Lei", parent_id=company.id)
        idle = self._customer("Idle Customer")
        self._buy(contact, self._days(self.today, -3), 6000)
        self._buy(idle, self._days(self.today, -400), 9000)
        self._evaluate()
        self.assertEqual(self._membership(company).level_id, self.gold)
        self.assertEqual(contact.membership_level_id, self.gold, "a contact shows its company's")
        self.assertFalse(self._membership(contact))
        self.assertFalse(self._membership(idle), "spend of more than 12 months ago")

    def test_refunds_are_netted(self):
        self._buy(self.customer, self._days(self.today, -20), 5500)
        self._buy(self.customer, self._days(self.today, -5), -1000)
        self._evaluate()
        self.assertEqual(self._membership().level_id, self.silver)
        self.assertEqual(self._membership().qualifying_value, 4500)

    def test_demotion_only_at_review_after_grace_one_level_at_a_time(self):
        start = self._days(self.today, -500)
        self._buy(self.customer, start, 6000)
        self._evaluate(start)
        membership = self._membership()
        self.assertEqual(membership.level_id, self.gold)
        review = start + relativedelta(years=1)
        self.assertEqual(membership.review_date, review)
        # A credit note: the customer qualifies for Standard only, but keeps Gold until the
        # review, and through the grace period after it.
        self._buy(self.customer, self._days(start, 30), -5500)
        for day in (self._days(start, 31), self._days(review, -1), review,
                    self._days(review, 29)):
            self._evaluate(day)
            self.assertEqual(self._membership().level_id, self.gold, day)
        self._evaluate(self._days(review, 30))
        membership = self._membership()
        self.assertEqual(membership.level_id, self.silver, "one level down, not to Standard")
        self.assertEqual(membership.level_since, self._days(review, 30))
        self.assertEqual(membership.review_date, self._days(review, 30) + relativedelta(years=1))
        demotion = self.customer.membership_history_ids.filtered(
            lambda row: row.reason == "demotion")
        self.assertEqual((demotion.from_level_id, demotion.to_level_id),
                         (self.gold, self.silver))
        self.assertFalse(self.env["mail.mail"].search([
            ("model", "=", "customer.membership.level.history"), ("res_id", "=", demotion.id),
        ]), "no e-mail on demotion")

    def test_requalifying_within_grace_passes_the_review(self):
        start = self._days(self.today, -400)
        self._buy(self.customer, start, 1500)
        self._evaluate(start)
        review = start + relativedelta(years=1)
        self._evaluate(review)
        self.assertEqual(self._membership().level_id, self.silver, "in the grace period")
        # Buying again during the grace period passes the review: another year.
        self._buy(self.customer, self._days(review, 10), 1100)
        self._evaluate(self._days(review, 10))
        membership = self._membership()
        self.assertEqual(membership.level_id, self.silver)
        self.assertEqual(membership.review_date, review + relativedelta(years=1))
        self._evaluate(self._days(review, 40))
        self.assertEqual(self._membership().level_id, self.silver)
        self.assertFalse(self.customer.membership_history_ids.filtered(
            lambda row: row.reason == "demotion"))

    def test_fixed_review_date(self):
        self.config.write({"review_month": "1", "review_day": 15})
        day = self.today.replace(month=3, day=1)
        self._buy(self.customer, self._days(day, -1), 1500)
        self._evaluate(day)
        self.assertEqual(self._membership().review_date,
                         day.replace(month=1, day=15) + relativedelta(years=1))

    def test_promotion_email_queued_for_customers_with_email(self):
        no_email = self._customer("No Email")
        first = self._customer("First Evaluation", email="first@example.com")
        self._buy(first, self.today, 1500)
        self._evaluate()
        self.assertEqual(self._membership(first).level_id, self.silver)
        self.assertFalse(self.env["mail.mail"].search([
            ("model", "=", "customer.membership.level.history"),
            ("res_id", "in", first.membership_history_ids.ids),
        ]), "the first evaluation of the company gives levels without e-mails")
        self._buy(self.customer, self.today, 1500)
        self._buy(no_email, self.today, 1500)
        self._evaluate()
        promotions = self.env["customer.membership.level.history"].search(
            [("partner_id", "in", (self.customer | no_email).ids)])
        mails = self.env["mail.mail"].search([
            ("model", "=", "customer.membership.level.history"),
            ("res_id", "in", promotions.ids),
        ])
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails.recipient_ids, self.customer)
        self.assertIn("Silver", mails.subject)
        self.assertEqual(mails.state, "outgoing", "queued, not sent during the run")

    def test_pricelist_follows_the_level(self):
        manual = self.env["product.pricelist"].create({"name": "Negotiated"})
        silver_prices = self.env["product.pricelist"].create({"name": "Silver Prices"})
        gold_prices = self.env["product.pricelist"].create({"name": "Gold Prices"})
        self.silver.pricelist_id = silver_prices
        self.gold.pricelist_id = gold_prices
        contact = self._customer("Liu Yang (buyer)", parent_id=self.customer.id)
        self._buy(self.customer, self.today, 1500)
        self._evaluate()
        self.assertEqual(self.customer.specific_property_product_pricelist, silver_prices)
        self.assertEqual(contact.specific_property_product_pricelist, silver_prices)
        self._buy(self.customer, self.today, 4000)
        self._evaluate()
        self.assertEqual(self.customer.specific_property_product_pricelist, gold_prices)
        # A pricelist set by hand stays when the new level has none.
        other = self._customer("Sun Li")
        self._buy(other, self.today, 1500)
        self.silver.pricelist_id = False
        other.specific_property_product_pricelist = manual
        self._evaluate()
        self.assertEqual(self._membership(other).level_id, self.silver)
        self.assertEqual(other.specific_property_product_pricelist, manual)
        # Demoted to a level without a pricelist: the Gold pricelist goes.
        # (A year and a month later, nothing bought since: past the review and its grace.)
        self._evaluate(self.today + relativedelta(years=1, days=31))
        self.assertEqual(self._membership().level_id, self.silver)
        self.assertFalse(self.customer.specific_property_product_pricelist)
        self.assertFalse(contact.specific_property_product_pricelist)

    def _row_versions(self):
        """Where each membership row of the company is: an UPDATE moves it (even in place),
        so an unchanged location means the evaluation did not write the row."""
        self.env.cr.execute(
            "SELECT partner_id, ctid::text FROM customer_membership WHERE company_id = %s",
            [self.company.id],
        )
        return dict(self.env.cr.fetchall())

    def test_a_night_without_change_writes_nothing(self):
        other = self._customer("Qian Hui")
        self._buy(self.customer, self._days(self.today, -10), 1200)
        self._buy(other, self._days(self.today, -10), 6000)
        self._evaluate()
        History = self.env["customer.membership.level.history"]
        history_count = History.search_count([])
        rows = self._row_versions()
        self.assertEqual(set(rows), {self.customer.id, other.id})
        # The next night nothing changed: no history, no membership written.
        counts = self._evaluate(self._days(self.today, 1))
        self.assertEqual(counts, {"promotion": 0, "demotion": 0})
        self.assertEqual(History.search_count([]), history_count)
        self.assertEqual(self._row_versions(), rows)
        # A purchase that keeps the level: only that customer's qualifying value is written,
        # without a history row.
        self._buy(other, self._days(self.today, 1), 100)
        self._evaluate(self._days(self.today, 1))
        self.assertEqual(History.search_count([]), history_count)
        after = self._row_versions()
        self.assertEqual(after[self.customer.id], rows[self.customer.id])
        self.assertNotEqual(after[other.id], rows[other.id])
        membership = self._membership(other)
        self.assertEqual((membership.level_id, membership.qualifying_value, membership.level_since),
                         (self.gold, 6100, self.today))

    def test_spend_dropping_out_of_the_window_before_the_review(self):
        start = self._days(self.today, -500)
        self._buy(self.customer, start, 1500)
        self._evaluate(start)
        review = start + relativedelta(years=1)
        # The spend leaves the 12-month window on the review date: the qualifying value
        # drops to 0 at once, the level only after the grace period.
        self._evaluate(review)
        membership = self._membership()
        self.assertEqual((membership.level_id, membership.qualifying_value), (self.silver, 0))
        self.assertEqual(membership.review_date, review)
        counts = self._evaluate(self._days(review, 30))
        self.assertEqual(counts, {"promotion": 0, "demotion": 1})
        membership = self._membership()
        self.assertEqual(membership.level_id, self.standard)
        self.assertEqual(membership.review_date, self._days(review, 30) + relativedelta(years=1))
        # Standard has no threshold: the customer keeps it, and later reviews are passed.
        self._evaluate(self._days(review, 30) + relativedelta(years=1, days=31))
        membership = self._membership()
        self.assertEqual(membership.level_id, self.standard)
        self.assertEqual(membership.review_date,
                         self._days(review, 30) + relativedelta(years=2))
        self.assertEqual(len(self.customer.membership_history_ids), 2)
