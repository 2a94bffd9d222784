from odoo import api, models


class CustomerDataRequest(models.Model):
    _inherit = "customer.data.request"

    @api.model
    def _erasure_plan(self):
        """Erasing a customer blanks what they told us; scores, dates and the company's own
        analysis (root cause, actions) stay for the statistics."""
        plan = super()._erasure_plan()
        plan["customer.feedback"] = {
            "summary": self.env._("Erased"), "description": False, "resolution": False,
        }
        plan["customer.feedback.request"] = {"email": False}
        return plan
