from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

# (English name, Chinese name, spend threshold, points multiplier, complaint priority)
DEMO_LEVELS = [
    ("Standard", "普通", 0, 1.0, "1"),
    ("Silver", "银卡", 10000, 1.25, "1"),
    ("Gold", "金卡", 25000, 1.5, "2"),
    ("Platinum", "白金", 50000, 2.0, "3"),
]


class CustomerFileDemoGenerator(models.AbstractModel):
    _inherit = "customer.file.demo.generator"

    @api.model
    def _generate_membership_levels(self):
        """The four demo levels on the 12-month spend, then evaluations 18 and 6 months
        ago (replayed without e-mails) and today, so that customers have a level history
        with promotions and demotions."""
        company = self.env.company
        Level = self.env["customer.membership.level"]
        levels = Level
        for sequence, (name, name_zh, threshold, multiplier, priority) in enumerate(
            DEMO_LEVELS, start=1
        ):
            level = Level.create({
                "name": name, "sequence": sequence * 10, "threshold": threshold,
                "points_multiplier": multiplier, "complaint_priority": priority,
                "company_id": company.id,
                "benefits": f"<p>{name}: {multiplier:g} × points</p>",
            })
            level.update_field_translations("name", {"zh_CN": name_zh})
            levels |= level
        self.env["customer.membership.config"]._for_company(company).write(
            {"basis": "spend", "grace_days": 30}
        )
        today = company._customer_file_today()
        Membership = self.env["customer.membership"]
        Membership._evaluate_company(company, today - relativedelta(months=18), notify=False)
        Membership._evaluate_company(company, today - relativedelta(months=6), notify=False)
        Membership._evaluate_company(company, fields.Date.context_today(self), notify=False)
        return levels
