from odoo import api, models

from .sale_order import PURCHASE_FIELDS_LINE


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.order_id._sync_purchase_history_if_confirmed()
        return lines

    def write(self, vals):
        result = super().write(vals)
        if PURCHASE_FIELDS_LINE.intersection(vals):
            self.order_id._sync_purchase_history_if_confirmed()
        return result

    def unlink(self):
        orders = self.order_id
        result = super().unlink()
        orders.exists()._sync_purchase_history_if_confirmed()
        return result
