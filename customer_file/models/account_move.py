from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._sync_customer_purchases()
        return posted

    def button_draft(self):
        result = super().button_draft()
        self._sync_customer_purchases()
        return result

    def button_cancel(self):
        result = super().button_cancel()
        self._sync_customer_purchases()
        return result

    def _sync_customer_purchases(self):
        """Customer invoices and credit notes enter or leave the purchase history with
        their state (see customer.purchase.line for which lines count)."""
        self.env["customer.purchase.line"].sudo()._sync_invoices(self)

    # Kept for callers of earlier versions.
    _sync_customer_refunds = _sync_customer_purchases
