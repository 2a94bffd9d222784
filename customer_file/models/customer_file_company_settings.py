from odoo import api, fields, models


class CustomerFileCompanySettings(models.AbstractModel):
    """Settings of which each company has one record, created the first time it is needed
    (segmentation, feedback...)."""

    _name = "customer.file.company.settings"
    _description = "Customer File Settings of a Company"
    _rec_name = "company_id"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, ondelete="cascade"
    )

    _company_unique = models.UniqueIndex(
        "(company_id)", "A company has one record of these settings."
    )

    @api.model
    def _for_company(self, company):
        settings = self.sudo().search([("company_id", "=", company.id)], limit=1)
        return settings or self.sudo().create({"company_id": company.id})

    @api.model
    def _action_open_for_company(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env["ir.model"]._get(self._name).name,
            "res_model": self._name,
            "res_id": self._for_company(self.env.company).id,
            "view_mode": "form",
            "target": "current",
        }
