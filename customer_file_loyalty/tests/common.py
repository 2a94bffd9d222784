from datetime import timedelta

from odoo.tests import new_test_user

from odoo.addons.base.tests.common import BaseCommon


class MembershipCase(BaseCommon):
    """Three levels on the 12-month spend (Standard from 0, Silver from 1,000, Gold from
    5,000) and customers owned by a salesperson."""

    _document_count = 0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.today = cls.company._customer_file_today()
        cls.salesperson = new_test_user(cls.env, login="lv_sales", name="Level Salesperson",
                                        groups="customer_file.group_customer_file_user")
        cls.manager = new_test_user(cls.env, login="lv_manager", name="Level Manager",
                                    groups="customer_file.group_customer_file_manager")
        cls.env["customer.membership.level"].search([]).write({"active": False})
        Level = cls.env["customer.membership.level"]
        cls.standard = Level.create({"name": "Standard", "sequence": 10, "threshold": 0})
        cls.silver = Level.create({"name": "Silver", "sequence": 20, "threshold": 1000})
        cls.gold = Level.create({"name": "Gold", "sequence": 30, "threshold": 5000})
        cls.config = cls.env["customer.membership.config"]._for_company(cls.company)
        cls.config.write({"basis": "spend", "grace_days": 30, "review_month": False,
                          "last_evaluation_date": False})
        cls.product = cls.env["product.product"].create({"name": "Phone"})
        cls.customer = cls._customer("Wang Fang", email="wang.fang@example.com")

    @classmethod
    def _customer(cls, name, **values):
        return cls.env["res.partner"].create({
            "name": name, "customer_rank": 1, "user_id": cls.salesperson.id, **values,
        })

    @classmethod
    def _buy(cls, partner, day, amount):
        """One imported order of ``amount`` on ``day`` (a credit note if negative)."""
        cls._document_count += 1
        ref = f"level-test:{cls._document_count}"
        return cls.env["customer.purchase.line"].sudo().create({
            "partner_id": partner.id, "company_id": cls.company.id, "date": day,
            "source": "import", "external_ref": ref, "document_ref": ref,
            "document_name": ref, "product_id": cls.product.id,
            "quantity": 1 if amount >= 0 else -1, "amount": amount, "is_refund": amount < 0,
        })

    def _evaluate(self, day=None, notify=True):
        return self.env["customer.membership"]._evaluate_company(
            self.company, day or self.today, notify=notify
        )

    def _membership(self, partner=None):
        return self.env["customer.membership"].search([
            ("partner_id", "=", (partner or self.customer).id),
            ("company_id", "=", self.company.id),
        ])

    @staticmethod
    def _days(day, count):
        return day + timedelta(days=count)
