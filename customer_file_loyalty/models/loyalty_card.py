from odoo import models


class LoyaltyCard(models.Model):
    _inherit = "loyalty.card"

    def _membership_multipliers(self):
        """{card id: points multiplier of its holder's level in the card's company
        (the current one for programs of every company)}."""
        memberships = self.env["customer.membership"].sudo().search([
            ("partner_id", "in", self.partner_id.commercial_partner_id.ids),
            ("company_id", "in", (self.company_id | self.env.company).ids),
        ])
        by_key = {(membership.partner_id.id, membership.company_id.id):
                  membership.level_id.points_multiplier for membership in memberships}
        return {
            card.id: by_key.get((card.partner_id.commercial_partner_id.id,
                                 (card.company_id or self.env.company).id), 1.0)
            for card in self
        }
