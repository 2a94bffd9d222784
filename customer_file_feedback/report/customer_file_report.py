from odoo import api, models
from odoo.tools import SQL


class ReportCustomerFile(models.AbstractModel):
    _inherit = "report.customer_file.report_customer_file"

    @api.model
    def _get_report_values(self, docids, data=None):
        values = super()._get_report_values(docids, data=data)
        values["latest_feedback"] = self._latest_feedback(values["docs"])
        return values

    def _latest_feedback(self, partners):
        """{partner id: the latest feedback of its organisation the user may read (or an
        empty recordset)}, in one query for the whole selection."""
        Feedback = self.env["customer.feedback"]
        visible = Feedback._search([
            ("commercial_partner_id", "in", partners.commercial_partner_id.ids),
        ])
        Feedback.flush_model(["commercial_partner_id", "feedback_date"])
        latest = dict(self.env.execute_query(SQL(
            """
            SELECT DISTINCT ON (commercial_partner_id) commercial_partner_id, id
              FROM %s
             WHERE id IN (%s)
             ORDER BY commercial_partner_id, feedback_date DESC, id DESC
            """,
            SQL.identifier(Feedback._table), visible.subselect(),
        )))
        return {
            partner.id: Feedback.browse(latest.get(partner.commercial_partner_id.id, []))
            .with_prefetch(list(latest.values()))
            for partner in partners
        }
