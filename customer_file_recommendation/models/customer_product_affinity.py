import logging
import time

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.customer_file.tools.access import check_group

_logger = logging.getLogger(__name__)

OFFICER = "customer_file.group_customer_file_officer"


class CustomerProductAffinity(models.Model):
    """Two products bought by the same customers, written only by the weekly job.

    Over the company's purchases of the window (refunds left out), each customer counts once
    per product: ``support`` customers bought both, ``confidence`` is the share of the
    buyers of the product who also bought the related one, ``lift`` how much more often
    than if the two were bought independently. Only pairs with a lift above 1 are kept, the
    ``related_per_product`` most confident first.
    """

    _name = "customer.product.affinity"
    _description = "Products Bought Together"
    _order = "company_id, product_id, rank"
    _rec_name = "related_product_id"

    company_id = fields.Many2one("res.company", required=True, readonly=True)
    product_id = fields.Many2one("product.product", required=True, readonly=True)
    related_product_id = fields.Many2one(
        "product.product", string="Bought With", required=True, readonly=True
    )
    support = fields.Integer(string="Customers Who Bought Both", readonly=True)
    # Plain floats (double precision), not numeric: the recommendations sum millions of them.
    confidence = fields.Float(
        string="Confidence (%)", readonly=True,
        help="Share of the buyers of the product who also bought the related product.",
    )
    lift = fields.Float(
        readonly=True,
        help="How many times more often the two are bought by the same customer than if "
        "they were bought independently.",
    )
    rank = fields.Integer(readonly=True)
    computed_on = fields.Date(readonly=True)

    _product_rank = models.Index("(company_id, product_id, rank)")

    @api.model
    def _affinity_query(self, config, as_of):
        """SELECT of the affinity rows of ``config``'s company from purchases up to
        ``as_of``: product_id, related_product_id, support, confidence (a share, 0-1),
        lift, rank.

        Each customer's distinct products of the window become one array, and the pairs are
        unnested from it: one pass over the ledger and one aggregate, no self-join of the
        customer-product pairs.
        """
        return SQL(
            """
            WITH baskets AS (
                SELECT commercial_partner_id AS partner_id,
                       ARRAY_AGG(DISTINCT product_id) AS products
                  FROM customer_purchase_line
                 WHERE company_id = %(company)s AND product_id IS NOT NULL
                   AND is_refund IS NOT TRUE AND quantity > 0
                   AND date > %(date_from)s AND date <= %(as_of)s
                 GROUP BY commercial_partner_id
            ),
            buyers AS (
                SELECT product_id, COUNT(*) AS customers
                  FROM baskets, UNNEST(baskets.products) AS product_id
                 GROUP BY product_id
            ),
            pairs AS (
                SELECT product.id AS product_id, related.id AS related_product_id,
                       COUNT(*) AS support
                  FROM baskets, UNNEST(baskets.products) AS product(id),
                       UNNEST(baskets.products) AS related(id)
                 WHERE related.id <> product.id
                   AND CARDINALITY(baskets.products) <= %(max_basket)s
                 GROUP BY product.id, related.id
                HAVING COUNT(*) >= %(min_support)s
            ),
            scored AS (
                SELECT pairs.product_id, pairs.related_product_id, pairs.support,
                       pairs.support::float8 / buyer.customers AS confidence,
                       pairs.support::float8 * total.customers
                           / (buyer.customers::float8 * related.customers) AS lift
                  FROM pairs
                  JOIN buyers buyer ON buyer.product_id = pairs.product_id
                  JOIN buyers related ON related.product_id = pairs.related_product_id
                 CROSS JOIN (SELECT COUNT(*) AS customers FROM baskets) total
            ),
            ranked AS (
                SELECT scored.*,
                       ROW_NUMBER() OVER (PARTITION BY product_id
                                          ORDER BY confidence DESC, lift DESC,
                                                   related_product_id) AS rank
                  FROM scored
                 WHERE lift > 1
            )
            SELECT product_id, related_product_id, support, confidence, lift, rank
              FROM ranked
             WHERE rank <= %(per_product)s
            """,
            company=config.company_id.id,
            date_from=as_of - relativedelta(months=config.window_months),
            as_of=as_of,
            max_basket=config.max_products_per_customer,
            min_support=config.min_support,
            per_product=config.related_per_product,
        )

    @api.model
    def _rebuild(self, company, as_of=None):
        """Replace the company's affinities by those of its purchases up to ``as_of``
        (today). One INSERT ... SELECT."""
        as_of = as_of or fields.Date.context_today(self)
        config = self.env["customer.recommendation.config"]._for_company(company)
        started = time.perf_counter()
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(SQL("DELETE FROM customer_product_affinity WHERE company_id = %s", company.id))
        with self.env["customer.recommendation"]._bulk_statement_settings():
            cr.execute(SQL(
                """
                INSERT INTO customer_product_affinity
                       (company_id, product_id, related_product_id, support, confidence, lift,
                        rank, computed_on, create_uid, create_date, write_uid, write_date)
                SELECT %(company)s, product_id, related_product_id, support, 100 * confidence,
                       lift, rank, %(as_of)s,
                       %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                  FROM (%(query)s) affinity
                """,
                company=company.id, as_of=as_of, uid=self.env.uid,
                query=self._affinity_query(config, as_of),
            ))
            count = cr.rowcount
        # The recommendations join this small table to every customer's products: its
        # statistics must say how small it is.
        cr.execute("ANALYZE customer_product_affinity")
        self.invalidate_model()
        _logger.info("Products bought together of %s: %s pairs in %.1f s", company.name, count,
                     time.perf_counter() - started)
        return count

    def action_rebuild(self):
        """Recompute products bought together and recommendations of the current company."""
        check_group(self.env, OFFICER)
        self.env["customer.recommendation"]._rebuild_company(self.env.company)
        return {"type": "ir.actions.client", "tag": "soft_reload"}
