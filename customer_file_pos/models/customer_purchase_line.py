from odoo import fields, models
from odoo.tools import SQL


class CustomerPurchaseLine(models.Model):
    _inherit = "customer.purchase.line"

    pos_order_id = fields.Many2one("pos.order", string="POS Order", index="btree_not_null")

    def _sync_pos_orders(self, orders):
        """Rebuild the history lines of these POS orders, like _sync_sale_orders.

        Paid and posted orders with a customer get one line per order line (refund orders
        have negative quantities); anonymous, draft and cancelled orders get none.
        """
        if not orders:
            return
        self._replace_lines(SQL(
            "DELETE FROM customer_purchase_line WHERE source = 'pos' AND pos_order_id = ANY(%s)"
            " RETURNING partner_id, commercial_partner_id",
            orders.ids,
        ), SQL(
            """
            INSERT INTO customer_purchase_line (%(columns)s, pos_order_id)
            SELECT po.partner_id, partner.commercial_partner_id, po.company_id,
                   (po.date_order AT TIME ZONE 'UTC')::date, 'pos',
                   'pos.order.line,' || pol.id, 'pos.order,' || po.id, po.name, NULL,
                   NULL, pol.product_id, tmpl.categ_id, pol.qty,
                   pol.price_subtotal / COALESCE(NULLIF(po.currency_rate, 0), 1),
                   pol.qty < 0,
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC', po.id
              FROM pos_order_line pol
              JOIN pos_order po ON po.id = pol.order_id
              JOIN res_partner partner ON partner.id = po.partner_id
              JOIN product_product product ON product.id = pol.product_id
              JOIN product_template tmpl ON tmpl.id = product.product_tmpl_id
             WHERE po.id = ANY(%(order_ids)s)
               AND po.state IN ('paid', 'done')
            RETURNING partner_id, commercial_partner_id
            """,
            columns=self._sql_insert_columns(),
            uid=self.env.uid,
            order_ids=orders.ids,
        ))
