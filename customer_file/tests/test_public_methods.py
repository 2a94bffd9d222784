import inspect

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

EMPLOYEE = "employee"
USER = "customer_file.group_customer_file_user"
OFFICER = "customer_file.group_customer_file_officer"
MANAGER = "customer_file.group_customer_file_manager"
PRIVACY = "customer_file.group_customer_file_privacy_officer"
# Who may call each public method that the customer file's addons add to a model: the least
# group, or RECORD when the method acts on records with the caller's own access rights (the
# record rules decide: a user who may not write the record may not run it).
RECORD = "record"
PUBLIC_METHODS = {
    ("res.partner", "action_open_purchase_history"): USER,
    ("res.partner", "action_open_owned_products"): USER,
    ("res.partner", "action_open_service_records"): USER,
    ("res.partner", "action_open_interactions"): USER,
    ("res.partner", "action_infer_preferences"): USER,
    ("res.partner", "action_open_feedback"): USER,
    ("res.partner", "action_open_churn_warnings"): USER,
    ("res.partner", "action_customer_file_reveal"): USER,
    ("res.partner", "action_recompute_rfm"): OFFICER,
    ("res.partner", "action_evaluate_churn"): OFFICER,
    ("res.partner", "action_mark_reviewed"): USER,
    ("customer.purchase.backfill", "action_rebuild_purchase_history"): MANAGER,
    ("customer.import", "action_preview"): OFFICER,
    ("customer.import", "action_import"): OFFICER,
    ("customer.import", "action_save_template"): OFFICER,
    ("customer.duplicate.suspect", "action_dismiss"): OFFICER,
    ("customer.duplicate.group", "action_detect_duplicates"): OFFICER,
    ("customer.duplicate.group", "action_dismiss"): OFFICER,
    ("customer.duplicate.group", "action_merge"): OFFICER,
    ("customer.contact.point", "action_open_duplicates"): RECORD,
    ("customer.contact.point", "action_reveal"): RECORD,
    ("customer.file.reveal.wizard", "action_reveal"): RECORD,
    ("customer.data.request", "action_start"): PRIVACY,
    ("customer.data.request", "action_done"): PRIVACY,
    ("customer.data.request", "action_reject"): PRIVACY,
    ("customer.data.request", "action_reset"): PRIVACY,
    ("customer.data.request", "action_export_subject_data"): PRIVACY,
    ("customer.data.request", "action_erase_subject_data"): PRIVACY,
    ("customer.retention.policy", "action_preview"): PRIVACY,
    ("customer.retention.policy", "action_open_records"): PRIVACY,
    ("customer.encrypted.field", "action_encrypt_now"): PRIVACY,
    ("customer.service.record", "action_start"): RECORD,
    ("customer.service.record", "action_done"): RECORD,
    ("customer.service.record", "action_cancel"): RECORD,
    ("customer.service.record", "action_reset"): RECORD,
    ("customer.feedback", "action_acknowledge"): RECORD,
    ("customer.feedback", "action_start"): RECORD,
    ("customer.feedback", "action_resolve"): RECORD,
    ("customer.feedback", "action_close"): RECORD,
    ("customer.feedback", "action_reopen"): RECORD,
    ("customer.feedback.report", "action_open_feedback"): RECORD,
    ("customer.feedback.request", "action_cancel"): RECORD,
    ("customer.improvement.measure", "action_start"): RECORD,
    ("customer.improvement.measure", "action_done"): RECORD,
    ("customer.improvement.measure", "action_cancel"): RECORD,
    ("customer.improvement.measure", "action_reset_to_planned"): RECORD,
    ("customer.improvement.measure", "action_open_feedback"): RECORD,
    ("customer.churn.backtest", "action_run"): RECORD,
    ("customer.churn.backtest", "action_export_xlsx"): RECORD,
    ("customer.churn.warning", "action_start"): RECORD,
    ("customer.churn.warning", "action_mark_lost"): RECORD,
    ("customer.churn.warning", "action_mark_false_alarm"): RECORD,
    ("customer.rfm.config", "action_recompute_full"): RECORD,
    ("customer.rfm.config", "action_fit_churn_model"): RECORD,
    ("customer.rfm.segment", "action_open_customers"): USER,
    ("customer.rfm.score", "get_rfm_map"): USER,
    ("customer.file.overview", "get_overview"): USER,
    ("customer.segment.mailing.list", "action_add_to_list"): RECORD,
    ("customer.key.account.rule", "action_assign_now"): OFFICER,
    ("customer.offer.campaign", "action_launch"): OFFICER,
    ("customer.offer.campaign", "action_measure"): OFFICER,
    ("customer.offer.campaign", "action_close"): OFFICER,
    ("customer.offer.campaign", "action_view_members"): RECORD,
    ("customer.product.affinity", "action_rebuild"): OFFICER,
    ("customer.recommendation", "action_add_to_order"): USER,
    ("customer.recommendation.evaluation", "action_run"): MANAGER,
}
# Each role lacks every group after its own in this order.
ROLE_ORDER = (EMPLOYEE, USER, OFFICER, MANAGER, PRIVACY)


def _added_public_methods(registry):
    """(model, method) of every public method a customer_file addon adds to a model: the
    ones Odoo or another addon already defines (create, write, button_draft...) are
    governed by their own checks."""
    found = set()
    for model_name in registry:
        classes = inspect.getmro(registry[model_name])
        ours = [cls for cls in classes if cls.__module__.startswith("odoo.addons.customer_file")]
        others = [cls for cls in classes if cls not in ours]
        for cls in ours:
            for name, value in vars(cls).items():
                if (name.startswith("_") or not callable(value)
                        or getattr(value, "_api_private", False)
                        or any(name in vars(other) for other in others)):
                    continue
                found.add((model_name, name))
    return found


@tagged("post_install", "-at_install")
class TestPublicMethods(TransactionCase):
    """Any logged-in user can call a public method over RPC: each one checks who calls it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = {
            EMPLOYEE: new_test_user(cls.env, login="pm_employee",
                                    groups="base.group_user,sales_team.group_sale_salesman"),
            USER: new_test_user(cls.env, login="pm_user", groups=f"base.group_user,{USER}"),
            OFFICER: new_test_user(cls.env, login="pm_officer",
                                   groups=f"base.group_user,{OFFICER}"),
            MANAGER: new_test_user(cls.env, login="pm_manager",
                                   groups=f"base.group_user,{MANAGER}"),
        }
        owner = new_test_user(cls.env, login="pm_owner", groups=f"base.group_user,{USER}")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Someone else's customer", "user_id": owner.id, "customer_rank": 1}
        )

    def test_every_public_method_is_declared(self):
        found = _added_public_methods(self.env.registry)
        installed = {key for key in PUBLIC_METHODS if key[0] in self.env}
        self.assertEqual(sorted(found - installed), [], "public methods nobody decided on")
        self.assertEqual(sorted(installed - found), [], "declared methods that are gone")

    def test_callers_below_the_group_are_refused(self):
        for (model, method), group in PUBLIC_METHODS.items():
            if group == RECORD or model not in self.env:
                continue
            if model == "res.partner":
                records = self.customer
            elif self.env[model]._abstract:
                records = self.env[model]
            else:
                records = self.env[model].search([], limit=1)
            for role in ROLE_ORDER[:ROLE_ORDER.index(group)]:
                with self.assertRaises(AccessError, msg=f"{role} called {model}.{method}"):
                    getattr(records.with_user(self.users[role]), method)()

    def test_record_methods_need_access_to_the_record(self):
        """Without the Customer File app an employee has no access to our models at all, so
        the methods that act with the caller's rights are refused to them."""
        our_models = {model for model, _method in PUBLIC_METHODS if model != "res.partner"}
        employee = self.users[EMPLOYEE]
        for model in sorted(our_models & set(self.env)):
            self.assertFalse(self.env[model].with_user(employee).has_access("read"), model)

    def test_no_model_of_ours_is_open_to_employees_or_portal_users(self):
        """Reference lists (tags, fault categories, segments) are for Customer File users;
        portal users reach their feedback only through the portal's own checks."""
        portal = new_test_user(self.env, login="pm_portal", groups="base.group_portal")
        employee = self.users[EMPLOYEE]
        portal_readable = {"customer.feedback"}
        for model_name in self.env.registry:
            model = self.env[model_name]
            if (model._abstract or model._transient
                    or not (model._original_module or "").startswith("customer_file")):
                continue
            self.assertFalse(model.with_user(employee).has_access("read"), model_name)
            if model_name not in portal_readable:
                self.assertFalse(model.with_user(portal).has_access("read"), model_name)
            for operation in ("write", "create", "unlink"):
                self.assertFalse(model.with_user(portal).has_access(operation),
                                 f"{model_name} {operation}")
