from odoo import api, fields, models
from odoo.tools import SQL


class CustomerPurchaseDay(models.Model):
    """The purchase history summed per customer, company, day, source and refund flag.

    Scoring a whole customer base reads every purchase line; this summary has about half as
    many rows and none of their text keys, so RFM, churn, backtests and reports aggregate it
    instead. It is derived data: every write to the history refreshes the rows of the
    customers it touched (``res.partner._refresh_purchase_aggregates``), and ``_rebuild``
    recomputes it whole. An order is dated on one day, so ``document_count`` summed over days
    counts orders.
    """

    _name = "customer.purchase.day"
    _description = "Customer Purchases per Day"
    _order = "date desc, id desc"
    _log_access = False

    commercial_partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    date = fields.Date(required=True, readonly=True)
    source = fields.Selection(selection="_selection_source", required=True, readonly=True)
    is_refund = fields.Boolean(string="Refund", readonly=True)
    document_count = fields.Integer(
        string="Documents", readonly=True, help="Distinct orders or credit notes of the day."
    )
    amount = fields.Monetary(currency_field="currency_id", readonly=True)

    _unique_day = models.UniqueIndex(
        "(commercial_partner_id, company_id, date, source, is_refund)",
        "A customer's purchases of a day and source are summed in one row.",
    )

    @api.model
    def _selection_source(self):
        return self.env["customer.purchase.line"]._fields["source"].selection

    @api.model
    def _refresh(self, partner_ids):
        """Recompute the rows of these commercial partners from their purchase lines.

        Callers lock the partners first (``_refresh_purchase_aggregates`` updates their
        rows), so two transactions never rebuild the same customer's days at once.
        """
        self.env.cr.execute(SQL(
            "DELETE FROM customer_purchase_day WHERE commercial_partner_id = ANY(%s)",
            list(partner_ids),
        ))
        self._insert_from_lines(SQL("WHERE commercial_partner_id = ANY(%s)", list(partner_ids)))

    @api.model
    def _rebuild(self):
        """Recompute the whole summary (installation of this version, bulk loads)."""
        self.env["customer.purchase.line"].flush_model()
        self.env.cr.execute(SQL("TRUNCATE customer_purchase_day"))
        self._insert_from_lines(SQL())
        self.env.cr.execute(SQL("ANALYZE customer_purchase_day"))

    @api.model
    def _insert_from_lines(self, where):
        self.env.cr.execute(SQL(
            """
            INSERT INTO customer_purchase_day
                   (commercial_partner_id, company_id, date, source, is_refund,
                    document_count, amount)
            SELECT commercial_partner_id, company_id, date, source, COALESCE(is_refund, FALSE),
                   COUNT(DISTINCT document_ref), COALESCE(SUM(amount), 0)
              FROM customer_purchase_line
             %s
             GROUP BY commercial_partner_id, company_id, date, source, COALESCE(is_refund, FALSE)
            """,
            where,
        ))
        self.invalidate_model()
