from odoo import api, fields, models

USER = "customer_file.group_customer_file_user"


class ResPartner(models.Model):
    _inherit = "res.partner"

    membership_ids = fields.One2many("customer.membership", "partner_id",
                                     string="Memberships", groups=USER)
    membership_id = fields.Many2one("customer.membership", string="Current Membership",
                                    compute="_compute_membership", groups=USER)
    membership_level_id = fields.Many2one(
        "customer.membership.level",
        compute="_compute_membership", search="_search_membership_level_id", groups=USER,
        help="The customer's level in the current company, set by the nightly evaluation.",
    )
    membership_level_since = fields.Date(compute="_compute_membership", string="Level Since",
                                         groups=USER)
    membership_review_date = fields.Date(compute="_compute_membership", string="Level Review",
                                         groups=USER)
    membership_qualifying_value = fields.Float(
        compute="_compute_membership", string="Qualifying Value", groups=USER,
        help="Spend or loyalty points of the last 12 months at the last evaluation.",
    )
    membership_history_ids = fields.One2many(
        "customer.membership.level.history", "partner_id", string="Level History",
        groups=USER,
    )

    @api.depends_context("company")
    def _compute_membership(self):
        memberships = self.env["customer.membership"].search([
            ("partner_id", "in", self.commercial_partner_id.ids),
            ("company_id", "=", self.env.company.id),
        ])
        by_partner = {membership.partner_id: membership for membership in memberships}
        for partner in self:
            membership = by_partner.get(partner.commercial_partner_id,
                                        self.env["customer.membership"])
            partner.membership_id = membership
            partner.membership_level_id = membership.level_id
            partner.membership_level_since = membership.level_since
            partner.membership_review_date = membership.review_date
            partner.membership_qualifying_value = membership.qualifying_value

    def _search_membership_level_id(self, operator, value):
        if operator in ("=", "in") and not value:
            return [("commercial_partner_id.membership_ids", "not any", [
                ("company_id", "=", self.env.company.id),
            ])]
        return [("commercial_partner_id.membership_ids", "any", [
            ("company_id", "=", self.env.company.id), ("level_id", operator, value),
        ])]

    @api.model
    def _job_fields(self):
        return super()._job_fields() | {
            "membership_ids", "membership_id", "membership_level_id", "membership_level_since",
            "membership_review_date", "membership_qualifying_value", "membership_history_ids",
        }
