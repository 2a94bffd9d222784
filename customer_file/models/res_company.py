from datetime import datetime

import pytz
from dateutil.relativedelta import relativedelta

from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    customer_purchase_basis = fields.Selection(
        [("order", "Confirmed sale orders"), ("invoice", "Posted invoices")],
        string="Count Sales By",
        default="order",
        required=True,
        help="Confirmed sale orders: a sale counts when its order is confirmed; customer "
        "invoices and credit notes without a sale order count as well, credit notes of "
        "orders net them. Posted invoices: only posted customer invoices and credit notes "
        "count, whether they come from an order or not. Changing it rebuilds this company's "
        "purchase history.",
    )

    def write(self, vals):
        changed = self.filtered(
            lambda company: "customer_purchase_basis" in vals
            and company.customer_purchase_basis != vals["customer_purchase_basis"]
        )
        result = super().write(vals)
        if changed:
            self.env["customer.purchase.backfill"].sudo()._start(purge_companies=changed)
        return result

    def _customer_file_tz(self):
        """The time zone of the company: its partner's, else UTC. Every source cuts its dates
        with it, and the jobs' "today" is the company's today."""
        self.ensure_one()
        return self.partner_id.tz or "UTC"

    def _customer_file_today(self):
        self.ensure_one()
        return datetime.now(pytz.timezone(self._customer_file_tz())).date()

    def _customer_file_year_ago(self):
        """The start (excluded) of the 12-month spend window."""
        return self._customer_file_today() - relativedelta(years=1)
