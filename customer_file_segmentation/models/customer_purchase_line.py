from odoo import models


class CustomerPurchaseLine(models.Model):
    _inherit = "customer.purchase.line"

    # Incremental scoring runs find the customers of the lines created since the previous
    # run by creation time (see customer.rfm.run._changed_partner_ids).
    _create_date_index = models.Index("(company_id, create_date)")
