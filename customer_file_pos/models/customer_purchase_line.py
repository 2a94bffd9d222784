from odoo import api, fields, models
from odoo.tools import SQL


class CustomerPurchaseLine(models.Model):
    _inherit = "customer.purchase.line"

    pos_order_id = fields.Many2one("pos.order", string="POS Order", index="btree_not_null")

    @api.model
    def _select_pos_order_lines(self, condition):
        """SELECT of the history lines of paid POS order lines matching ``condition`` (on
        ``po`` and ``pol``), dated in the company's time zone like every source.

        Paid and posted orders with a customer get one line per order line (refund orders
        have negative quantities); anonymous, draft and cancelled orders get none.
        """
        return SQL(
            """
            SELECT po.partner_id, partner.commercial_partner_id, po.company_id, %(date)s, 'pos',
                   'pos.order.line,' || pol.id, 'pos.order,' || po.id, po.name, NULL,
                   NULL, pol.product_id, tmpl.categ_id, pol.qty,
                   pol.price_subtotal / COALESCE(NULLIF(po.currency_rate, 0), 1),
                   pol.qty < 0,
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC', po.id
              FROM pos_order_line pol
              JOIN pos_order po ON po.id = pol.order_id
              JOIN res_partner partner ON partner.id = po.partner_id
              JOIN res_company company ON company.id = po.company_id
              JOIN res_partner company_partner ON company_partner.id = company.partner_id
              JOIN product_product product ON product.id = pol.product_id
              JOIN product_template tmpl ON tmpl.id = product.product_tmpl_id
             WHERE %(condition)s
               AND po.state IN ('paid', 'done')
            """,
            date=self._local_date(SQL("po.date_order")),
            uid=self.env.uid,
            condition=condition,
        )

    def _sync_pos_orders(self, orders):
        """Rebuild the history lines of these POS orders, like _sync_sale_orders."""
        if not orders:
            return
        self._replace_lines(
            SQL(
                "DELETE FROM customer_purchase_line WHERE source = 'pos'"
                " AND document_ref = ANY(%s)",
                [f"pos.order,{order_id}" for order_id in orders.ids],
            ),
            self._select_pos_order_lines(SQL("po.id = ANY(%s)", orders.ids)),
            extra_columns=SQL("pos_order_id"),
        )

    @api.model
    def _backfill_sources(self):
        sources = super()._backfill_sources()
        sources["pos"] = ("pos_order_line", self.env._("Point of sale orders"),
                          self._backfill_pos_orders)
        return sources

    def _backfill_pos_orders(self, low, high):
        return self._insert_lines(
            self._select_pos_order_lines(SQL("pol.id >= %s AND pol.id < %s", low, high)),
            extra_columns=SQL("pos_order_id"),
        )
