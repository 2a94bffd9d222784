from odoo import models


class MailTemplate(models.Model):
    _inherit = "mail.template"

    def _generate_template_attachments(self, res_ids, render_fields, render_results=None):
        # An offer campaign's coupon emails leave out the reports (Odoo's coupon template
        # renders a PDF per coupon, about two seconds each) unless the campaign asks for them.
        if self.env.context.get("customer_offer_without_reports"):
            render_fields = set(render_fields) - {"report_template_ids"}
        return super()._generate_template_attachments(
            res_ids, render_fields, render_results=render_results
        )
