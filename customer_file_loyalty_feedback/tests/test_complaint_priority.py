from odoo.tests import Form, tagged

from odoo.addons.base.tests.common import BaseCommon


@tagged("post_install", "-at_install")
class TestComplaintPriority(BaseCommon):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.env["customer.membership.level"].search([]).write({"active": False})
        Level = cls.env["customer.membership.level"]
        Level.create({"name": "Standard", "sequence": 10, "threshold": 0,
                      "complaint_priority": "1"})
        cls.gold = Level.create({"name": "Gold", "sequence": 20, "threshold": 1000,
                                 "complaint_priority": "3"})
        cls.env["customer.membership.config"]._for_company(company).basis = "spend"
        cls.customer = cls.env["res.partner"].create(
            {"name": "Gold Co", "is_company": True, "customer_rank": 1})
        cls.contact = cls.env["res.partner"].create(
            {"name": "Gold Buyer", "parent_id": cls.customer.id})
        cls.plain = cls.env["res.partner"].create({"name": "New Customer", "customer_rank": 1})
        cls.env["customer.purchase.line"].sudo().create({
            "partner_id": cls.contact.id, "date": company._customer_file_today(),
            "source": "import", "external_ref": "prio:1", "document_ref": "prio:1",
            "document_name": "prio:1", "quantity": 1, "amount": 1500,
        })
        cls.env["customer.membership"]._evaluate_company(company, notify=False)

    def _complaint(self, partner, **vals):
        return self.env["customer.feedback"].create({
            "feedback_type": "complaint", "partner_id": partner.id, "summary": "Broken",
            **vals,
        })

    def test_new_complaints_take_the_level_priority(self):
        self.assertEqual(self._complaint(self.contact).priority, "3")
        self.assertEqual(self._complaint(self.customer).priority, "3")
        self.assertEqual(self._complaint(self.plain).priority, "1", "no level: the default")
        self.assertEqual(self._complaint(self.contact, priority="0").priority, "0",
                         "a priority given is kept")
        review = self.env["customer.feedback"].create({
            "feedback_type": "review", "partner_id": self.contact.id, "summary": "Nice",
        })
        self.assertEqual(review.priority, "1", "only complaints")

    def test_form_follows_the_customer(self):
        form = Form(self.env["customer.feedback"].with_context(default_feedback_type="complaint"))
        form.summary = "Late"
        form.partner_id = self.contact
        self.assertEqual(form.priority, "3")
        self.assertEqual(form.save().priority, "3")
