from odoo import api, models

from odoo.addons.customer_file_feedback.models.customer_feedback import PRIORITIES

PRIORITY_STEPS = [key for key, _label in PRIORITIES]


class CustomerFeedback(models.Model):
    _inherit = "customer.feedback"

    @api.model_create_multi
    def create(self, vals_list):
        feedback = super().create(vals_list)
        feedback._raise_key_account_priority()
        return feedback

    def _raise_key_account_priority(self):
        """Complaints of key accounts get the priority one step above the one they were
        created with (their service levels follow), whatever set it; the top stays."""
        complaints = self.sudo().filtered(
            lambda feedback: feedback.feedback_type == "complaint"
            and feedback.partner_id.commercial_partner_id.key_account_manager_id
            and feedback.priority != PRIORITY_STEPS[-1]
        )
        for priority, batch in complaints.grouped("priority").items():
            batch.write({"priority": PRIORITY_STEPS[PRIORITY_STEPS.index(priority) + 1]})
