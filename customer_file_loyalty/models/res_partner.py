from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

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
        if operator in Domain.NEGATIVE_OPERATORS:
            return NotImplemented  # the ORM negates the positive search
        in_company = Domain("company_id", "=", self.env.company.id)
        if operator != "in":  # a name typed in the search bar
            return Domain("commercial_partner_id.membership_ids", "any",
                          in_company & Domain("level_id", operator, value))
        level_ids = [level_id for level_id in value if level_id]
        domain = Domain("commercial_partner_id.membership_ids", "any",
                        in_company & Domain("level_id", "in", level_ids)
                        ) if level_ids else Domain.FALSE
        if False in value:
            domain |= Domain("commercial_partner_id.membership_ids", "not any", in_company)
        return domain

    def _field_to_sql(self, alias, field_expr, query=None):
        """The level in the current company as SQL, so that the customers list can group
        and sort by it: the customer's membership of that company (as the user may read
        memberships), joined on its commercial partner. A customer holds one level per
        company, so the level cannot be a column of the partner."""
        if field_expr != "membership_level_id" or query is None:
            return super()._field_to_sql(alias, field_expr, query)
        self._check_field_access(self._fields["membership_level_id"], "read")
        company_id = self.env.company.id
        memberships = self.env["customer.membership"]._search([("company_id", "=", company_id)])
        membership = query.make_alias(alias, f"membership_company_{company_id}")
        query.add_join(
            "LEFT JOIN", membership,
            memberships.subselect(SQL.identifier(memberships.table, "partner_id"),
                                  SQL.identifier(memberships.table, "level_id")),
            SQL("%s = %s", SQL.identifier(membership, "partner_id"),
                self._field_to_sql(alias, "commercial_partner_id", query)),
        )
        return SQL.identifier(membership, "level_id")

    @api.model
    def _job_fields(self):
        return super()._job_fields() | {
            "membership_ids", "membership_id", "membership_level_id", "membership_level_since",
            "membership_review_date", "membership_qualifying_value", "membership_history_ids",
        }
