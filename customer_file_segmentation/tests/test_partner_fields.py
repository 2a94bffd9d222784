from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import SegmentationCase

SEGMENTATION_FIELDS = (
    "rfm_segment_id", "lifecycle_stage", "rfm_score_ids", "rfm_score_id", "churn_warning_ids",
    "churn_warning_count", "open_churn_warning_id",
)


@tagged("post_install", "-at_install")
class TestPartnerFieldAudience(SegmentationCase):
    """The segmentation fields of customers are for Customer File users only, in every read
    path, not only in the views."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(cls.env, "seg_fields_user",
                                     "customer_file.group_customer_file_user")
        cls.employee = new_test_user(cls.env, "seg_fields_employee",
                                     "base.group_user,sales_team.group_sale_salesman")
        cls.portal = new_test_user(cls.env, "seg_fields_portal", "base.group_portal")
        cls.customer = cls._customer("Drifting", user_id=cls.salesman.id)
        for days in range(120, 301, 30):
            cls._buy(cls.customer, days, 100)
        cls.portal.partner_id.customer_rank = 1
        cls._buy(cls.portal.partner_id, 200, 50)
        cls.config.control_group_percent = 0
        cls.env["customer.rfm.run"]._run_company(cls.company, "full")

    def _views(self, user):
        ref = self.env.ref
        return [
            self.env["res.partner"].with_user(user).get_views(views)
            for views in (
                [(False, "form"), (False, "list"), (False, "kanban"), (False, "search")],
                [(ref("customer_file.res_partner_view_list_customer_file").id, "list"),
                 (ref("customer_file.res_partner_view_kanban_customer_file").id, "kanban"),
                 (ref("customer_file.res_partner_view_search_customer_file_panel").id,
                  "search")],
            )
        ]

    def test_employee_without_the_app_reads_none_of_them(self):
        customer = self.customer.with_user(self.employee)
        self.assertEqual(customer.read(["name"])[0]["name"], "Drifting")
        for name in SEGMENTATION_FIELDS:
            with self.assertRaises(AccessError):
                customer.read([name])
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.employee).search_read(
                [("id", "=", self.customer.id)], ["name", "lifecycle_stage"]
            )
        self.assertFalse(set(SEGMENTATION_FIELDS)
                         & set(self.env["res.partner"].with_user(self.employee).fields_get()))
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.employee).search(
                [("lifecycle_stage", "=", "at_risk")]
            )

    def test_views_load_without_them_for_an_employee(self):
        for result in self._views(self.employee):
            for view in result["views"].values():
                for name in SEGMENTATION_FIELDS:
                    self.assertNotIn(name, view["arch"])
            self.assertFalse(set(SEGMENTATION_FIELDS)
                             & set(result["models"]["res.partner"]["fields"]))

    def test_views_show_them_to_customer_file_users(self):
        form, panel = self._views(self.salesman)
        self.assertIn("churn_warning_count", form["views"]["form"]["arch"])
        self.assertIn("lifecycle_stage", form["views"]["search"]["arch"])
        self.assertIn("rfm_segment_id", panel["views"]["kanban"]["arch"])
        self.assertIn("lifecycle_stage", panel["views"]["list"]["arch"])

    def test_portal_user_reads_nothing_of_ours_on_own_partner(self):
        own = self.portal.partner_id.with_user(self.portal)
        self.assertTrue(self.portal.partner_id.sudo().lifecycle_stage, "scored by the run")
        self.assertFalse(set(SEGMENTATION_FIELDS) & set(own.fields_get()))
        for name in SEGMENTATION_FIELDS:
            with self.assertRaises(AccessError):
                own.read([name])

    def test_customer_file_user_reads_them_and_the_warning_figures(self):
        customer = self.customer.with_user(self.salesman)
        values = customer.read(list(SEGMENTATION_FIELDS))[0]
        self.assertTrue(values["lifecycle_stage"])
        self.assertTrue(values["rfm_score_id"])
        self.assertEqual(values["churn_warning_count"], 1)
        warning = customer.open_churn_warning_id
        self.assertEqual(warning.read(["rfm_segment_id", "lifecycle_stage"])[0]["lifecycle_stage"],
                         self.customer.lifecycle_stage)
        self.assertEqual(warning.rfm_segment_id, self.customer.rfm_segment_id)
