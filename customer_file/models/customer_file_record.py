from odoo import fields, models


class CustomerFileRecord(models.AbstractModel):
    """A record of one customer's file: whose it is and in which company.

    Record rules give these records the visibility of their customer through
    ``commercial_partner_id`` (see security/customer_file_rules.xml).
    """

    _name = "customer.file.record"
    _description = "Customer File Record"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", store=True, index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )

    def export_data(self, fields_to_export):
        result = super().export_data(fields_to_export)
        if self and not self.env.su:
            self.env["customer.access.log"]._log("export", self, fields_=fields_to_export)
        return result
