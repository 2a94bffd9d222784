from collections import defaultdict

from odoo import api, fields, models


class LoyaltyHistory(models.Model):
    _inherit = "loyalty.history"

    membership_bonus = fields.Float(
        readonly=True,
        help="Points of this entry added by the points multiplier of the customer's "
        "membership level; they are spendable but do not qualify for levels.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        """Points earned on an order by a member of a level with a multiplier are
        multiplied: the entry and the card get the bonus. Points given by hand, gift cards
        and eWallets are not."""
        cards = self.env["loyalty.card"].browse(
            {vals["card_id"] for vals in vals_list
             if vals.get("order_model") and vals.get("issued", 0) > 0 and vals.get("card_id")}
        ).sudo().filtered(lambda card: card.program_type == "loyalty" and card.partner_id)
        multipliers = cards._membership_multipliers()
        bonus_per_card = defaultdict(float)
        for vals in vals_list:
            multiplier = multipliers.get(vals.get("card_id"), 1.0)
            if multiplier != 1.0 and vals.get("order_model") and vals.get("issued", 0) > 0:
                bonus = vals["issued"] * (multiplier - 1.0)
                vals["issued"] += bonus
                vals["membership_bonus"] = bonus
                bonus_per_card[vals["card_id"]] += bonus
        for card in cards:
            if bonus_per_card.get(card.id):
                card.points += bonus_per_card[card.id]
        return super().create(vals_list)

    def unlink(self):
        """An entry removed (sale_loyalty removes those of a cancelled order and takes the
        order's points back from the card) takes its bonus back too."""
        for entry in self.sudo().filtered("membership_bonus"):
            entry.card_id.points -= entry.membership_bonus
        return super().unlink()
