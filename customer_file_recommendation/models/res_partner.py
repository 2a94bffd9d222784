from odoo import fields, models

from odoo.addons.customer_file.tools.access import check_group

USER = "customer_file.group_customer_file_user"


class ResPartner(models.Model):
    _inherit = "res.partner"

    customer_recommendation_ids = fields.One2many(
        "customer.recommendation", "partner_id", string="Recommendations",
        groups=USER,
    )

    def action_refresh_recommendations(self):
        """Recompute these customers' recommendations from the stored products bought
        together (the weekly job recomputes both)."""
        check_group(self.env, USER)
        self.check_access("read")
        partners = self.commercial_partner_id
        self.env["customer.recommendation"].sudo()._rebuild(
            self.env.company, partner_ids=partners.ids
        )
        return True
