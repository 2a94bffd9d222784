from odoo import api, fields, models
from odoo.tools import SQL

# The columns that identify what a row of the summary sums.
KEY = "partner_id, commercial_partner_id, company_id, date, source, is_refund"


class CustomerPurchaseDay(models.Model):
    """The purchase history summed per customer, company, day, source and refund flag.

    Scoring a whole customer base reads every purchase line; this summary has about half as
    many rows and none of their text keys, so partner totals, RFM, churn, backtests and
    reports aggregate it instead: it is the one definition of what a customer bought.

    It is derived data, kept by delta, never by re-reading a customer's history:

    - new lines *append* a row per key (one statement, no unique index, so parallel
      transactions of the same customer, e.g. several POS tills, never wait for each
      other); a key may therefore have several rows until the nightly ``_compact`` merges
      them: readers always ``SUM`` (or ``MIN``/``MAX``/``COUNT(DISTINCT date)``), which
      several rows of a key do not change;
    - changed or removed lines recompute exactly the rows of their (customer, company, day)
      from that day's lines (``_recompute_days``);
    - ``_refresh`` recomputes some customers whole (merges, contacts changing company) and
      ``_rebuild`` the whole table.

    ``partner_id`` is the contact who bought (the totals of a contact person within a
    company read it), ``commercial_partner_id`` the customer the scoring groups by. An
    order is dated on one day, so ``document_count`` summed over days counts orders.
    """

    _name = "customer.purchase.day"
    _description = "Customer Purchases per Day"
    _order = "date desc, id desc"
    _log_access = False

    partner_id = fields.Many2one(
        "res.partner", string="Contact", readonly=True, ondelete="cascade"
    )
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

    _customer_day = models.Index("(commercial_partner_id, company_id, date)")
    # Contact persons within a company read their own rows.
    _contact_day = models.Index(
        "(partner_id, company_id, date) WHERE partner_id <> commercial_partner_id"
    )

    @api.model
    def _selection_source(self):
        return self.env["customer.purchase.line"]._fields["source"].selection

    @api.model
    def _append_lines(self, line_ids):
        """Add what these new lines bought: one row per key, whatever the customer's history.

        A document counts once per key: not when another of its lines of the same key was
        already in the history before these lines (an order synced in two batches).
        """
        if not line_ids:
            return
        # The new lines are read by id and summed per document first: the check that a
        # document is not already counted is one index look-up per new document (an
        # order's lines share it), not per line.
        self.env.cr.execute(SQL(
            """
            WITH added AS (
                SELECT line.partner_id, line.commercial_partner_id, line.company_id, line.date,
                       line.source, COALESCE(line.is_refund, FALSE) AS is_refund,
                       line.document_ref, SUM(line.amount) AS amount
                  FROM unnest(%(ids)s::int[]) AS new(id)
                  JOIN customer_purchase_line line ON line.id = new.id
                 GROUP BY line.partner_id, line.commercial_partner_id, line.company_id,
                          line.date, line.source, COALESCE(line.is_refund, FALSE),
                          line.document_ref
            )
            INSERT INTO customer_purchase_day (%(key)s, document_count, amount)
            SELECT partner_id, commercial_partner_id, company_id, date, source, is_refund,
                   COUNT(*) FILTER (WHERE NOT EXISTS (
                       -- The document's lines by their key only (OFFSET 0 keeps the other
                       -- conditions out of the scan): combined with the partner index, a
                       -- customer with 1,000,000 lines read 1,000,000 index entries.
                       SELECT 1
                         FROM (SELECT id, partner_id, company_id, date, source, is_refund
                                 FROM customer_purchase_line
                                WHERE document_ref = added.document_ref OFFSET 0) known
                        WHERE known.id <> ALL(%(ids)s)
                          AND known.partner_id = added.partner_id
                          AND known.company_id = added.company_id
                          AND known.date = added.date
                          AND known.source = added.source
                          AND COALESCE(known.is_refund, FALSE) = added.is_refund
                   )),
                   COALESCE(SUM(amount), 0)
              FROM added
             GROUP BY partner_id, commercial_partner_id, company_id, date, source, is_refund
            """,
            key=SQL(KEY),
            ids=list(line_ids),
        ))
        self.invalidate_model()

    @api.model
    def _recompute_days(self, days):
        """Recompute exactly the rows of these (commercial partner, partner, company, date)
        from the lines of those days: a day's lines of one customer, never their history."""
        days = sorted({day for day in days if all(day)})
        if not days:
            return
        columns = list(zip(*days, strict=True))
        keys = SQL(
            "SELECT * FROM unnest(%s::int[], %s::int[], %s::int[], %s::date[])"
            " AS day(commercial_partner_id, partner_id, company_id, date)",
            list(columns[0]), list(columns[1]), list(columns[2]), list(columns[3]),
        )
        self.env.cr.execute(SQL(
            """
            DELETE FROM customer_purchase_day summary
             USING (%(keys)s) day
             WHERE summary.commercial_partner_id = day.commercial_partner_id
               AND summary.partner_id = day.partner_id
               AND summary.company_id = day.company_id
               AND summary.date = day.date
            """,
            keys=keys,
        ))
        self._insert_from_lines(SQL(
            """
            JOIN (%s) day ON day.commercial_partner_id = line.commercial_partner_id
                         AND day.date = line.date
                         AND day.partner_id = line.partner_id
                         AND day.company_id = line.company_id
            """,
            keys,
        ))

    @api.model
    def _refresh(self, partner_ids):
        """Recompute the rows of these partners (as contact or as commercial partner)."""
        partner_ids = list(partner_ids)
        self.env.cr.execute(SQL(
            "DELETE FROM customer_purchase_day"
            " WHERE commercial_partner_id = ANY(%(ids)s) OR partner_id = ANY(%(ids)s)",
            ids=partner_ids,
        ))
        self._insert_from_lines(SQL(
            "WHERE line.commercial_partner_id = ANY(%(ids)s) OR line.partner_id = ANY(%(ids)s)",
            ids=partner_ids,
        ))

    @api.model
    def _rebuild(self):
        """Recompute the whole summary (installation of this version, bulk loads)."""
        self.env["customer.purchase.line"].flush_model()
        self.env.cr.execute(SQL("TRUNCATE customer_purchase_day"))
        self._insert_from_lines(SQL())
        self.env.cr.execute(SQL("ANALYZE customer_purchase_day"))

    @api.model
    def _compact(self):
        """Merge the rows that appends left for one key into one (nightly; readers sum)."""
        self.env.cr.execute(SQL(
            """
            WITH duplicated AS (
                SELECT %(key)s FROM customer_purchase_day
                 GROUP BY %(key)s HAVING COUNT(*) > 1
            ), removed AS (
                DELETE FROM customer_purchase_day summary
                 USING duplicated
                 WHERE summary.partner_id = duplicated.partner_id
                   AND summary.commercial_partner_id = duplicated.commercial_partner_id
                   AND summary.company_id = duplicated.company_id
                   AND summary.date = duplicated.date
                   AND summary.source = duplicated.source
                   AND summary.is_refund = duplicated.is_refund
             RETURNING summary.*
            )
            INSERT INTO customer_purchase_day (%(key)s, document_count, amount)
            SELECT %(key)s, SUM(document_count), SUM(amount)
              FROM removed
             GROUP BY %(key)s
            """,
            key=SQL(KEY),
        ))
        self.invalidate_model()

    @api.model
    def _insert_from_lines(self, join_or_where):
        self.env.cr.execute(SQL(
            """
            INSERT INTO customer_purchase_day (%(key)s, document_count, amount)
            SELECT line.partner_id, line.commercial_partner_id, line.company_id, line.date,
                   line.source, COALESCE(line.is_refund, FALSE),
                   COUNT(DISTINCT line.document_ref), COALESCE(SUM(line.amount), 0)
              FROM customer_purchase_line line
             %(where)s
             GROUP BY line.partner_id, line.commercial_partner_id, line.company_id, line.date,
                      line.source, COALESCE(line.is_refund, FALSE)
            """,
            key=SQL(KEY),
            where=join_or_where,
        ))
        self.invalidate_model()

    @api.model
    def _totals(self, partner_ids, company):
        """The purchase totals of these partners in ``company``, read from this summary with
        the rules of the scoring base (customer_file_segmentation): orders are the documents
        that are not refunds, first and last purchase the days of those, spend nets refunds;
        nothing dated after the company's today counts yet. A commercial entity sums its
        whole organisation, a contact person within a company its own purchases.

        Returns {partner_id: (first_date, last_date, orders, spend, spend_12m)}.
        """
        if not partner_ids:
            return {}
        today = company._customer_file_today()
        rows = self.env.execute_query(SQL(
            """
            WITH days AS (
                SELECT commercial_partner_id AS owner_id, date, is_refund, document_count,
                       amount
                  FROM customer_purchase_day
                 WHERE commercial_partner_id = ANY(%(ids)s) AND company_id = %(company)s
                   AND date <= %(today)s
                UNION ALL
                SELECT partner_id, date, is_refund, document_count, amount
                  FROM customer_purchase_day
                 WHERE partner_id = ANY(%(ids)s) AND partner_id <> commercial_partner_id
                   AND company_id = %(company)s AND date <= %(today)s
            )
            SELECT owner_id,
                   MIN(date) FILTER (WHERE NOT is_refund),
                   MAX(date) FILTER (WHERE NOT is_refund),
                   COALESCE(SUM(document_count) FILTER (WHERE NOT is_refund), 0),
                   COALESCE(SUM(amount), 0),
                   COALESCE(SUM(amount) FILTER (WHERE date > %(since)s), 0)
              FROM days
             GROUP BY owner_id
            """,
            ids=list(partner_ids),
            company=company.id,
            today=today,
            since=company._customer_file_year_ago(),
        ))
        return {row[0]: row[1:] for row in rows}
