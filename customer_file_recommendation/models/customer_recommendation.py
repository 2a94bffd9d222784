import logging
import time
from contextlib import contextmanager

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from odoo.addons.customer_file.tools.access import check_group

_logger = logging.getLogger(__name__)

USER = "customer_file.group_customer_file_user"
OFFICER = "customer_file.group_customer_file_officer"
# Fallback candidates: the most popular products of the company, at most this deep.
POPULAR_DEPTH = 200

REASONS = [
    ("co_purchase", "Bought together"),
    ("preferred_category", "Popular in a preferred category"),
    ("popular", "Popular"),
]


class CustomerRecommendation(models.Model):
    """A product recommended to a customer, written only by the weekly job.

    Products bought together with what the customer bought in the window come first, scored
    by the sum of their confidences (boosted by a liked category). When those are too few,
    or the customer's products have no product bought with them, the list is completed with
    the most popular products of the customer's preferred categories, then of the company,
    and the row says so. Never recommended: what the customer owns (in use), bought within
    the last days, or a product of a category the customer dislikes.
    """

    _name = "customer.recommendation"
    _description = "Product Recommendation"
    _order = "partner_id, rank"
    _rec_name = "product_id"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    product_id = fields.Many2one(
        "product.product", required=True, readonly=True, ondelete="cascade"
    )
    product_categ_id = fields.Many2one(related="product_id.categ_id", string="Product Category")
    rank = fields.Integer(readonly=True)
    score = fields.Float(
        readonly=True,
        help="Bought together: the sum of the confidences from the customer's products "
        "(raised by a liked category). Popular: the share of customers who bought it.",
    )
    reason = fields.Selection(REASONS, readonly=True, required=True)
    source_product_id = fields.Many2one(
        "product.product", string="Bought With", readonly=True, ondelete="set null",
        help="The customer's product this one is most often bought with.",
    )
    source_categ_id = fields.Many2one(
        "product.category", string="Preferred Category", readonly=True, ondelete="set null"
    )
    explanation = fields.Char(string="Why", compute="_compute_explanation")
    computed_on = fields.Date(readonly=True)

    @api.depends("reason", "source_product_id", "source_categ_id")
    def _compute_explanation(self):
        for recommendation in self:
            if recommendation.reason == "co_purchase":
                recommendation.explanation = self.env._(
                    "Often bought with %(product)s",
                    product=recommendation.source_product_id.display_name or "?",
                )
            elif recommendation.reason == "preferred_category":
                recommendation.explanation = self.env._(
                    "No product bought together: popular in the preferred category "
                    "%(category)s", category=recommendation.source_categ_id.display_name or "?",
                )
            else:
                recommendation.explanation = self.env._(
                    "No product bought together: popular with all customers"
                )

    # ------------------------------------------------------------------ computation

    @api.model
    @contextmanager
    def _bulk_statement_settings(self):
        """Settings for the statements over every customer, restored at the end (within
        the transaction).

        Their intermediate results are common table expressions that PostgreSQL cannot
        estimate (200 rows for a DISTINCT, 1 for a filtered one): with nested loops allowed
        it joined a million candidates to the excluded products by a nested loop and
        recommending 100,000 customers had not finished after 9 minutes. Hash joins
        everywhere, memory for them, and no JIT compilation (its cost estimates made it
        compile for seconds).
        """
        cr = self.env.cr
        settings = {"work_mem": "256MB", "enable_nestloop": "off", "jit": "off"}
        cr.execute(SQL(
            "SELECT %s", SQL(", ").join(SQL("current_setting(%s)", name) for name in settings),
        ))
        previous = dict(zip(settings, cr.fetchone(), strict=True))
        for name, value in settings.items():
            cr.execute(SQL("SELECT set_config(%s, %s, TRUE)", name, value))
        yield
        for name, value in previous.items():
            cr.execute(SQL("SELECT set_config(%s, %s, TRUE)", name, value))

    @api.model
    def _recommendation_query(self, config, as_of, affinity, per_customer, popular_only=False):
        """SELECT of recommendations as of ``as_of``: partner_id, product_id, rank, score,
        reason, source_product_id, source_categ_id.

        ``affinity`` is a relation with product_id, related_product_id and confidence (in
        percent); ``popular_only`` ranks by popularity alone (the baseline of the evaluation),
        with the same exclusions.
        """
        company = config.company_id.id
        date_from = as_of - relativedelta(months=config.window_months)
        ledger_filter = SQL(
            "company_id = %s AND product_id IS NOT NULL AND is_refund IS NOT TRUE "
            "AND quantity > 0 AND date > %s AND date <= %s", company, date_from, as_of,
        )
        return SQL(
            """
            WITH history AS (
                SELECT commercial_partner_id AS partner_id, product_id, MAX(date) AS last_date
                  FROM customer_purchase_line
                 WHERE %(ledger_filter)s
                 GROUP BY commercial_partner_id, product_id
            ),
            customers AS (
                SELECT DISTINCT partner_id FROM history
            ),
            excluded AS (
                SELECT partner_id, product_id FROM history WHERE last_date > %(recent_from)s
                 UNION
                SELECT owned.commercial_partner_id, owned.product_id
                  FROM customer_owned_product owned
                  JOIN customers ON customers.partner_id = owned.commercial_partner_id
                 WHERE owned.company_id = %(company)s AND owned.state = 'in_use'
                   AND (owned.purchase_date IS NULL OR owned.purchase_date <= %(as_of)s)
            ),
            sellable AS (
                SELECT product.id AS product_id, template.categ_id
                  FROM product_product product
                  JOIN product_template template ON template.id = product.product_tmpl_id
                 WHERE product.active AND template.active AND template.sale_ok
                   AND (template.company_id IS NULL OR template.company_id = %(company)s)
            ),
            -- Each stated category preference applies to the category and its subcategories.
            preference_categories AS (
                SELECT preference.commercial_partner_id AS partner_id,
                       category.id AS categ_id, preferred.id AS preferred_categ_id,
                       MAX(preference.strength)
                           FILTER (WHERE preference.is_dislike IS NOT TRUE) AS liked,
                       BOOL_OR(preference.is_dislike IS TRUE) AS disliked
                  FROM customer_preference preference
                  JOIN customers ON customers.partner_id = preference.commercial_partner_id
                  JOIN product_category preferred ON preferred.id = preference.product_category_id
                  JOIN product_category category
                    ON category.parent_path LIKE preferred.parent_path || '%%'
                 WHERE preference.preference_type = 'category'
                   AND preference.company_id = %(company)s
                 GROUP BY preference.commercial_partner_id, category.id, preferred.id
            ),
            popular AS (
                SELECT popularity.product_id, sellable.categ_id,
                       popularity.buyers::float8 / GREATEST(total.customers, 1) AS share,
                       ROW_NUMBER() OVER (ORDER BY popularity.buyers DESC,
                                          popularity.product_id) AS position
                  FROM (SELECT product_id, COUNT(*) AS buyers FROM history
                         GROUP BY product_id) popularity
                  JOIN sellable ON sellable.product_id = popularity.product_id
                 CROSS JOIN (SELECT COUNT(*) AS customers FROM customers) total
            ),
            co_purchase AS (
                SELECT history.partner_id, affinity.related_product_id AS product_id,
                       SUM(affinity.confidence) / 100 AS score,
                       -- The most confident source in one plain aggregate: the confidence
                       -- in the high bits, the product id in the low 31 bits.
                       MAX(ROUND(affinity.confidence * 1000)::bigint * 2147483648
                           + affinity.product_id) %% 2147483648 AS source_product_id
                  FROM history
                  JOIN %(affinity)s affinity ON affinity.product_id = history.product_id
                 WHERE NOT %(popular_only)s
                 GROUP BY history.partner_id, affinity.related_product_id
            ),
            candidates AS (
                SELECT partner_id, product_id, 0 AS tier, score, source_product_id,
                       NULL::int AS source_categ_id
                  FROM co_purchase
                 UNION ALL
                SELECT liked.partner_id, popular.product_id, 1, popular.share, NULL,
                       liked.preferred_categ_id
                  FROM preference_categories liked
                  JOIN popular ON popular.categ_id = liked.categ_id
                 WHERE liked.liked IS NOT NULL AND popular.position <= %(depth)s
                   AND NOT %(popular_only)s
                 UNION ALL
                SELECT customers.partner_id, popular.product_id, 2, popular.share, NULL, NULL
                  FROM customers
                 CROSS JOIN popular
                 WHERE popular.position <= %(popular_limit)s
            ),
            -- A product can come from several tiers: it keeps its best one (with its
            -- score and source) in one aggregate.
            kept AS (
                SELECT candidates.partner_id, candidates.product_id,
                       MIN(candidates.tier) AS tier,
                       COALESCE(MAX(candidates.score) FILTER (WHERE candidates.tier = 0),
                                MAX(candidates.score) FILTER (WHERE candidates.tier = 1),
                                MAX(candidates.score))
                           * CASE WHEN %(popular_only)s THEN 1
                                  ELSE 1 + COALESCE(MAX(preference.liked), 0) / 100.0 END
                           AS score,
                       MAX(candidates.source_product_id) AS source_product_id,
                       MAX(candidates.source_categ_id) AS source_categ_id
                  FROM candidates
                  JOIN sellable ON sellable.product_id = candidates.product_id
                  LEFT JOIN (SELECT partner_id, categ_id, MAX(liked) AS liked,
                                    BOOL_OR(disliked) AS disliked
                               FROM preference_categories GROUP BY partner_id, categ_id
                            ) preference
                    ON preference.partner_id = candidates.partner_id
                   AND preference.categ_id = sellable.categ_id
                  LEFT JOIN excluded
                    ON excluded.partner_id = candidates.partner_id
                   AND excluded.product_id = candidates.product_id
                 WHERE excluded.partner_id IS NULL AND preference.disliked IS NOT TRUE
                 GROUP BY candidates.partner_id, candidates.product_id
            ),
            ranked AS (
                SELECT kept.*,
                       ROW_NUMBER() OVER (PARTITION BY partner_id
                                          ORDER BY tier, score DESC, product_id) AS rank
                  FROM kept
            )
            SELECT partner_id, product_id, rank, score,
                   CASE tier WHEN 0 THEN 'co_purchase' WHEN 1 THEN 'preferred_category'
                             ELSE 'popular' END AS reason,
                   CASE WHEN tier = 0 THEN source_product_id END AS source_product_id,
                   CASE WHEN tier = 1 THEN source_categ_id END AS source_categ_id
              FROM ranked
             WHERE rank <= %(per_customer)s
            """,
            ledger_filter=ledger_filter,
            company=company,
            as_of=as_of,
            recent_from=as_of - relativedelta(days=config.recent_days),
            affinity=affinity,
            popular_only=bool(popular_only),
            depth=POPULAR_DEPTH,
            # Enough popular products to fill a list after the customer's exclusions.
            popular_limit=2 * per_customer,
            per_customer=per_customer,
        )

    @api.model
    def _affinity_relation(self, company):
        return SQL(
            "(SELECT product_id, related_product_id, confidence FROM customer_product_affinity"
            " WHERE company_id = %s)", company.id,
        )

    @api.model
    def _rebuild(self, company, as_of=None):
        """Replace the recommendations of the company's customers from the stored
        affinities. One INSERT ... SELECT."""
        as_of = as_of or fields.Date.context_today(self)
        config = self.env["customer.recommendation.config"]._for_company(company)
        started = time.perf_counter()
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(SQL(
            "DELETE FROM customer_recommendation WHERE company_id = %s", company.id
        ))
        with self._bulk_statement_settings():
            cr.execute(SQL(
                """
                INSERT INTO customer_recommendation
                       (partner_id, company_id, product_id, rank, score, reason,
                        source_product_id, source_categ_id, computed_on,
                        create_uid, create_date, write_uid, write_date)
                SELECT partner_id, %(company)s, product_id, rank, score, reason,
                       source_product_id, source_categ_id, %(as_of)s,
                       %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                  FROM (%(query)s) recommendation
                """,
                company=company.id, as_of=as_of, uid=self.env.uid,
                query=self._recommendation_query(
                    config, as_of, self._affinity_relation(company),
                    config.recommendations_per_customer,
                ),
            ))
            count = cr.rowcount
        self.invalidate_model()
        _logger.info("Recommendations of %s: %s rows in %.1f s", company.name, count,
                     time.perf_counter() - started)
        return count

    @api.model
    def _rebuild_company(self, company, as_of=None):
        self.env["customer.product.affinity"]._rebuild(company, as_of)
        return self._rebuild(company, as_of)

    @api.model
    def _cron_rebuild(self):
        """Weekly: products bought together, then recommendations, one company per
        transaction."""
        companies = self.env["res.company"].sudo().search([])
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        for index, company in enumerate(companies):
            self.sudo()._rebuild_company(company)
            if in_cron:
                remaining_time = self.env["ir.cron"]._commit_progress(
                    1, remaining=len(companies) - index - 1
                )
                if remaining_time <= 0:
                    break

    # ------------------------------------------------------------------ actions

    def action_add_to_order(self):
        """Add the recommended product to the quotation in the context
        (``recommendation_order_id``), as one unit."""
        check_group(self.env, USER)
        self.ensure_one()
        order = self.env["sale.order"].browse(self.env.context.get("recommendation_order_id"))
        if not order.exists():
            raise UserError(self.env._("Open the quotation to add a recommended product to it."))
        order.check_access("write")
        if order.state not in ("draft", "sent"):
            raise UserError(self.env._(
                "%(order)s is no longer a quotation: recommended products are added to "
                "quotations only.", order=order.display_name,
            ))
        if order.partner_id.commercial_partner_id != self.partner_id:
            raise UserError(self.env._(
                "%(product)s is recommended to %(customer)s, not to the customer of "
                "%(order)s.", product=self.product_id.display_name,
                customer=self.partner_id.display_name, order=order.display_name,
            ))
        self.env["sale.order.line"].create({
            "order_id": order.id, "product_id": self.product_id.id, "product_uom_qty": 1,
        })
        return True
