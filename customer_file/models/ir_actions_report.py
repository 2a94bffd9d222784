from odoo import models

from ..tools import masking


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _render_qweb_html(self, report_ref, docids, data=None):
        """Reports (and the PDFs made from them) print customers' phones, e-mails, ID
        numbers and birthdates masked for users outside Sensitive Data; printing customer
        profiles is logged."""
        html, report_type = super()._render_qweb_html(report_ref, docids, data=data)
        report = self._get_report(report_ref)
        model = self.env.get(report.model)
        if model is None or not docids:
            return html, report_type
        records = model.browse(docids)
        if report.model == "res.partner" and not self.env.su:
            customers = records.browse(records._customer_file_customer_ids())
            if customers:
                self.env["customer.access.log"]._log(
                    "print", customers, reason=report.sudo().name
                )
        replacements = masking.output_replacements(self.env, records)
        if replacements:
            html = masking.mask_values(html.decode(), replacements).encode()
        return html, report_type
