from odoo import fields, models
from odoo.tools import SQL


class MergePartnerAutomatic(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_foreign_keys(self, src_partners, dst_partner):
        """A merged customer's key account period ends there (released), so the kept one
        brings its history without a second current period; the next assignment decides
        the kept customer's manager."""
        self.env.cr.execute(SQL(
            """UPDATE customer_key_account_assignment
                  SET date_to = %s, end_reason = 'released'
                WHERE partner_id = ANY(%s) AND date_to IS NULL""",
            fields.Date.context_today(self), src_partners.ids,
        ))
        self.env["customer.key.account.assignment"].invalidate_model(["date_to", "end_reason"])
        return super()._update_foreign_keys(src_partners, dst_partner)
