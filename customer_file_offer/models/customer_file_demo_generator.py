import random
from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Command
from odoo.tools import SQL

from odoo.addons.customer_file.models.customer_file_demo_generator import DEMO_SEED

# Chance to buy in a 30-day window: anyway, and for a treated customer who uses the coupon.
BASE_BUY_RATE = 0.15
REDEEM_RATE = 0.30


class CustomerFileDemoGenerator(models.AbstractModel):
    _inherit = "customer.file.demo.generator"

    @api.model
    def _generate_offer_campaign(self, seed=DEMO_SEED):
        """A finished coupon campaign: launched 45 days ago on the individual customers who
        consent to marketing by phone (coupons sent by SMS), with purchases planted in its
        30-day window (treated customers who used their coupon bought more), then measured
        and closed, so its uplift shows."""
        rnd = random.Random(seed + 11)
        today = fields.Date.context_today(self)
        program = self.env["loyalty.program"].create({
            "name": "10% off your next order",
            "program_type": "coupons",
            "trigger": "with_code",
            "applies_on": "current",
            "reward_ids": [Command.create({
                "reward_type": "discount", "discount": 10, "discount_mode": "percent",
                "discount_applicability": "order", "required_points": 1,
            })],
        })
        campaign = self.env["customer.offer.campaign"].create({
            "name": "Spring coupon for individual customers",
            "channel": "coupons",
            "program_id": program.id,
            "audience_domain": "[('customer_rank', '>', 0), ('is_company', '=', False)]",
            "consent_channel": "phone",
            "control_percent": 30.0,
            "random_seed": seed,
            "date_start": today - timedelta(days=45),
            "window_days": 30,
        })
        campaign.action_launch()
        product = self.env["product.product"].search([("sale_ok", "=", True)], order="id",
                                                      limit=1)
        lines, used_cards = [], []
        for member in campaign.member_ids.sorted("id"):
            redeems = member.cohort == "treated" and rnd.random() < REDEEM_RATE
            if not redeems and rnd.random() >= BASE_BUY_RATE:
                continue
            day = campaign.date_start + timedelta(days=rnd.randint(0, campaign.window_days - 1))
            document = f"OFFER/{campaign.id}/{member.partner_id.id}"
            amount = round(rnd.uniform(150, 900) * (1.3 if redeems else 1.0), 2)
            lines.append({
                "partner_id": member.partner_id.id, "date": day, "source": "import",
                "external_ref": document, "document_ref": document, "document_name": document,
                "product_id": product.id, "quantity": 1, "amount": amount,
            })
            if redeems:
                used_cards.append((member.coupon_id, day))
        self.env["customer.purchase.line"].create(lines)
        history = self.env["loyalty.history"].create([{
            "card_id": card.id, "description": "Store order", "used": 1,
        } for card, _day in used_cards])
        self.env["loyalty.card"].union(*(card for card, _day in used_cards)).with_context(
            loyalty_no_mail=True
        ).write({"points": 0})
        history.flush_recordset()
        # The coupons were used on the day of the order, not today.
        for entry, (_card, day) in zip(history, used_cards, strict=True):
            self.env.cr.execute(SQL(
                "UPDATE loyalty_history SET create_date = %s WHERE id = %s", day, entry.id
            ))
        history.invalidate_recordset(["create_date"])
        campaign._close()
        return campaign
