from datetime import timedelta

from lxml import etree

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import SegmentationCase

GLANCE_FIELDS = ("rfm_segment_color", "churn_probability", "churn_top_reasons")
USER = "customer_file.group_customer_file_user"


class GlanceCase(SegmentationCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(cls.env, "glance_sales", USER)
        cls.employee = new_test_user(cls.env, "glance_employee",
                                     "base.group_user,sales_team.group_sale_salesman")
        cls.portal = new_test_user(cls.env, "glance_portal", "base.group_portal")
        cls.config.control_group_percent = 0

    @classmethod
    def _buy_every_month(cls, partners, first_day, last_day):
        """One purchase of 100 every 30 days from ``last_day`` to ``first_day`` days ago, for
        all the partners in one batch."""
        lines = []
        for partner in partners:
            for days in range(first_day, last_day + 1, 30):
                cls._document_count += 1
                ref = f"glance:{cls._document_count}"
                lines.append({
                    "partner_id": partner.id, "company_id": cls.company.id,
                    "date": cls.today - timedelta(days=days), "source": "import",
                    "external_ref": ref, "document_ref": ref, "document_name": ref,
                    "product_id": cls.product.id, "quantity": 1, "amount": 100,
                })
        cls.env["customer.purchase.line"].sudo().create(lines)

    def _form_arch(self, user):
        return self.env["res.partner"].with_user(user).get_views(
            [(False, "form")])["views"]["form"]["arch"]


@tagged("post_install", "-at_install")
class TestCustomerGlance(GlanceCase):
    """The customer at a glance: tier, segment, stage, churn probability with the open
    warning's strongest reasons, for Customer File users only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Sandra stopped buying 120 days ago after buying every month: a critical warning
        # (see test_churn_warning). Steve still buys every month.
        cls.sandra = cls._customer("Sandra", user_id=cls.salesman.id)
        cls.steve = cls._customer("Steve", user_id=cls.salesman.id)
        cls._buy_every_month(cls.sandra, 120, 300)
        cls._buy_every_month(cls.steve, 10, 190)
        cls.env["customer.rfm.run"]._run_company(cls.company, "full")

    def test_glance_values_for_a_salesman(self):
        sandra = self.sandra.with_user(self.salesman)
        self.assertTrue(sandra.rfm_segment_id)
        self.assertEqual(sandra.rfm_segment_color, sandra.rfm_segment_id.color)
        self.assertEqual((sandra.value_tier, sandra.lifecycle_stage),
                         (self._score(self.sandra).value_tier,
                          self._score(self.sandra).lifecycle_stage))
        self.assertEqual(sandra.churn_probability, 95)
        # Of its two reasons, "overdue" adds no point to the probability: not a reason shown.
        self.assertEqual(sandra.churn_top_reasons, "Low probability alive 5%")
        steve = self.steve.with_user(self.salesman)
        self.assertEqual(steve.churn_probability, 5)
        self.assertFalse(steve.churn_top_reasons, "no open warning")

    def test_glance_values_are_searchable_and_not_written_by_users(self):
        Partner = self.env["res.partner"].with_user(self.salesman)
        risky = Partner.search([("churn_probability", ">=", 90),
                                ("id", "in", (self.sandra | self.steve).ids)])
        self.assertEqual(risky, self.sandra)
        color = self.sandra.rfm_segment_id.color
        for values in ({"churn_probability": 5}, {"churn_top_reasons": "none"},
                       {"rfm_segment_color": (color + 1) % 12}):
            with self.assertRaises(AccessError):
                self.sandra.with_user(self.salesman).write(values)
        self.assertEqual(self.sandra.rfm_segment_id.color, color)

    def test_at_most_three_reasons_strongest_first(self):
        warning = self._warnings(self.sandra)
        ref = self.env.ref
        self.env["customer.churn.signal"].create([
            {"warning_id": warning.id, "type_id": ref(f"customer_file_segmentation.{xmlid}").id,
             "value": value, "points": points}
            for xmlid, value, points in (
                ("signal_recency", 120, 10), ("signal_spend_drop", 40, 30),
                ("signal_frequency_drop", 50, 20),
            )
        ])
        self.sandra.invalidate_recordset()
        self.assertEqual(
            self.sandra.with_user(self.salesman).churn_top_reasons,
            "Low probability alive 5%, Spend drop -40%, Frequency drop -50%",
        )
        warning.with_user(self.salesman).action_mark_false_alarm()
        self.sandra.invalidate_recordset()
        self.assertFalse(self.sandra.with_user(self.salesman).churn_top_reasons,
                         "a closed warning gives no reason")

    def test_glance_fields_are_for_customer_file_users_only(self):
        self.assertFalse(set(GLANCE_FIELDS)
                         & set(self.env["res.partner"].with_user(self.employee).fields_get()))
        self.assertLessEqual(set(GLANCE_FIELDS),
                             set(self.env["res.partner"].with_user(self.salesman).fields_get()))
        for name in GLANCE_FIELDS:
            with self.assertRaises(AccessError):
                self.sandra.with_user(self.employee).read([name])
            with self.assertRaises(AccessError):
                self.portal.partner_id.with_user(self.portal).read([name])
        self.assertTrue(self.sandra.with_user(self.salesman).read(list(GLANCE_FIELDS)))

    def test_form_shows_the_glance_to_customer_file_users_only(self):
        arch = etree.fromstring(self._form_arch(self.salesman))
        glance = arch.xpath("//div[@name='customer_file_glance']")
        self.assertEqual(len(glance), 1)
        shown = {node.get("name") for node in glance[0].iter("field")}
        self.assertLessEqual(
            {"value_tier", "rfm_segment_id", "lifecycle_stage", "churn_probability",
             "churn_top_reasons", "last_purchase_date", "lifetime_spend"},
            shown,
        )
        self.assertEqual(
            [span.get("name") for span in glance[0].iterchildren("div")][:2],
            ["customer_file_glance_value", "customer_file_glance_churn"],
            "tier, segment and stage come first",
        )
        self.assertEqual(glance[0][-1].get("name"), "customer_file_glance_purchases",
                         "the purchases come last")
        employee_arch = self._form_arch(self.employee)
        self.assertNotIn("customer_file_glance", employee_arch)
        for name in GLANCE_FIELDS:
            self.assertNotIn(name, employee_arch)


@tagged("post_install", "-at_install")
class TestCustomerGlanceQueries(GlanceCase):
    """Reading the glance of many customers costs the same queries as reading a few."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.drifters = cls.env["res.partner"].create([
            {"name": f"Drifter {number}", "customer_rank": 1, "user_id": cls.salesman.id}
            for number in range(60)
        ])
        cls._buy_every_month(cls.drifters, 120, 300)
        cls.env["customer.rfm.run"]._run_company(cls.company, "full")

    def _glance_fields(self):
        arch = etree.fromstring(self._form_arch(self.salesman))
        return sorted({node.get("name")
                       for node in arch.xpath("//div[@name='customer_file_glance']//field")})

    def _read(self, partners, fnames):
        self.env.invalidate_all()
        return partners.with_user(self.salesman).read(fnames)

    def test_reading_the_glance_of_50_customers_costs_what_5_cost(self):
        fnames = self._glance_fields()
        self.assertIn("churn_top_reasons", fnames)
        self.assertEqual(
            self.env["customer.churn.warning"].search_count(
                [("partner_id", "in", self.drifters.ids), ("state", "=", "new")]),
            60, "every drifter is warned",
        )
        self._read(self.drifters[:5], fnames)  # warm the caches of rules and groups
        self.env.flush_all()
        start = self.env.cr.sql_log_count
        few = self._read(self.drifters[5:10], fnames)
        queries_for_5 = self.env.cr.sql_log_count - start
        with self.assertQueryCount(queries_for_5):
            many = self._read(self.drifters[10:], fnames)
        self.assertEqual(len(many), 50)
        self.assertTrue(all(values["churn_top_reasons"] for values in few + many))
        self.assertTrue(all(values["last_purchase_date"] for values in few + many))
