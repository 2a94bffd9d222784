from odoo import api, fields, models

USER = "customer_file.group_customer_file_user"


class SaleOrder(models.Model):
    _inherit = "sale.order"

    customer_recommendation_ids = fields.Many2many(
        "customer.recommendation", string="Recommended Products",
        compute="_compute_customer_recommendation_ids", groups=USER,
        help="Recommended to the customer, less the products already on the order.",
    )

    @api.depends("partner_id", "company_id", "order_line.product_id")
    def _compute_customer_recommendation_ids(self):
        Recommendation = self.env["customer.recommendation"]
        for order in self:
            if not order.partner_id:
                order.customer_recommendation_ids = Recommendation
                continue
            order.customer_recommendation_ids = Recommendation.search([
                ("partner_id", "=", order.partner_id.commercial_partner_id.id),
                ("company_id", "=", order.company_id.id),
                ("product_id", "not in", order.order_line.product_id.ids),
            ])
