from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        lines = moves.move_line_ids.filtered(
            lambda line: line.lot_id and line.product_id.tracking == "serial"
            and "customer" in (line.location_id.usage, line.location_dest_id.usage)
        )
        if lines:
            self.env["customer.owned.product"].sudo()._sync_lots(lines.lot_id)
        return moves
