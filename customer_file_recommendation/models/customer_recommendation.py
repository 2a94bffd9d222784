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
# The decimals of a score as the lists show it (a float field without digits: two). Not the
# field's digits: those would store it as numeric, which made the statements slower.
SCORE_DIGITS = 2
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
    @contextmanager
    def _staged_recommendations(self, config, as_of, affinity, per_customer,
                                popular_only=False):
        """Stage the recommendations as of ``as_of`` and yield the SELECT of them:
        partner_id, product_id, rank, score, reason, source_product_id, source_categ_id.

        A customer's list depends only on the products they bought in the window (their
        basket), the products left out for them (bought recently, owned) and their stated
        category preferences: customers alike in the three get the same list. So:

        - the customers are grouped by these inputs (a customer with category preferences
          is a group of their own);
        - each basket's candidates (bought together with it, then the most popular) are
          scored once, for all the groups with that basket;
        - each group's list is its basket's candidates less its exclusions (with its
          preferences applied), ranked once, and the SELECT gives it to every customer of
          the group.

        Each step is an analysed temporary table, dropped on leaving. ``affinity`` is a
        relation with product_id, related_product_id and confidence (in percent);
        ``popular_only`` ranks by popularity alone (the baseline of the evaluation), with
        the same exclusions. Run within :meth:`_bulk_statement_settings`.
        """
        cr = self.env.cr
        company = config.company_id.id
        stages = []

        def stage(table, query):
            cr.execute(SQL(
                "CREATE TEMP TABLE %s ON COMMIT DROP AS %s", SQL.identifier(table), query
            ))
            cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
            stages.append(table)

        stage("recommendation_stage_group", SQL(
            """
            WITH history AS (
                SELECT commercial_partner_id AS partner_id, product_id, MAX(date) AS last_date
                  FROM customer_purchase_line
                 WHERE company_id = %(company)s AND product_id IS NOT NULL
                   AND is_refund IS NOT TRUE AND quantity > 0
                   AND date > %(date_from)s AND date <= %(as_of)s
                 GROUP BY commercial_partner_id, product_id
            ),
            bought AS (
                SELECT partner_id, ARRAY_AGG(product_id ORDER BY product_id) AS products,
                       COALESCE(ARRAY_AGG(product_id ORDER BY product_id)
                                    FILTER (WHERE last_date > %(recent_from)s),
                                '{}') AS recent
                  FROM history
                 GROUP BY partner_id
            ),
            owned AS (
                SELECT commercial_partner_id AS partner_id, ARRAY_AGG(product_id) AS products
                  FROM customer_owned_product
                 WHERE company_id = %(company)s AND state = 'in_use'
                   AND product_id IS NOT NULL
                   AND (purchase_date IS NULL OR purchase_date <= %(as_of)s)
                 GROUP BY commercial_partner_id
            ),
            preferring AS (
                SELECT DISTINCT commercial_partner_id AS partner_id
                  FROM customer_preference
                 WHERE preference_type = 'category' AND company_id = %(company)s
            ),
            customers AS (
                SELECT bought.partner_id, bought.products,
                       CASE WHEN owned.products IS NULL THEN bought.recent
                            ELSE ARRAY(SELECT DISTINCT excluded.id
                                         FROM UNNEST(bought.recent || owned.products)
                                              AS excluded(id)
                                        ORDER BY excluded.id) END AS excluded,
                       -- 0: no stated category preference.
                       COALESCE(preferring.partner_id, 0) AS preference_partner_id
                  FROM bought
                  LEFT JOIN owned ON owned.partner_id = bought.partner_id
                  LEFT JOIN preferring ON preferring.partner_id = bought.partner_id
            )
            SELECT ROW_NUMBER() OVER () AS group_id, products, excluded, preference_partner_id,
                   ARRAY_AGG(partner_id) AS partners, COUNT(*) AS customers
              FROM customers
             GROUP BY products, excluded, preference_partner_id
            """,
            company=company, as_of=as_of,
            date_from=as_of - relativedelta(months=config.window_months),
            recent_from=as_of - relativedelta(days=config.recent_days),
        ))
        stage("recommendation_stage_basket", SQL(
            """
            SELECT ROW_NUMBER() OVER () AS basket_id, products, SUM(customers) AS customers
              FROM recommendation_stage_group
             GROUP BY products
            """
        ))
        stage("recommendation_stage_sellable", SQL(
            """
            SELECT product.id AS product_id, template.categ_id
              FROM product_product product
              JOIN product_template template ON template.id = product.product_tmpl_id
             WHERE product.active AND template.active AND template.sale_ok
               AND (template.company_id IS NULL OR template.company_id = %s)
            """, company,
        ))
        stage("recommendation_stage_popular", SQL(
            """
            SELECT popularity.product_id, sellable.categ_id,
                   popularity.buyers::float8 / GREATEST(total.customers, 1) AS share,
                   ROW_NUMBER() OVER (ORDER BY popularity.buyers DESC,
                                      popularity.product_id) AS position
              FROM (SELECT bought.id AS product_id, SUM(basket.customers) AS buyers
                      FROM recommendation_stage_basket basket
                     CROSS JOIN UNNEST(basket.products) AS bought(id)
                     GROUP BY bought.id) popularity
              JOIN recommendation_stage_sellable sellable
                ON sellable.product_id = popularity.product_id
             CROSS JOIN (SELECT SUM(customers) AS customers
                           FROM recommendation_stage_basket) total
            """
        ))
        # Bought together with the basket, then the most popular (enough of them to fill
        # a list after the customer's exclusions): each product once, with its best tier.
        stage("recommendation_stage_candidate", SQL(
            """
            WITH co_purchase AS (
                SELECT basket.basket_id, affinity.related_product_id AS product_id,
                       SUM(affinity.confidence) / 100 AS score,
                       -- The most confident source in one plain aggregate: the confidence
                       -- in the high bits, the product id in the low 31 bits.
                       MAX(ROUND(affinity.confidence * 1000)::bigint * 2147483648
                           + affinity.product_id) %% 2147483648 AS source_product_id
                  FROM recommendation_stage_basket basket
                 CROSS JOIN UNNEST(basket.products) AS bought(id)
                  JOIN %(affinity)s affinity ON affinity.product_id = bought.id
                  JOIN recommendation_stage_sellable sellable
                    ON sellable.product_id = affinity.related_product_id
                 WHERE NOT %(popular_only)s
                 GROUP BY basket.basket_id, affinity.related_product_id
            ),
            candidates AS (
                SELECT basket_id, product_id, 0 AS tier, score, source_product_id
                  FROM co_purchase
                 UNION ALL
                SELECT basket.basket_id, popular.product_id, 2, popular.share, NULL
                  FROM recommendation_stage_basket basket
                 CROSS JOIN recommendation_stage_popular popular
                 WHERE popular.position <= %(popular_limit)s
            )
            SELECT basket_id, product_id, MIN(tier) AS tier,
                   COALESCE(MAX(score) FILTER (WHERE tier = 0), MAX(score)) AS score,
                   MAX(source_product_id) AS source_product_id
              FROM candidates
             GROUP BY basket_id, product_id
            """,
            affinity=affinity, popular_only=bool(popular_only), popular_limit=2 * per_customer,
        ))
        stage("recommendation_stage_list", SQL(
            """
            WITH preferring AS (
                SELECT alike.group_id, alike.preference_partner_id, alike.excluded,
                       basket.basket_id
                  FROM recommendation_stage_group alike
                  JOIN recommendation_stage_basket basket ON basket.products = alike.products
                 WHERE alike.preference_partner_id <> 0
            ),
            -- Each stated category preference applies to the category and its subcategories.
            preference_categories AS (
                SELECT preference.commercial_partner_id AS partner_id,
                       category.id AS categ_id, preferred.id AS preferred_categ_id,
                       MAX(preference.strength)
                           FILTER (WHERE preference.is_dislike IS NOT TRUE) AS liked,
                       BOOL_OR(preference.is_dislike IS TRUE) AS disliked
                  FROM customer_preference preference
                  JOIN preferring ON preferring.preference_partner_id
                                     = preference.commercial_partner_id
                  JOIN product_category preferred ON preferred.id = preference.product_category_id
                  JOIN product_category category
                    ON category.parent_path LIKE preferred.parent_path || '%%'
                 WHERE preference.preference_type = 'category'
                   AND preference.company_id = %(company)s
                 GROUP BY preference.commercial_partner_id, category.id, preferred.id
            ),
            preferring_candidates AS (
                SELECT preferring.group_id, candidate.product_id, candidate.tier,
                       candidate.score, candidate.source_product_id,
                       NULL::int AS source_categ_id
                  FROM preferring
                  JOIN recommendation_stage_candidate candidate
                    ON candidate.basket_id = preferring.basket_id
                 UNION ALL
                SELECT preferring.group_id, popular.product_id, 1, popular.share, NULL,
                       liked.preferred_categ_id
                  FROM preferring
                  JOIN preference_categories liked
                    ON liked.partner_id = preferring.preference_partner_id
                  JOIN recommendation_stage_popular popular ON popular.categ_id = liked.categ_id
                 WHERE liked.liked IS NOT NULL AND popular.position <= %(depth)s
                   AND NOT %(popular_only)s
            ),
            kept AS (
                -- Without a stated category preference: the basket's candidates less the
                -- group's exclusions.
                SELECT alike.group_id, candidate.product_id, candidate.tier, candidate.score,
                       candidate.source_product_id, NULL::int AS source_categ_id
                  FROM recommendation_stage_group alike
                  JOIN recommendation_stage_basket basket ON basket.products = alike.products
                  JOIN recommendation_stage_candidate candidate
                    ON candidate.basket_id = basket.basket_id
                 WHERE alike.preference_partner_id = 0
                   AND candidate.product_id <> ALL(alike.excluded)
                 UNION ALL
                -- With: a product can also come from a liked category; it keeps its best
                -- tier (with its score and source), raised by the liked category, and
                -- products of a disliked category are left out.
                SELECT candidate.group_id, candidate.product_id, MIN(candidate.tier),
                       COALESCE(MAX(candidate.score) FILTER (WHERE candidate.tier = 0),
                                MAX(candidate.score) FILTER (WHERE candidate.tier = 1),
                                MAX(candidate.score))
                           * CASE WHEN %(popular_only)s THEN 1
                                  ELSE 1 + COALESCE(MAX(preference.liked), 0) / 100.0 END,
                       MAX(candidate.source_product_id), MAX(candidate.source_categ_id)
                  FROM preferring_candidates candidate
                  JOIN preferring ON preferring.group_id = candidate.group_id
                  JOIN recommendation_stage_sellable sellable
                    ON sellable.product_id = candidate.product_id
                  LEFT JOIN (SELECT partner_id, categ_id, MAX(liked) AS liked,
                                    BOOL_OR(disliked) AS disliked
                               FROM preference_categories GROUP BY partner_id, categ_id
                            ) preference
                    ON preference.partner_id = preferring.preference_partner_id
                   AND preference.categ_id = sellable.categ_id
                 WHERE candidate.product_id <> ALL(preferring.excluded)
                   AND preference.disliked IS NOT TRUE
                 GROUP BY candidate.group_id, candidate.product_id
            ),
            ranked AS (
                SELECT kept.*,
                       ROW_NUMBER() OVER (PARTITION BY group_id
                                          ORDER BY tier, score DESC, product_id) AS rank
                  FROM kept
            )
            SELECT group_id, product_id, rank, score,
                   CASE tier WHEN 0 THEN 'co_purchase' WHEN 1 THEN 'preferred_category'
                             ELSE 'popular' END AS reason,
                   CASE WHEN tier = 0 THEN source_product_id END AS source_product_id,
                   CASE WHEN tier = 1 THEN source_categ_id END AS source_categ_id
              FROM ranked
             WHERE rank <= %(per_customer)s
            """,
            company=company, popular_only=bool(popular_only), depth=POPULAR_DEPTH,
            per_customer=per_customer,
        ))
        # In the order of the customers: the rows are then written in that order, each
        # customer's foreign key check and index entry next to the previous one's (in the
        # order of the groups, writing 869,016 rows took 116 s against 81 s, both on a
        # loaded machine).
        stage("recommendation_stage_customer", SQL(
            """
            SELECT customer.partner_id, alike.group_id
              FROM recommendation_stage_group alike
             CROSS JOIN UNNEST(alike.partners) AS customer(partner_id)
             ORDER BY customer.partner_id
            """
        ))
        yield SQL("""
            SELECT customer.partner_id, list.product_id, list.rank, list.score, list.reason,
                   list.source_product_id, list.source_categ_id
              FROM recommendation_stage_customer customer
              JOIN recommendation_stage_list list ON list.group_id = customer.group_id
        """)
        for table in stages:
            cr.execute(SQL("DROP TABLE %s", SQL.identifier(table)))

    @api.model
    def _affinity_relation(self, company):
        return SQL(
            "(SELECT product_id, related_product_id, confidence FROM customer_product_affinity"
            " WHERE company_id = %s)", company.id,
        )

    @api.model
    def _rebuild(self, company, as_of=None):
        """Bring the recommendations of the company's customers up to date from the stored
        affinities. Returns how many there are.

        Only what changed is written: each inserted row checks its seven foreign keys, and
        on a million customers writing every row cost more than computing them. A product
        no longer recommended to the customer is deleted, one still recommended is
        updated in place when its rank, reason or source changed, or its score as shown
        (``SCORE_DIGITS`` decimals; its customer, company and product stay: those keys are
        not checked again), a newly recommended one is inserted. A recommendation found
        again unchanged keeps its row and date. The weekly refresh of the products bought
        together moves every confidence a little: rewriting each score for a move nobody
        sees was most of the weekly job at a million customers.
        """
        as_of = as_of or fields.Date.context_today(self)
        config = self.env["customer.recommendation.config"]._for_company(company)
        started = time.perf_counter()
        self.env.flush_all()
        cr = self.env.cr
        with self._bulk_statement_settings(), self._staged_recommendations(
            config, as_of, self._affinity_relation(company),
            config.recommendations_per_customer,
        ) as recommendations:
            cr.execute(SQL(
                """
                SELECT SUM(alike.customers)
                  FROM recommendation_stage_list list
                  JOIN recommendation_stage_group alike ON alike.group_id = list.group_id
                """
            ))
            count = int(cr.fetchone()[0] or 0)
            # The stored rows stream past the customers' groups and the groups' lists (two
            # small hash tables), rather than the other way round.
            cr.execute(SQL(
                """
                DELETE FROM customer_recommendation
                 WHERE id IN (
                       SELECT stored.id
                         FROM customer_recommendation stored
                         LEFT JOIN recommendation_stage_customer customer
                           ON customer.partner_id = stored.partner_id
                         LEFT JOIN recommendation_stage_list fresh
                           ON fresh.group_id = customer.group_id
                          AND fresh.product_id = stored.product_id
                        WHERE stored.company_id = %s AND fresh.group_id IS NULL)
                """, company.id,
            ))
            deleted = cr.rowcount
            cr.execute(SQL(
                """
                UPDATE customer_recommendation stored
                   SET rank = fresh.rank, score = fresh.score, reason = fresh.reason,
                       source_product_id = fresh.source_product_id,
                       source_categ_id = fresh.source_categ_id, computed_on = %(as_of)s,
                       write_uid = %(uid)s, write_date = NOW() AT TIME ZONE 'UTC'
                  FROM recommendation_stage_customer customer
                  JOIN recommendation_stage_list fresh ON fresh.group_id = customer.group_id
                 WHERE customer.partner_id = stored.partner_id
                   AND fresh.product_id = stored.product_id
                   AND stored.company_id = %(company)s
                   AND (fresh.rank, ROUND(fresh.score::numeric, %(digits)s), fresh.reason,
                        COALESCE(fresh.source_product_id, 0), COALESCE(fresh.source_categ_id, 0))
                       IS DISTINCT FROM
                       (stored.rank, ROUND(stored.score::numeric, %(digits)s), stored.reason,
                        COALESCE(stored.source_product_id, 0),
                        COALESCE(stored.source_categ_id, 0))
                """, company=company.id, as_of=as_of, uid=self.env.uid,
                digits=SCORE_DIGITS,
            ))
            updated = cr.rowcount
            # What is left is exactly the recommendations found again: a customer's product
            # still stored is one not to insert.
            cr.execute(SQL(
                "SELECT EXISTS(SELECT 1 FROM customer_recommendation WHERE company_id = %s)",
                company.id,
            ))
            new_only = SQL("")
            if cr.fetchone()[0]:
                new_only = SQL(
                    """
                    WHERE NOT EXISTS (
                          SELECT 1 FROM customer_recommendation stored
                           WHERE stored.partner_id = fresh.partner_id
                             AND stored.product_id = fresh.product_id
                             AND stored.company_id = %s)
                    """, company.id,
                )
            cr.execute(SQL(
                """
                INSERT INTO customer_recommendation
                       (partner_id, company_id, product_id, rank, score, reason,
                        source_product_id, source_categ_id, computed_on,
                        create_uid, create_date, write_uid, write_date)
                SELECT partner_id, %(company)s, product_id, rank, score, reason,
                       source_product_id, source_categ_id, %(as_of)s,
                       %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                  FROM (%(recommendations)s) fresh
                %(new_only)s
                """,
                company=company.id, as_of=as_of, uid=self.env.uid, new_only=new_only,
                recommendations=recommendations,
            ))
            inserted = cr.rowcount
        self.invalidate_model()
        _logger.info(
            "Recommendations of %s: %s rows, %s deleted, %s updated, %s inserted in %.1f s",
            company.name, count, deleted, updated, inserted, time.perf_counter() - started,
        )
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
