from odoo import api, fields, models

from ..tools.data_quality import DEFAULT_REVIEW_MONTHS

# Fields a new company weighs its customers' completeness by (field name, weight): what a
# salesperson needs to reach, know and serve the customer. The weights add up to 100.
DEFAULT_COMPLETENESS_WEIGHTS = (
    ("email", 15),
    ("phone", 15),
    ("street", 10),
    ("city", 10),
    ("country_id", 5),
    ("gender", 5),
    ("birthdate", 10),
    ("occupation", 5),
    ("preferred_contact_channel", 5),
    ("acquisition_channel", 5),
    ("contact_point_ids", 10),
    ("region_tag_ids", 5),
)


class CustomerDataQualityConfig(models.Model):
    """How one company measures the quality of its customer files: the fields that make a
    file complete, how often each value tier is reviewed, how alike two customers must be
    to be suspected duplicates."""

    _name = "customer.data.quality.config"
    _description = "Customer Data Quality Settings"
    _inherit = ["customer.file.company.settings"]

    completeness_weight_ids = fields.One2many(
        "customer.completeness.weight", "config_id", string="Completeness Weights",
        help="Each customer scores the share of these weights whose field is filled.",
    )
    completeness_threshold = fields.Integer(
        string="Complete From (%)", default=70,
        help="Customers below this completeness are listed as incomplete.",
    )
    review_months_high = fields.Integer(
        string="Review High Value Every (months)", default=DEFAULT_REVIEW_MONTHS["high"])
    review_months_medium = fields.Integer(
        string="Review Medium Value Every (months)", default=DEFAULT_REVIEW_MONTHS["medium"])
    review_months_low = fields.Integer(
        string="Review Low Value Every (months)", default=DEFAULT_REVIEW_MONTHS["low"])
    review_months_default = fields.Integer(
        string="Review Other Customers Every (months)", default=DEFAULT_REVIEW_MONTHS["default"],
        help="Customers without a value tier (the segmentation addon sets the tiers).",
    )
    review_activity_limit = fields.Integer(
        string="Review Activities per Day", default=500,
        help="The daily job schedules at most this many review activities, the longest "
        "overdue customers first; the others follow on the next days.",
    )
    duplicate_name_similarity = fields.Float(
        string="Similar Names From", default=0.5, digits=(3, 2),
        help="Trigram similarity (0 to 1) from which two customers' names count as similar.",
    )
    duplicate_address_similarity = fields.Float(
        string="Similar Addresses From", default=0.7, digits=(3, 2),
        help="Trigram similarity (0 to 1) from which two customers' addresses count as "
        "similar. Customers with similar names and similar addresses are suspected.",
    )

    _review_months_positive = models.Constraint(
        "CHECK(review_months_high > 0 AND review_months_medium > 0 AND review_months_low > 0"
        " AND review_months_default > 0)",
        "Review intervals must be at least one month.",
    )
    _threshold_range = models.Constraint(
        "CHECK(completeness_threshold BETWEEN 0 AND 100)",
        "The completeness threshold is a percentage between 0 and 100.",
    )
    _similarity_range = models.Constraint(
        "CHECK(duplicate_name_similarity > 0 AND duplicate_name_similarity <= 1"
        " AND duplicate_address_similarity > 0 AND duplicate_address_similarity <= 1)",
        "Similarities are between 0 (excluded) and 1.",
    )
    _activity_limit_positive = models.Constraint(
        "CHECK(review_activity_limit >= 0)", "The number of review activities cannot be negative."
    )

    @api.model_create_multi
    def create(self, vals_list):
        Field = self.env["ir.model.fields"]
        for vals in vals_list:
            if "completeness_weight_ids" not in vals:
                vals["completeness_weight_ids"] = [
                    fields.Command.create({"field_id": Field._get("res.partner", name).id,
                                           "weight": weight})
                    for name, weight in DEFAULT_COMPLETENESS_WEIGHTS
                ]
        configs = super(CustomerDataQualityConfig,
                        self.with_context(customer_completeness_batch=True)).create(vals_list)
        configs = self.browse(configs.ids)
        configs._weights_changed()
        return configs

    def write(self, vals):
        result = super(CustomerDataQualityConfig,
                       self.with_context(customer_completeness_batch=True)).write(vals)
        if "completeness_weight_ids" in vals:
            self._weights_changed()
        return result

    def _weights_changed(self):
        self.env.registry.clear_cache()
        self.env["res.partner"]._recompute_completeness(companies=self.company_id)

    @api.model
    def _ensure_company_configs(self):
        """Every company has its settings (with the default weights): called on install."""
        for company in self.env["res.company"].sudo().search([]):
            self._for_company(company)

    @api.model
    def _main_company_id(self):
        """The company whose settings apply to customers shared by every company."""
        return self.env["res.company"].sudo().search([], order="id", limit=1).id
