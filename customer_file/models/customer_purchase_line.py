from odoo import api, fields, models
from odoo.tools import SQL


class CustomerPurchaseLine(models.Model):
    """One line of a customer's purchase history, whatever system it came from.

    Every source (confirmed sale orders, paid POS orders, imports from other systems) writes
    to this one narrow table, so history, aggregates, RFM and churn read a single indexed
    table. ``(source, external_ref)`` is unique: a source document line is never counted
    twice and can always be rebuilt. Refunds are lines with negative quantity and amount.
    """

    _name = "customer.purchase.line"
    _description = "Customer Purchase"
    _order = "date desc, id desc"
    _rec_name = "document_name"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    commercial_partner_id = fields.Many2one(
        "res.partner",
        string="Commercial Entity",
        compute="_compute_commercial_partner_id",
        store=True,
        precompute=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    date = fields.Date(required=True)
    source = fields.Selection(
        [("sale", "Sale Order"), ("sale_refund", "Credit Note"), ("pos", "Point of Sale"),
         ("import", "Imported")],
        required=True,
        default="import",
    )
    external_ref = fields.Char(
        string="External Reference",
        required=True,
        help="Identifies the source line within its source; the same reference is never "
        "counted twice.",
    )
    document_ref = fields.Char(
        string="Document Key",
        required=True,
        index=True,
        help="Identifies the order or refund this line belongs to, to count orders.",
    )
    document_name = fields.Char(string="Document", required=True)
    sale_order_id = fields.Many2one("sale.order", index="btree_not_null")
    team_id = fields.Many2one("crm.team", string="Channel")
    product_id = fields.Many2one("product.product", index="btree_not_null")
    product_categ_id = fields.Many2one(
        "product.category",
        string="Product Category",
        compute="_compute_product_categ_id",
        store=True,
        precompute=True,
        readonly=False,
    )
    quantity = fields.Float(digits="Product Unit")
    amount = fields.Monetary(
        currency_field="currency_id", help="Untaxed, in company currency."
    )
    is_refund = fields.Boolean(string="Refund")

    _unique_source_line = models.UniqueIndex(
        "(source, external_ref)", "This source line is already in the purchase history."
    )
    # Serves every per-customer read; the partner_id index serves contacts of companies.
    _partner_date = models.Index("(commercial_partner_id, date)")

    @api.depends("partner_id.commercial_partner_id")
    def _compute_commercial_partner_id(self):
        for line in self:
            line.commercial_partner_id = line.partner_id.commercial_partner_id

    @api.depends("product_id.categ_id")
    def _compute_product_categ_id(self):
        for line in self:
            line.product_categ_id = line.product_id.categ_id

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._refresh_partner_aggregates()
        return lines

    def write(self, vals):
        before = self._affected_partner_ids()
        result = super().write(vals)
        self.env["res.partner"]._refresh_purchase_aggregates(before | self._affected_partner_ids())
        return result

    def unlink(self):
        affected = self._affected_partner_ids()
        result = super().unlink()
        self.env["res.partner"]._refresh_purchase_aggregates(affected)
        return result

    def _affected_partner_ids(self):
        return set(self.partner_id.ids) | set(self.commercial_partner_id.ids)

    def _refresh_partner_aggregates(self):
        self.env["res.partner"]._refresh_purchase_aggregates(self._affected_partner_ids())

    @api.model
    def _sql_insert_columns(self):
        """Columns every set-based insert fills besides the ORM's bookkeeping ones."""
        return SQL(
            "partner_id, commercial_partner_id, company_id, date, source, external_ref, "
            "document_ref, document_name, sale_order_id, team_id, product_id, "
            "product_categ_id, quantity, amount, is_refund, "
            "create_uid, create_date, write_uid, write_date"
        )

    def _sync_sale_orders(self, orders):
        """Rebuild the history lines of these sale orders from their current state.

        Confirmed orders get one line per product line; draft or cancelled orders get none.
        Two statements whatever the number of orders, then one aggregate refresh.
        """
        if not orders:
            return
        self._replace_lines(SQL(
            "DELETE FROM customer_purchase_line WHERE source = 'sale' AND sale_order_id = ANY(%s)"
            " RETURNING partner_id, commercial_partner_id",
            orders.ids,
        ), SQL(
            """
            INSERT INTO customer_purchase_line (%(columns)s)
            SELECT so.partner_id, partner.commercial_partner_id, so.company_id,
                   (so.date_order AT TIME ZONE 'UTC')::date, 'sale',
                   'sale.order.line,' || sol.id, 'sale.order,' || so.id, so.name, so.id,
                   so.team_id, sol.product_id, tmpl.categ_id, sol.product_uom_qty,
                   sol.price_subtotal / COALESCE(NULLIF(so.currency_rate, 0), 1),
                   sol.product_uom_qty < 0,
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM sale_order_line sol
              JOIN sale_order so ON so.id = sol.order_id
              JOIN res_partner partner ON partner.id = so.partner_id
              JOIN product_product product ON product.id = sol.product_id
              JOIN product_template tmpl ON tmpl.id = product.product_tmpl_id
             WHERE so.id = ANY(%(order_ids)s)
               AND so.state = 'sale'
               AND sol.display_type IS NULL
               AND NOT COALESCE(sol.is_downpayment, FALSE)
            RETURNING partner_id, commercial_partner_id
            """,
            columns=self._sql_insert_columns(),
            uid=self.env.uid,
            order_ids=orders.ids,
        ))

    def _sync_credit_notes(self, moves):
        """Rebuild the refund lines of these customer credit notes (negative lines).

        Only posted credit notes whose lines come from sale order lines count; the customer
        is the sale order's, so refunds net against what that customer bought.
        """
        if not moves:
            return
        document_refs = [f"account.move,{move_id}" for move_id in moves.ids]
        self._replace_lines(SQL(
            "DELETE FROM customer_purchase_line"
            " WHERE source = 'sale_refund' AND document_ref = ANY(%s)"
            " RETURNING partner_id, commercial_partner_id",
            document_refs,
        ), SQL(
            """
            INSERT INTO customer_purchase_line (%(columns)s)
            SELECT DISTINCT ON (aml.id)
                   so.partner_id, partner.commercial_partner_id, am.company_id, am.date,
                   'sale_refund', 'account.move.line,' || aml.id, 'account.move,' || am.id,
                   am.name, so.id, so.team_id, aml.product_id, tmpl.categ_id,
                   -aml.quantity, -aml.balance, TRUE,
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM account_move_line aml
              JOIN account_move am ON am.id = aml.move_id
              JOIN sale_order_line_invoice_rel rel ON rel.invoice_line_id = aml.id
              JOIN sale_order_line sol ON sol.id = rel.order_line_id
              JOIN sale_order so ON so.id = sol.order_id
              JOIN res_partner partner ON partner.id = so.partner_id
              LEFT JOIN product_product product ON product.id = aml.product_id
              LEFT JOIN product_template tmpl ON tmpl.id = product.product_tmpl_id
             WHERE am.id = ANY(%(move_ids)s)
               AND am.state = 'posted'
               AND am.move_type = 'out_refund'
               AND aml.display_type = 'product'
             ORDER BY aml.id, sol.id
            RETURNING partner_id, commercial_partner_id
            """,
            columns=self._sql_insert_columns(),
            uid=self.env.uid,
            move_ids=moves.ids,
        ))

    def _replace_lines(self, delete_query, insert_query):
        """Replace history lines of some source documents, then refresh their customers.

        Both queries return (partner_id, commercial_partner_id) of the lines they touch.
        They read orders, lines, partners and products, so everything pending is flushed.
        """
        self.env.flush_all()
        removed = self.env.execute_query(delete_query)
        added = self.env.execute_query(insert_query)
        self.invalidate_model()
        affected = {partner_id for row in removed + added for partner_id in row}
        self.env["res.partner"]._refresh_purchase_aggregates(affected)
