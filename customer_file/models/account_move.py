from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._sync_customer_refunds()
        return posted

    def button_draft(self):
        result = super().button_draft()
        self._sync_customer_refunds()
        return result

    def button_cancel(self):
        result = super().button_cancel()
        self._sync_customer_refunds()
        return result

    def _sync_customer_refunds(self):
        credit_notes = self.filtered(lambda move: move.move_type == "out_refund")
        self.env["customer.purchase.line"].sudo()._sync_credit_notes(credit_notes)
