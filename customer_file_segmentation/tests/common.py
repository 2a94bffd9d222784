from datetime import timedelta

from odoo import fields
from odoo.fields import Command
from odoo.tests import new_test_user
from odoo.tools import SQL

from odoo.addons.base.tests.common import BaseCommon


class SegmentationCase(BaseCommon):
    """Customers with purchases dated relative to today, and shortcuts to score them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.context_today(cls.env["customer.rfm.run"])
        cls.product = cls.env["product.product"].create({
            "name": "Espresso Machine", "type": "consu", "taxes_id": [Command.clear()],
        })
        cls.config = cls.env["customer.rfm.config"]._for_company(cls.company)
        cls._document_count = 0

    @classmethod
    def _customer(cls, name, **values):
        return cls.env["res.partner"].create({"name": name, "customer_rank": 1, **values})

    @classmethod
    def _buy(cls, partner, days_ago, amount, company=None, refund=False):
        """One imported order (or credit note) of one line, ``days_ago`` days ago."""
        cls._document_count += 1
        ref = f"test:{cls._document_count}"
        return cls.env["customer.purchase.line"].sudo().create({
            "partner_id": partner.id,
            "company_id": (company or cls.company).id,
            "date": cls.today - timedelta(days=days_ago),
            "source": "import",
            "external_ref": ref,
            "document_ref": ref,
            "document_name": ref,
            "product_id": cls.product.id,
            "quantity": -1 if refund else 1,
            "amount": -amount if refund else amount,
            "is_refund": refund,
        })

    def _committed_earlier(self):
        """Date the purchase lines so far as created a day ago, as if committed by earlier
        transactions: a test runs in one transaction, where every line is created at its
        start, and incremental runs find the lines created since the previous run began."""
        self.env.flush_all()
        self.env.cr.execute(SQL(
            "UPDATE customer_purchase_line"
            "   SET create_date = NOW() AT TIME ZONE 'UTC' - INTERVAL '1 day'"
        ))
        self.env["customer.purchase.line"].invalidate_model(["create_date"])

    def _run(self, mode="full", company=None, partner_ids=None):
        return self.env["customer.rfm.run"]._run_company(company or self.company, mode,
                                                         partner_ids)

    def _score(self, partner, company=None):
        return self.env["customer.rfm.score"].search([
            ("partner_id", "=", partner.id), ("company_id", "=", (company or self.company).id),
        ])

    def _warnings(self, partner, company=None):
        return self.env["customer.churn.warning"].search([
            ("partner_id", "=", partner.id), ("company_id", "=", (company or self.company).id),
        ])

    def _row_version(self, record):
        """Where the row lies in its table: every rewrite of a row, even in place, moves it."""
        return self.env.execute_query(SQL(
            "SELECT ctid::text FROM %s WHERE id = %s", SQL.identifier(record._table), record.id,
        ))[0][0]


class RolesCase(SegmentationCase):
    """Two salespeople's customers scored once, and a user of each role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(cls.env, "seg_guard_sales",
                                     "customer_file.group_customer_file_user")
        cls.other_salesman = new_test_user(cls.env, "seg_guard_sales_2",
                                           "customer_file.group_customer_file_user")
        cls.officer = new_test_user(cls.env, "seg_guard_officer",
                                    "customer_file.group_customer_file_officer")
        cls.manager = new_test_user(cls.env, "seg_guard_manager",
                                    "customer_file.group_customer_file_manager")
        cls.employee = new_test_user(cls.env, "seg_guard_employee",
                                     "base.group_user,sales_team.group_sale_salesman")
        cls.mine = cls._customer("Mine", user_id=cls.salesman.id)
        cls.theirs = cls._customer("Theirs", user_id=cls.other_salesman.id)
        for partner in cls.mine | cls.theirs:
            for days in range(120, 301, 30):
                cls._buy(partner, days, 100)
        cls.config.control_group_percent = 0
        cls.env["customer.rfm.run"]._run_company(cls.company, "full")

    def _runs(self):
        return self.env["customer.rfm.run"].search([("company_id", "=", self.company.id)])
