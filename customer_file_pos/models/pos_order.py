from odoo import models

# Changing one of these changes what the customer bought at the point of sale.
PURCHASE_FIELDS = {"state", "partner_id", "date_order", "company_id"}


class PosOrder(models.Model):
    _inherit = "pos.order"

    def write(self, vals):
        result = super().write(vals)
        if PURCHASE_FIELDS.intersection(vals):
            self.env["customer.purchase.line"].sudo()._sync_pos_orders(self)
        return result
