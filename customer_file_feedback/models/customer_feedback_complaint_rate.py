from odoo import fields, models
from odoo.tools import SQL


class CustomerFeedbackComplaintRate(models.Model):
    """Complaints per 100 orders, by company, month and the customers' salesperson.

    Orders are the distinct order documents of the purchase history (sale orders, POS
    orders and imported orders, not refunds) dated in the month; complaints are the
    complaints received in the month (UTC). The ratio is recomputed from the summed orders
    and complaints of each group (see ``_read_group_select``), so it is right for any
    grouping: a month, a quarter, a company or a salesperson.
    """

    _name = "customer.feedback.complaint.rate"
    _description = "Complaints per 100 Orders"
    _auto = False
    _rec_name = "month"
    _order = "month desc, company_id, id"
    _depends = {
        "customer.purchase.day": [
            "commercial_partner_id", "company_id", "date", "source", "is_refund", "document_count",
        ],
        "customer.feedback": ["commercial_partner_id", "company_id", "feedback_date",
                              "feedback_type"],
        "res.partner": ["user_id"],
    }

    month = fields.Date(readonly=True, help="First day of the month.")
    company_id = fields.Many2one("res.company", readonly=True)
    user_id = fields.Many2one(
        "res.users", string="Salesperson", readonly=True, help="The customers' salesperson."
    )
    orders = fields.Integer(readonly=True, aggregator="sum")
    complaints = fields.Integer(readonly=True, aggregator="sum")
    complaints_per_100_orders = fields.Float(
        string="Complaints per 100 Orders", readonly=True, aggregator="sum", digits=(16, 2),
        help="Complaints received per 100 orders placed in the same period; for a group of "
        "rows, total complaints / total orders x 100.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            WITH orders AS (
                SELECT day.company_id,
                       date_trunc('month', day.date)::date AS month,
                       COALESCE(customer.user_id, 0) AS user_key,
                       SUM(day.document_count) AS orders
                  FROM %(day)s day
                  LEFT JOIN %(partner)s customer ON customer.id = day.commercial_partner_id
                 WHERE day.source IN ('sale', 'pos', 'import')
                   AND NOT day.is_refund
                 GROUP BY 1, 2, 3
            ), complaints AS (
                SELECT fb.company_id,
                       date_trunc('month', fb.feedback_date)::date AS month,
                       COALESCE(customer.user_id, 0) AS user_key,
                       COUNT(*) AS complaints
                  FROM %(feedback)s fb
                  LEFT JOIN %(partner)s customer ON customer.id = fb.commercial_partner_id
                 WHERE fb.feedback_type = 'complaint'
                 GROUP BY 1, 2, 3
            )
            SELECT ROW_NUMBER() OVER (ORDER BY company_id, month, user_key) AS id,
                   company_id,
                   month,
                   NULLIF(user_key, 0) AS user_id,
                   COALESCE(orders.orders, 0) AS orders,
                   COALESCE(complaints.complaints, 0) AS complaints,
                   COALESCE(complaints.complaints, 0) * 100.0
                       / NULLIF(orders.orders, 0) AS complaints_per_100_orders
              FROM orders
              FULL OUTER JOIN complaints USING (company_id, month, user_key)
            """,
            day=SQL.identifier(self.env["customer.purchase.day"]._table),
            feedback=SQL.identifier(self.env["customer.feedback"]._table),
            partner=SQL.identifier(self.env["res.partner"]._table),
        )

    def _read_group_select(self, aggregate_spec, query):
        """A ratio cannot be summed: recompute it from the group's orders and complaints."""
        if aggregate_spec.split(":")[0] == "complaints_per_100_orders":
            return SQL(
                "SUM(%(complaints)s) * 100.0 / NULLIF(SUM(%(orders)s), 0)",
                complaints=self._field_to_sql(self._table, "complaints", query),
                orders=self._field_to_sql(self._table, "orders", query),
            )
        return super()._read_group_select(aggregate_spec, query)
