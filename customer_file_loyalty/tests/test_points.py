from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL

from .common import MembershipCase


@tagged("post_install", "-at_install")
class TestQualifyingPoints(MembershipCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program = cls.env["loyalty.program"].create({
            "name": "Points", "program_type": "loyalty", "company_id": cls.company.id,
        })
        cls.config.write({"basis": "points", "program_id": cls.program.id})
        cls.card = cls.env["loyalty.card"].create({
            "program_id": cls.program.id, "partner_id": cls.customer.id, "points": 0,
        })

    def _history(self, issued=0, used=0, order=True):
        values = {"card_id": self.card.id, "description": "Order", "issued": issued,
                  "used": used}
        if order:
            values.update(order_model="sale.order", order_id=1)
        self.card.points += issued - used
        return self.env["loyalty.history"].create(values)

    def test_earned_points_qualify_not_the_balance(self):
        self._history(issued=1500)
        self._history(used=1400, order=False)
        self.assertEqual(self.card.points, 100)
        old = self._history(issued=9000)
        self.env.flush_all()
        self.env.cr.execute(SQL(
            "UPDATE loyalty_history SET create_date = %s WHERE id = %s",
            fields.Datetime.now() - timedelta(days=400), old.id,
        ))
        self._evaluate()
        membership = self._membership()
        self.assertEqual(membership.qualifying_value, 1500, "spent points still count")
        self.assertEqual(membership.level_id, self.silver)

    def test_points_multiplier_of_the_level(self):
        self.silver.points_multiplier = 2.0
        self._history(issued=1200)
        self._evaluate()
        self.assertEqual(self._membership().level_id, self.silver)
        entry = self._history(issued=100)
        self.assertEqual(entry.issued, 200)
        self.assertEqual(entry.membership_bonus, 100)
        self.assertEqual(self.card.points, 1400)
        gift = self._history(issued=50, order=False)
        self.assertEqual(gift.issued, 50, "points given by hand are not multiplied")
        self._evaluate()
        self.assertEqual(self._membership().qualifying_value, 1350,
                         "the bonus is spendable but does not qualify")
        # The order cancelled: its entry goes, and the bonus leaves the card with it.
        entry.unlink()
        self.card.points -= 100
        self.assertEqual(self.card.points, 1250)
