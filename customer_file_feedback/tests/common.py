from odoo.tests import new_test_user

from odoo.addons.base.tests.common import BaseCommon


class FeedbackCase(BaseCommon):
    """Customers owned by a salesperson of a sales team, and a UTC working calendar
    (Monday to Friday, 08:00-12:00 and 13:00-17:00) for the company's service levels."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.leader = new_test_user(
            cls.env, login="fb_leader", name="Team Leader",
            groups="customer_file.group_customer_file_officer",
        )
        cls.salesperson = new_test_user(
            cls.env, login="fb_sales", name="Salesperson",
            groups="customer_file.group_customer_file_user",
        )
        cls.team = cls.env["crm.team"].create({
            "name": "Feedback Team", "user_id": cls.leader.id,
            "member_ids": [(4, cls.salesperson.id)],
        })
        cls.calendar = cls.env["resource.calendar"].create({
            "name": "Office hours (UTC)", "tz": "UTC", "company_id": cls.company.id,
        })
        cls.config = cls.env["customer.feedback.config"]._for_company(cls.company)
        cls.config.resource_calendar_id = cls.calendar
        cls.customer = cls._customer("Li Wei")

    @classmethod
    def _customer(cls, name, user=None, **vals):
        user = user if user is not None else cls.salesperson
        return cls.env["res.partner"].create({
            "name": name, "customer_rank": 1, "user_id": user.id, **vals,
        })

    @classmethod
    def _feedback(cls, partner=None, **vals):
        return cls.env["customer.feedback"].create({
            "partner_id": (partner or cls.customer).id,
            "summary": "Feedback",
            **vals,
        })

    @classmethod
    def _complaint(cls, partner=None, **vals):
        return cls._feedback(partner, feedback_type="complaint", summary="Late delivery", **vals)
