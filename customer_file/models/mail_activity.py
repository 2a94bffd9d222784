from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _action_done(self, feedback=False, attachment_ids=None):
        """A *Customer File Review* activity marked done reviews its customer: who marked it,
        today (as the *Mark Reviewed* button does)."""
        review = self.env.ref("customer_file.mail_activity_type_customer_review",
                              raise_if_not_found=False)
        partner_ids = [
            activity.res_id for activity in self
            if review and activity.activity_type_id == review
            and activity.res_model == "res.partner"
        ]
        result = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        if partner_ids and not self.env.context.get("customer_file_reviewing"):
            partners = self.env["res.partner"].sudo().browse(partner_ids).exists()
            partners.write({
                "last_review_date": fields.Date.context_today(self),
                "last_review_user_id": self.env.uid,
            })
        return result
