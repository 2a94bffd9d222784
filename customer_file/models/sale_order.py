from odoo import models

# Changing one of these on a confirmed order changes what the customer bought.
PURCHASE_FIELDS_ORDER = {"state", "partner_id", "date_order", "company_id", "team_id"}
PURCHASE_FIELDS_LINE = {"product_id", "product_uom_qty", "price_unit", "discount", "tax_ids",
                        "price_subtotal", "display_type"}


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def write(self, vals):
        result = super().write(vals)
        if PURCHASE_FIELDS_ORDER.intersection(vals):
            self.env["customer.purchase.line"].sudo()._sync_sale_orders(self)
        if vals.get("state") == "sale":
            self.env["customer.owned.product"].sudo()._create_from_sale_orders(self)
        return result

    def _sync_purchase_history_if_confirmed(self):
        confirmed = self.filtered(lambda order: order.state == "sale")
        self.env["customer.purchase.line"].sudo()._sync_sale_orders(confirmed)
