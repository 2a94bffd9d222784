from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools.access import check_group
from ..tools.job_fields import check_job_fields

PRIVACY_OFFICER = "customer_file.group_customer_file_privacy_officer"
RETENTION_CATEGORIES = [
    ("interactions", "Interactions"),
    ("service_records", "Service Records"),
    ("feedback", "Feedback"),
    ("consent_evidence", "Consent Evidence"),
    ("inactive_customers", "Inactive Customers"),
]
BATCH_SIZE = 1000
JOB_FIELDS = {"preview_count", "preview_date", "last_run_date", "last_run_count"}


class CustomerRetentionPolicy(models.Model):
    """How long a company keeps one category of customer data; the daily job (inactive
    until a Privacy Officer turns it on) deletes or anonymizes what is older.

    Each category says which records it takes and what happens to them in
    ``_retention_target``; addons that hold a category's records (feedback, consent)
    extend that method.
    """

    _name = "customer.retention.policy"
    _description = "Customer Data Retention Policy"
    _order = "company_id, category"
    _rec_name = "category"

    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    category = fields.Selection(RETENTION_CATEGORIES, required=True)
    keep_years = fields.Integer(
        string="Keep (Years)", required=True, default=3,
        help="Records older than this many years go: by their date, or for inactive "
        "customers, by their last purchase, interaction and order.",
    )
    action_description = fields.Char(
        string="What Happens", compute="_compute_action_description"
    )
    preview_count = fields.Integer(
        string="Would Go", readonly=True, copy=False,
        help="How many records the policy would take, at the last preview.",
    )
    preview_date = fields.Datetime(string="Previewed On", readonly=True, copy=False)
    last_run_date = fields.Datetime(string="Last Applied", readonly=True, copy=False)
    last_run_count = fields.Integer(string="Records Applied", readonly=True, copy=False)

    _keep_years_positive = models.Constraint(
        "CHECK(keep_years >= 1)", "A retention policy keeps data for at least one year."
    )
    _one_policy_per_category = models.UniqueIndex(
        "(company_id, category) WHERE active",
        "A company has one active retention policy per category.",
    )

    @api.depends("category")
    def _compute_action_description(self):
        labels = {
            "unlink": self.env._("Deleted"),
            "anonymize": self.env._("Anonymized (purchases, orders and invoices kept)"),
            "blank": self.env._("Kept, free text blanked"),
        }
        for policy in self:
            target = policy._retention_target(fields.Date.today()) if policy.category else None
            policy.action_description = (
                labels[target[2]] if target else self.env._("No records of this kind installed")
            )

    @api.model_create_multi
    def create(self, vals_list):
        check_job_fields(self, vals_list, JOB_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_job_fields(self, [vals], JOB_FIELDS)
        return super().write(vals)

    def _cutoff(self):
        self.ensure_one()
        return fields.Date.context_today(self) - relativedelta(years=self.keep_years)

    def _retention_target(self, cutoff):
        """(model, domain, action) of what this policy takes at ``cutoff`` (a date), or
        None when no installed addon holds the category's records. ``action`` is "unlink",
        "blank" (``_retention_blank_values``) or "anonymize" (customers only). Addons
        extend this for their categories."""
        self.ensure_one()
        company = Domain("company_id", "=", self.company_id.id)
        if self.category == "interactions":
            return ("customer.interaction", company & Domain("date", "<", cutoff), "unlink")
        if self.category == "service_records":
            return (
                "customer.service.record",
                company & Domain("received_date", "<", cutoff)
                & Domain("state", "in", ("done", "cancelled"))
                & (Domain("fault_description", "!=", False) | Domain("outcome", "!=", False)),
                "blank",
            )
        if self.category == "inactive_customers":
            return ("res.partner", self._inactive_customers_domain(cutoff), "anonymize")
        return None

    def _retention_blank_values(self):
        """The values written on the records of a "blank" category."""
        self.ensure_one()
        if self.category == "service_records":
            return {"fault_description": False, "outcome": False}
        return {}

    def _inactive_customers_domain(self, cutoff):
        """Commercial customers of the policy's company (or shared), not erased yet, who
        neither bought, nor were in touch, nor ordered (they or their contacts) since
        ``cutoff``, nor were created since. Companies' and employees' partners never."""
        self.ensure_one()
        self.env["customer.interaction"].flush_model(["commercial_partner_id", "date"])
        recent = SQL(
            "SELECT commercial_partner_id FROM customer_interaction WHERE date >= %s", cutoff
        )
        if "sale.order" in self.env:
            self.env["sale.order"].flush_model(["partner_id", "date_order"])
            self.env["res.partner"].flush_model(["commercial_partner_id"])
            recent = SQL(
                "%s UNION SELECT partner.commercial_partner_id FROM sale_order sale_order"
                " JOIN res_partner partner ON partner.id = sale_order.partner_id"
                " WHERE sale_order.date_order >= %s",
                recent, cutoff,
            )
        companies = self.env["res.company"].sudo().with_context(active_test=False).search([])
        return (
            Domain("parent_id", "=", False)
            & Domain("company_id", "in", (self.company_id.id, False))
            & (Domain("customer_rank", ">", 0) | Domain("customer_code", "!=", False))
            & Domain("customer_file_erased_date", "=", False)
            & Domain("create_date", "<", cutoff)
            & (Domain("last_purchase_date", "=", False) | Domain("last_purchase_date", "<", cutoff))
            & Domain("id", "not any!", recent)
            & Domain("id", "not in", companies.partner_id.ids)
            & Domain("user_ids", "not any", [("share", "=", False)])
        )

    # Dry run

    def action_preview(self):
        """Count what each policy would take now (one COUNT query per policy), without
        touching anything, and list the policies with their counts."""
        check_group(self.env, PRIVACY_OFFICER)
        self.check_access("read")
        now = fields.Datetime.now()
        for policy in self:
            target = policy._retention_target(policy._cutoff())
            count = 0
            if target:
                model_name, domain, _action = target
                count = self.env[model_name].sudo().with_context(
                    active_test=False
                ).search_count(domain)
            policy.sudo().write({"preview_count": count, "preview_date": now})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Retention Preview"),
            "res_model": self._name,
            "view_mode": "list,form",
            "domain": [("id", "in", self.ids)],
        }

    def action_open_records(self):
        """The records the policy would take now."""
        check_group(self.env, PRIVACY_OFFICER)
        self.ensure_one()
        target = self._retention_target(self._cutoff())
        if not target:
            raise UserError(self.env._(
                "No installed addon holds records of the category %(category)s.",
                category=dict(RETENTION_CATEGORIES)[self.category],
            ))
        model_name, domain, _action = target
        # The records of now, by id: the domain may hold SQL that an action cannot carry.
        records = self.env[model_name].sudo().with_context(active_test=False).search(domain)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("%(policy)s: would go", policy=self.display_name),
            "res_model": model_name,
            "view_mode": "list,form",
            "domain": [("id", "in", records.ids)],
            "context": {"active_test": False, "create": False},
        }

    # Apply

    @api.model
    def _cron_apply_retention(self):
        """The daily job (created inactive): apply every active policy, committing batch by
        batch so a long run keeps its progress."""
        self.sudo().search([])._apply(commit=True)

    def _apply(self, commit=False, batch_size=BATCH_SIZE):
        """Delete, blank or anonymize what each policy takes, ``batch_size`` records at a
        time. ``commit`` commits after each batch (the job; never inside tests)."""
        Cron = self.env["ir.cron"]
        for policy in self.sudo():
            target = policy._retention_target(policy._cutoff())
            if not target:
                continue
            model_name, domain, action = target
            Model = self.env[model_name].sudo().with_context(
                active_test=False, tracking_disable=True, mail_notrack=True,
            )
            done, last_id = 0, 0
            while True:
                # By increasing id: a batch that stays in the domain is never taken twice.
                records = Model.search(
                    domain & Domain("id", ">", last_id), limit=batch_size, order="id"
                )
                if not records:
                    break
                last_id = records[-1].id
                policy._apply_batch(records, action)
                done += len(records)
                policy.write({"last_run_date": fields.Datetime.now(), "last_run_count": done})
                if commit:
                    time_left = Cron._commit_progress(len(records), remaining=Model.search_count(
                        domain & Domain("id", ">", last_id)
                    ))
                    if time_left <= 0:
                        # The job's time is up: the next run goes on from here.
                        return False
                if len(records) < batch_size:
                    break
        return True

    def _apply_batch(self, records, action):
        self.ensure_one()
        if action == "unlink":
            records.unlink()
        elif action == "blank":
            records.write(self._retention_blank_values())
        elif action == "anonymize":
            self.env["customer.data.request"].sudo()._erase_partners(
                records, reason=self.env._(
                    "Retention policy: %(category)s after %(years)s years",
                    category=dict(RETENTION_CATEGORIES)[self.category], years=self.keep_years,
                ),
            )
        else:
            raise UserError(self.env._("Unknown retention action %s.", action))
