from odoo import models
from odoo.fields import Domain

from .customer_feedback import OPEN_STATES


class CustomerRetentionPolicy(models.Model):
    _inherit = "customer.retention.policy"

    def _retention_target(self, cutoff):
        """Feedback older than the cutoff goes, except open complaints."""
        if self.category == "feedback":
            return (
                "customer.feedback",
                Domain("company_id", "=", self.company_id.id)
                & Domain("feedback_date", "<", cutoff)
                & (Domain("feedback_type", "!=", "complaint")
                   | Domain("state", "not in", OPEN_STATES)),
                "unlink",
            )
        return super()._retention_target(cutoff)
