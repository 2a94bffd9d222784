from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from odoo.addons.customer_file.tools.access import check_group

MANAGER = "customer_file.group_customer_file_manager"
# Lists are judged at these lengths; the computation keeps the longest.
CUTS = (5, 10)
RESULT_FIELDS = {
    "state", "customer_count", "hit_rate_5", "hit_rate_10", "popular_hit_rate_5",
    "popular_hit_rate_10", "co_purchase_coverage", "pair_count", "co_purchase_wins", "verdict",
}


class CustomerRecommendationEvaluation(models.Model):
    """How often the recommendations would have named a product the customer then bought,
    against the most popular products.

    Products bought together are computed from the purchases up to the cutoff date only,
    and both lists are made as of the cutoff with the same exclusions (owned, bought
    recently, disliked categories). A customer is evaluated when they bought before the
    cutoff (in the window) and, within the horizon after it, bought a product that could
    have been recommended. A hit at 5 (10): one of the first 5 (10) recommended products
    was bought. Stated preferences are today's: the file keeps no history of them.
    """

    _name = "customer.recommendation.evaluation"
    _description = "Recommendation Evaluation"
    _order = "id desc"

    name = fields.Char(compute="_compute_name")
    company_id = fields.Many2one("res.company", required=True,
                                 default=lambda self: self.env.company)
    cutoff_date = fields.Date(
        required=True, default=lambda self: fields.Date.context_today(self) - timedelta(days=90)
    )
    horizon_days = fields.Integer(string="Horizon (days)", required=True, default=90)
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft",
                             readonly=True)
    customer_count = fields.Integer(string="Customers Evaluated", readonly=True)
    pair_count = fields.Integer(string="Pairs Bought Together", readonly=True)
    co_purchase_coverage = fields.Float(
        string="With a Product Bought Together (%)", readonly=True, digits=(16, 1),
        help="Share of the evaluated customers whose list starts with at least one product "
        "bought together (the others get popular products only).",
    )
    hit_rate_5 = fields.Float(string="Hit Rate at 5 (%)", readonly=True, digits=(16, 1))
    hit_rate_10 = fields.Float(string="Hit Rate at 10 (%)", readonly=True, digits=(16, 1))
    popular_hit_rate_5 = fields.Float(string="Most Popular: Hit Rate at 5 (%)", readonly=True,
                                      digits=(16, 1))
    popular_hit_rate_10 = fields.Float(string="Most Popular: Hit Rate at 10 (%)",
                                       readonly=True, digits=(16, 1))
    co_purchase_wins = fields.Boolean(
        string="Beats Most Popular", readonly=True,
        help="The recommendations' hit rates at 5 and at 10 are at least those of the most "
        "popular products, one of them higher.",
    )
    verdict = fields.Text(readonly=True)

    _horizon_positive = models.Constraint(
        "CHECK(horizon_days > 0)", "The horizon must be at least one day."
    )

    @api.depends("cutoff_date", "horizon_days")
    def _compute_name(self):
        for evaluation in self:
            evaluation.name = self.env._(
                "%(cutoff)s + %(days)s days", cutoff=evaluation.cutoff_date,
                days=evaluation.horizon_days,
            )

    @api.constrains("cutoff_date", "horizon_days")
    def _check_dates(self):
        today = fields.Date.context_today(self)
        for evaluation in self:
            if evaluation.cutoff_date + timedelta(days=evaluation.horizon_days) > today:
                raise ValidationError(self.env._(
                    "The cutoff date plus the horizon must be in the past: what was bought "
                    "after the cutoff has to be known."
                ))

    def _check_no_results(self, vals_list):
        if not self.env.su and any(RESULT_FIELDS & set(vals) for vals in vals_list):
            raise UserError(self.env._(
                "The results of an evaluation are computed by running it, not typed in."
            ))

    @api.model_create_multi
    def create(self, vals_list):
        self._check_no_results(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._check_no_results([vals])
        result = super().write(vals)
        if {"cutoff_date", "horizon_days", "company_id"} & set(vals):
            # The results shown no longer answer the question asked.
            super(CustomerRecommendationEvaluation, self.sudo()).write({"state": "draft"})
        return result

    def action_run(self):
        check_group(self.env, MANAGER)
        self.check_access("write")
        for evaluation in self:
            evaluation._run()
        return True

    def _run(self):
        self.ensure_one()
        config = self.env["customer.recommendation.config"]._for_company(self.company_id)
        cutoff = self.cutoff_date
        horizon_end = cutoff + timedelta(days=self.horizon_days)
        per_customer = max(CUTS)
        self.env.flush_all()
        with self.env["customer.recommendation"]._bulk_statement_settings():
            counts, pair_count = self._hits(config, cutoff, horizon_end, per_customer)
        customers, co_5, co_10, popular_5, popular_10, covered = counts
        if not customers:
            raise UserError(self.env._(
                "Evaluation %(name)s: no customer bought before %(cutoff)s and bought a "
                "product they did not already have within the %(days)s days after it. Choose "
                "an earlier cutoff or a longer horizon.",
                name=self.name, cutoff=cutoff, days=self.horizon_days,
            ))

        def rate(count):
            return round(100.0 * count / customers, 1)

        results = {
            "state": "done",
            "customer_count": customers,
            "pair_count": pair_count,
            "co_purchase_coverage": rate(covered),
            "hit_rate_5": rate(co_5),
            "hit_rate_10": rate(co_10),
            "popular_hit_rate_5": rate(popular_5),
            "popular_hit_rate_10": rate(popular_10),
        }
        results["co_purchase_wins"] = (
            co_5 >= popular_5 and co_10 >= popular_10 and (co_5, co_10) != (popular_5, popular_10)
        )
        results["verdict"] = self._verdict(results, co_5, co_10, popular_5, popular_10)
        self.sudo().write(results)

    def _hits(self, config, cutoff, horizon_end, per_customer):
        """(customers evaluated, hits at 5 and 10 of the recommendations, of the most
        popular products, customers with a product bought together), pairs learnt."""
        Recommendation = self.env["customer.recommendation"]
        cr = self.env.cr
        cr.execute(SQL(
            "CREATE TEMP TABLE recommendation_evaluation_affinity ON COMMIT DROP AS %s",
            self.env["customer.product.affinity"]._affinity_query(config, cutoff),
        ))
        pair_count = cr.rowcount
        affinity = SQL(
            "(SELECT product_id, related_product_id, 100 * confidence AS confidence"
            " FROM recommendation_evaluation_affinity)"
        )
        for table, popular_only in (("recommendation_evaluation_co", False),
                                    ("recommendation_evaluation_popular", True)):
            with Recommendation._staged_recommendations(
                config, cutoff, affinity, per_customer, popular_only=popular_only
            ) as recommendations:
                cr.execute(SQL(
                    "CREATE TEMP TABLE %s ON COMMIT DROP AS %s", SQL.identifier(table),
                    recommendations,
                ))
        cr.execute(SQL(
            """
            WITH bought AS (
                SELECT DISTINCT commercial_partner_id AS partner_id, product_id
                  FROM customer_purchase_line
                 WHERE company_id = %(company)s AND product_id IS NOT NULL
                   AND is_refund IS NOT TRUE AND quantity > 0
                   AND date > %(cutoff)s AND date <= %(horizon_end)s
            ),
            -- Customers who bought in the window before the cutoff, and what they bought
            -- after it that the lists could hold (not owned, not bought just before).
            eligible AS (
                SELECT bought.*
                  FROM bought
                 WHERE EXISTS (
                       SELECT 1 FROM customer_purchase_line earlier
                        WHERE earlier.commercial_partner_id = bought.partner_id
                          AND earlier.company_id = %(company)s
                          AND earlier.product_id IS NOT NULL
                          AND earlier.is_refund IS NOT TRUE AND earlier.quantity > 0
                          AND earlier.date > %(window_from)s AND earlier.date <= %(cutoff)s)
                   AND NOT EXISTS (
                       SELECT 1 FROM customer_purchase_line earlier
                        WHERE earlier.commercial_partner_id = bought.partner_id
                          AND earlier.product_id = bought.product_id
                          AND earlier.company_id = %(company)s
                          AND earlier.is_refund IS NOT TRUE
                          AND earlier.date > %(recent_from)s AND earlier.date <= %(cutoff)s)
                   AND NOT EXISTS (
                       SELECT 1 FROM customer_owned_product owned
                        WHERE owned.commercial_partner_id = bought.partner_id
                          AND owned.product_id = bought.product_id
                          AND owned.company_id = %(company)s AND owned.state = 'in_use'
                          AND (owned.purchase_date IS NULL OR owned.purchase_date <= %(cutoff)s))
            ),
            co AS (
                SELECT eligible.partner_id, MIN(listed.rank) AS best
                  FROM eligible
                  JOIN recommendation_evaluation_co listed
                    ON listed.partner_id = eligible.partner_id
                   AND listed.product_id = eligible.product_id
                 GROUP BY eligible.partner_id
            ),
            popular AS (
                SELECT eligible.partner_id, MIN(listed.rank) AS best
                  FROM eligible
                  JOIN recommendation_evaluation_popular listed
                    ON listed.partner_id = eligible.partner_id
                   AND listed.product_id = eligible.product_id
                 GROUP BY eligible.partner_id
            ),
            covered AS (
                SELECT DISTINCT partner_id FROM recommendation_evaluation_co
                 WHERE reason = 'co_purchase'
            )
            SELECT COUNT(*),
                   COUNT(*) FILTER (WHERE co.best <= 5),
                   COUNT(*) FILTER (WHERE co.best <= 10),
                   COUNT(*) FILTER (WHERE popular.best <= 5),
                   COUNT(*) FILTER (WHERE popular.best <= 10),
                   COUNT(covered.partner_id)
              FROM (SELECT DISTINCT partner_id FROM eligible) evaluated
              LEFT JOIN co ON co.partner_id = evaluated.partner_id
              LEFT JOIN popular ON popular.partner_id = evaluated.partner_id
              LEFT JOIN covered ON covered.partner_id = evaluated.partner_id
            """,
            company=config.company_id.id, cutoff=cutoff, horizon_end=horizon_end,
            recent_from=cutoff - timedelta(days=config.recent_days),
            window_from=cutoff - relativedelta(months=config.window_months),
        ))
        counts = cr.fetchone()
        for table in ("recommendation_evaluation_affinity", "recommendation_evaluation_co",
                      "recommendation_evaluation_popular"):
            cr.execute(SQL("DROP TABLE %s", SQL.identifier(table)))
        return counts, pair_count

    def _verdict(self, results, co_5, co_10, popular_5, popular_10):
        values = {
            "customers": results["customer_count"], "co_5": results["hit_rate_5"],
            "co_10": results["hit_rate_10"], "popular_5": results["popular_hit_rate_5"],
            "popular_10": results["popular_hit_rate_10"],
        }
        if results["co_purchase_wins"]:
            return self.env._(
                "The recommendations beat the most popular products: on %(customers)s "
                "customers, one of the first 5 was bought by %(co_5)s%% (most popular: "
                "%(popular_5)s%%), one of the first 10 by %(co_10)s%% (most popular: "
                "%(popular_10)s%%).", **values,
            )
        if (co_5, co_10) == (popular_5, popular_10):
            return self.env._(
                "The recommendations do no better than the most popular products: "
                "%(co_5)s%% at 5 and %(co_10)s%% at 10 for both, on %(customers)s customers.",
                **values,
            )
        return self.env._(
            "The recommendations LOSE to the most popular products: on %(customers)s "
            "customers, hit rate at 5 %(co_5)s%% against %(popular_5)s%%, at 10 %(co_10)s%% "
            "against %(popular_10)s%%. Products bought together do not predict this history "
            "better than popularity: check the window and the minimum customers per pair.",
            **values,
        )
