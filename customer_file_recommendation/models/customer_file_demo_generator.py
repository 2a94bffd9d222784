import random
from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Command

from odoo.addons.customer_file.models.customer_file_demo_generator import DEMO_SEED

# Accessories that follow a main product: (code, name, price, codes of the products they
# follow, share of those buyers who buy them within a month).
FOLLOW_UPS = [
    ("AC-SLEEVE", "Aurora Book Sleeve", 249.0, ("LT-14", "LT-16P"), 0.6),
    ("AC-GLASS", "Tempered Glass Screen Protector", 79.0, ("PH-X1", "PH-X1P", "PH-L5"), 0.5),
    ("AC-PEN", "Aurora Pencil", 699.0, ("TB-11",), 0.5),
]


class CustomerFileDemoGenerator(models.AbstractModel):
    _inherit = "customer.file.demo.generator"

    @api.model
    def _generate_recommendations(self, seed=DEMO_SEED):
        """Accessories bought after laptops, phones and tablets (pairs the recommendations
        find), then the weekly computation and one evaluation of it."""
        rnd = random.Random(seed + 21)
        today = fields.Date.context_today(self)
        accessories = self.env["product.category"].search([("name", "=", "Accessories")],
                                                          limit=1)
        Product = self.env["product.product"]
        vals_list = []
        for code, name, price, follows, share in FOLLOW_UPS:
            product = Product.search([("default_code", "=", code)], limit=1) or Product.create({
                "name": name, "default_code": code, "categ_id": accessories.id,
                "list_price": price, "type": "consu", "taxes_id": [Command.clear()],
            })
            lines = self.env["customer.purchase.line"].search([
                ("product_id.default_code", "in", follows), ("is_refund", "=", False),
                ("source", "=", "import"),
            ], order="id")
            for line in lines:
                if rnd.random() >= share:
                    continue
                day = min(today, line.date + timedelta(days=rnd.randrange(31)))
                document = f"{line.document_ref}/{code}"
                vals_list.append({
                    "partner_id": line.partner_id.id, "date": day, "source": "import",
                    "external_ref": document, "document_ref": document,
                    "document_name": document, "product_id": product.id, "quantity": 1,
                    "amount": price,
                })
        self.env["customer.purchase.line"].create(vals_list)
        company = self.env.company
        self.env["customer.recommendation"]._rebuild_company(company)
        evaluation = self.env["customer.recommendation.evaluation"].create({
            "company_id": company.id, "cutoff_date": today - timedelta(days=120),
            "horizon_days": 90,
        })
        evaluation._run()
        return evaluation
