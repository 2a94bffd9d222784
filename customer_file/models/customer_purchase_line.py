from contextlib import contextmanager

from odoo import api, fields, models
from odoo.tools import SQL


class CustomerPurchaseLine(models.Model):
    """One line of a customer's purchase history, whatever system it came from.

    Every source (confirmed sale orders, posted customer invoices and credit notes, paid POS
    orders, imports from other systems) writes to this one narrow table, so history,
    aggregates, RFM and churn read a single indexed table. ``(source, external_ref)`` is
    unique: a source document line is never counted twice and can always be rebuilt (the
    backfill inserts with ``ON CONFLICT DO NOTHING`` on it). Refunds are lines with negative
    quantity and amount.

    Which documents count (``res.company.customer_purchase_basis``):

    - by order (default): confirmed sale orders (source ``sale``, one line per order line,
      down payments excluded), customer invoices and credit notes that have no sale order
      line (``sale`` / ``sale_refund``) and credit notes of orders (``sale_refund``, netting
      the order; a credit note of a down payment is not counted, the order was);
    - by invoice: every posted customer invoice (``sale``) and credit note
      (``sale_refund``), down payments and their deduction included, orders not.

    Dates are cut in the company's time zone (its partner's ``tz``, else UTC): an order
    placed at 07:00 in Shanghai is a purchase of that day. Invoices take their invoice date.
    Amounts are untaxed, in company currency (the order's rate for orders, the journal
    item's balance for invoices).
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
        [("sale", "Sale"), ("sale_refund", "Credit Note"), ("pos", "Point of Sale"),
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
        lines.flush_recordset()
        self.env["customer.purchase.day"]._append_lines(lines.ids)
        lines._refresh_partner_aggregates()
        return lines

    def write(self, vals):
        self.flush_recordset()
        days = self._days()
        before = self._affected_partner_ids()
        result = super().write(vals)
        self.flush_recordset()
        self.env["customer.purchase.day"]._recompute_days(days | self._days())
        self.env["res.partner"]._refresh_purchase_aggregates(before | self._affected_partner_ids())
        return result

    def unlink(self):
        self.flush_recordset()
        days = self._days()
        affected = self._affected_partner_ids()
        result = super().unlink()
        self.env["customer.purchase.day"]._recompute_days(days)
        self.env["res.partner"]._refresh_purchase_aggregates(affected)
        return result

    @api.model
    @contextmanager
    def _without_jit(self):
        """Statements of the history without PostgreSQL's JIT compilation.

        Their cost estimates (a look-up per new document, foreign keys) exceed
        ``jit_above_cost`` as soon as a few thousand lines are synced, and compiling them
        took longer than running them (1.4 s of a 3.7 s summary append of 50,000 lines).
        The previous setting comes back at the end, within the same transaction.
        """
        cr = self.env.cr
        cr.execute("SELECT current_setting('jit')")
        previous = cr.fetchone()[0]
        cr.execute("SET LOCAL jit = off")
        yield
        cr.execute(SQL("SELECT set_config('jit', %s, TRUE)", previous))

    def _days(self):
        """(commercial partner, partner, company, date) of these lines, the keys of the
        daily summary rows they are summed in."""
        return {
            (line.commercial_partner_id.id, line.partner_id.id, line.company_id.id, line.date)
            for line in self
        }

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

    @api.model
    def _local_date(self, timestamp):
        """SQL: the date of a UTC timestamp column in the time zone of the company joined as
        ``company_partner`` (the partner of the document's company)."""
        return SQL(
            "(%s AT TIME ZONE 'UTC' AT TIME ZONE COALESCE(NULLIF(company_partner.tz, ''), 'UTC'))"
            "::date",
            timestamp,
        )

    @api.model
    def _select_sale_order_lines(self, condition):
        """SELECT of the history lines of confirmed sale order lines matching ``condition``
        (on ``so`` and ``sol``), in the column order of ``_sql_insert_columns``."""
        return SQL(
            """
            SELECT so.partner_id, partner.commercial_partner_id, so.company_id, %(date)s,
                   'sale', 'sale.order.line,' || sol.id, 'sale.order,' || so.id, so.name, so.id,
                   so.team_id, sol.product_id, tmpl.categ_id, sol.product_uom_qty,
                   sol.price_subtotal / COALESCE(NULLIF(so.currency_rate, 0), 1),
                   sol.product_uom_qty < 0,
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM sale_order_line sol
              JOIN sale_order so ON so.id = sol.order_id
              JOIN res_partner partner ON partner.id = so.partner_id
              JOIN res_company company ON company.id = so.company_id
              JOIN res_partner company_partner ON company_partner.id = company.partner_id
              JOIN product_product product ON product.id = sol.product_id
              JOIN product_template tmpl ON tmpl.id = product.product_tmpl_id
             WHERE %(condition)s
               AND so.state = 'sale'
               AND company.customer_purchase_basis = 'order'
               AND sol.display_type IS NULL
               AND NOT COALESCE(sol.is_downpayment, FALSE)
            """,
            date=self._local_date(SQL("so.date_order")),
            uid=self.env.uid,
            condition=condition,
        )

    @api.model
    def _select_invoice_lines(self, condition):
        """SELECT of the history lines of posted customer invoice and credit note lines
        matching ``condition`` (on ``am`` and ``aml``); see the class for which count.

        The customer is the sale order's when the line comes from one, else the invoice's.
        ``-balance`` is the untaxed amount in company currency, at the invoice's rate, with
        the sign of a sale (credit notes negative).
        """
        return SQL(
            """
            SELECT partner.id, partner.commercial_partner_id, am.company_id,
                   COALESCE(am.invoice_date, am.date),
                   CASE WHEN am.move_type = 'out_refund' THEN 'sale_refund' ELSE 'sale' END,
                   'account.move.line,' || aml.id, 'account.move,' || am.id, am.name,
                   so.id, COALESCE(so.team_id, am.team_id), aml.product_id, tmpl.categ_id,
                   CASE WHEN am.move_type = 'out_refund' THEN -aml.quantity
                        ELSE aml.quantity END,
                   -aml.balance, am.move_type = 'out_refund',
                   %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
              FROM account_move_line aml
              JOIN account_move am ON am.id = aml.move_id
              JOIN res_company company ON company.id = am.company_id
              LEFT JOIN LATERAL (
                    SELECT sol.order_id, COALESCE(sol.is_downpayment, FALSE) AS is_downpayment
                      FROM sale_order_line_invoice_rel rel
                      JOIN sale_order_line sol ON sol.id = rel.order_line_id
                     WHERE rel.invoice_line_id = aml.id
                     ORDER BY sol.id
                     LIMIT 1
                   ) linked ON TRUE
              LEFT JOIN sale_order so ON so.id = linked.order_id
              JOIN res_partner partner ON partner.id = COALESCE(so.partner_id, am.partner_id)
              LEFT JOIN product_product product ON product.id = aml.product_id
              LEFT JOIN product_template tmpl ON tmpl.id = product.product_tmpl_id
             WHERE %(condition)s
               AND am.state = 'posted'
               AND am.move_type IN ('out_invoice', 'out_refund')
               AND aml.display_type = 'product'
               AND (company.customer_purchase_basis = 'invoice'
                    OR linked.order_id IS NULL
                    OR (am.move_type = 'out_refund' AND NOT linked.is_downpayment))
            """,
            uid=self.env.uid,
            condition=condition,
        )

    def _sync_sale_orders(self, orders):
        """Rebuild the history lines of these sale orders from their current state.

        Confirmed orders get one line per product line; draft or cancelled orders get none
        (nor any order of a company counting sales by invoice). Two statements whatever the
        number of orders, then the daily summary by delta.
        """
        if not orders:
            return
        self._replace_lines(
            SQL(
                "DELETE FROM customer_purchase_line WHERE source = 'sale'"
                " AND document_ref = ANY(%s)",
                [f"sale.order,{order_id}" for order_id in orders.ids],
            ),
            self._select_sale_order_lines(SQL("so.id = ANY(%s)", orders.ids)),
        )

    def _sync_invoices(self, moves):
        """Rebuild the history lines of these customer invoices and credit notes."""
        moves = moves.filtered(lambda move: move.move_type in ("out_invoice", "out_refund"))
        if not moves:
            return
        self._replace_lines(
            SQL(
                "DELETE FROM customer_purchase_line WHERE source IN ('sale', 'sale_refund')"
                " AND document_ref = ANY(%s)",
                [f"account.move,{move_id}" for move_id in moves.ids],
            ),
            self._select_invoice_lines(SQL("am.id = ANY(%s)", moves.ids)),
        )

    def _replace_lines(self, delete_query, select_query, extra_columns=None):
        """Replace the history lines of some source documents, then update what derives
        from them by delta.

        ``delete_query`` is a DELETE of the documents' current lines, ``select_query`` the
        SELECT of their lines as they are now (``extra_columns`` after the usual ones). A
        first sync (nothing deleted) appends to the daily summary; a re-sync recomputes the
        days the documents touch (a day's lines of one customer).
        """
        self.env.flush_all()
        with self._without_jit():
            removed = self.env.execute_query(SQL(
                "%s RETURNING commercial_partner_id, partner_id, company_id, date", delete_query
            ))
            added = self._insert_lines(select_query, extra_columns)
            self.invalidate_model()
            Day = self.env["customer.purchase.day"]
            if removed:
                Day._recompute_days(
                    {tuple(row) for row in removed} | {tuple(row[1:]) for row in added}
                )
            else:
                Day._append_lines([row[0] for row in added])
        affected = {partner_id for row in removed for partner_id in row[:2]}
        affected |= {partner_id for row in added for partner_id in row[1:3]}
        self.env["res.partner"]._refresh_purchase_aggregates(affected)

    def _insert_lines(self, select_query, extra_columns=None):
        """Insert the lines ``select_query`` gives, except those already in the history.

        Returns (id, commercial_partner_id, partner_id, company_id, date) of the new lines.
        """
        return self.env.execute_query(SQL(
            """
            INSERT INTO customer_purchase_line (%(columns)s%(extra)s)
            %(select)s
            ON CONFLICT (source, external_ref) DO NOTHING
            RETURNING id, commercial_partner_id, partner_id, company_id, date
            """,
            columns=self._sql_insert_columns(),
            extra=SQL(", %s", extra_columns) if extra_columns else SQL(),
            select=select_query,
        ))

    @api.model
    def _backfill_sources(self):
        """The sources the backfill reads: {name: (table it walks by id, label, method)}.

        ``method(low, high)`` inserts the missing history lines of the source rows with
        ``low <= id < high`` and returns (id, ...) of the new lines (see ``_insert_lines``).
        Bridges (POS) add theirs.
        """
        return {
            "sale": ("sale_order_line", self.env._("Sale orders"), self._backfill_sale_orders),
            "invoice": ("account_move_line", self.env._("Invoices and credit notes"),
                        self._backfill_invoices),
        }

    def _backfill_sale_orders(self, low, high):
        return self._insert_lines(self._select_sale_order_lines(
            SQL("sol.id >= %s AND sol.id < %s", low, high)
        ))

    def _backfill_invoices(self, low, high):
        return self._insert_lines(self._select_invoice_lines(
            SQL("aml.id >= %s AND aml.id < %s", low, high)
        ))

    @api.model
    def _purge_for_basis(self, companies):
        """Remove the lines that the companies' way of counting sales no longer counts
        (after a change of ``customer_purchase_basis``; the backfill adds the others)."""
        self.env.flush_all()
        removed = []
        for basis in ("order", "invoice"):
            company_ids = companies.filtered(
                lambda company, basis=basis: company.customer_purchase_basis == basis
            ).ids
            if not company_ids:
                continue
            if basis == "invoice":
                condition = SQL("document_ref LIKE 'sale.order,%%'")
            else:
                # Invoice lines from orders, except credit notes of orders.
                condition = SQL(
                    """
                    document_ref LIKE 'account.move,%%' AND sale_order_id IS NOT NULL
                    AND (source = 'sale' OR EXISTS (
                        SELECT 1 FROM sale_order_line_invoice_rel rel
                          JOIN sale_order_line sol ON sol.id = rel.order_line_id
                         WHERE rel.invoice_line_id = split_part(external_ref, ',', 2)::int
                           AND sol.is_downpayment))
                    """
                )
            removed += self.env.execute_query(SQL(
                """
                DELETE FROM customer_purchase_line
                 WHERE company_id = ANY(%s) AND source IN ('sale', 'sale_refund') AND %s
                RETURNING commercial_partner_id, partner_id, company_id, date
                """,
                company_ids, condition,
            ))
        self.invalidate_model()
        self.env["customer.purchase.day"]._recompute_days({tuple(row) for row in removed})
        self.env["res.partner"]._refresh_favourite_categories(
            {partner_id for row in removed for partner_id in row[:2]}
        )
        return len(removed)
