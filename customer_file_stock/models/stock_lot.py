from odoo import api, fields, models


class StockLot(models.Model):
    _inherit = "stock.lot"

    customer_owned_product_id = fields.Many2one(
        "customer.owned.product", string="Owned Product",
        compute="_compute_customer_owned_product_id",
        groups="customer_file.group_customer_file_user",
        help="The customer file's owned product of this serial number.",
    )

    @api.depends_context("uid")
    def _compute_customer_owned_product_id(self):
        # As the user: the unit of a customer they may not see stays hidden.
        owned = self.env["customer.owned.product"].search(
            [("lot_id", "in", self.ids)]
        ) if self.ids else []
        by_lot = {unit.lot_id.id: unit.id for unit in owned}
        for lot in self:
            lot.customer_owned_product_id = by_lot.get(lot.id, False)
