from odoo import api, fields, models, tools

DEFAULT_BULK_READ_THRESHOLD = 500


class CustomerPrivacyConfig(models.Model):
    """How one company protects its customers' personal data."""

    _name = "customer.privacy.config"
    _description = "Customer Privacy Settings"
    _inherit = ["customer.file.company.settings"]

    bulk_read_threshold = fields.Integer(
        default=DEFAULT_BULK_READ_THRESHOLD,
        help="A user who reads more customers than this in one request is written to the "
        "access log. 0 logs nothing.",
    )

    pipl_response_days = fields.Integer(
        string="PIPL Response Days", default=15,
        help="Days to answer a data-subject request under China's PIPL, from its receipt.",
    )
    gdpr_response_days = fields.Integer(
        string="GDPR Response Days", default=30,
        help="Days to answer a data-subject request under the GDPR, from its receipt.",
    )

    _response_days_positive = models.Constraint(
        "CHECK(pipl_response_days > 0 AND gdpr_response_days > 0)",
        "The days to answer a data-subject request must be at least 1.",
    )
    _bulk_read_threshold_positive = models.Constraint(
        "CHECK(bulk_read_threshold >= 0)", "The bulk read threshold cannot be negative."
    )

    def write(self, vals):
        result = super().write(vals)
        self.env.registry.clear_cache()
        return result

    @api.model
    @tools.ormcache("company_id")
    def _bulk_read_threshold(self, company_id):
        """Read on every list of customers: cached, so it costs no query."""
        settings = self.sudo().search([("company_id", "=", company_id)], limit=1)
        return settings.bulk_read_threshold if settings else DEFAULT_BULK_READ_THRESHOLD
