from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..tools.encryption import EncryptedChar

# Which field carries the value of each preference type.
VALUE_FIELD = {
    "category": "product_category_id",
    "brand": "brand",
    "price_band": "price_band",
    "channel": "channel",
    "motivation": "motivation",
    "habit": "habit",
}
# A category is a preference once it holds this share of the customer's net spend.
CATEGORY_SHARE_THRESHOLD = 0.2
# "Buys at launch": at least this share of purchases within LAUNCH_DAYS of the product's creation.
LAUNCH_DAYS = 30
LAUNCH_SHARE_THRESHOLD = 0.5


class CustomerPreference(models.Model):
    """What a customer prefers, where we learnt it and how sure we are."""

    _name = "customer.preference"
    _description = "Customer Preference"
    _inherit = ["customer.file.record"]
    _order = "partner_id, preference_type, strength desc, id"

    preference_type = fields.Selection(
        [("category", "Product Category"), ("brand", "Brand"), ("price_band", "Price Band"),
         ("channel", "Channel"), ("motivation", "Purchase Motivation"), ("habit", "Habit")],
        string="Type", required=True, default="category",
    )
    product_category_id = fields.Many2one("product.category", string="Category")
    brand = fields.Char()
    price_band = fields.Selection(
        [("budget", "Budget"), ("mid_range", "Mid-range"), ("premium", "Premium"),
         ("luxury", "Luxury")]
    )
    channel = fields.Selection(
        [("store", "Store"), ("online", "Online"), ("dealer", "Dealer"), ("phone", "Phone"),
         ("social_media", "Social Media")]
    )
    motivation = fields.Selection(
        [("quality", "Quality"), ("price", "Price"), ("brand", "Brand"),
         ("innovation", "Innovation"), ("service", "Service"), ("status", "Status"),
         ("convenience", "Convenience")]
    )
    habit = fields.Selection(
        [("buys_at_launch", "Buys at launch"), ("waits_for_promotions", "Waits for promotions"),
         ("seasonal", "Seasonal buyer"), ("bulk_buyer", "Buys in bulk"),
         ("gift_buyer", "Buys gifts")]
    )
    source = fields.Selection(
        [("declared", "Declared by the customer"), ("survey", "Survey"),
         ("inferred", "Inferred from purchases"), ("staff", "Staff observation")],
        required=True, default="declared",
    )
    strength = fields.Integer(default=50, help="How strong or how sure, from 0 to 100.")
    date = fields.Date(required=True, default=fields.Date.context_today)
    note = EncryptedChar(optional=True)  # encrypted while marked sensitive

    _strength_range = models.Constraint(
        "CHECK(strength BETWEEN 0 AND 100)", "The strength of a preference is between 0 and 100."
    )

    @api.depends("preference_type", "source", "strength", *VALUE_FIELD.values())
    def _compute_display_name(self):
        types = dict(self._fields["preference_type"]._description_selection(self.env))
        for preference in self:
            field = self._fields[VALUE_FIELD.get(preference.preference_type, "brand")]
            value = preference[field.name]
            if field.type == "many2one":
                value = value.display_name
            elif field.type == "selection":
                value = dict(field._description_selection(self.env)).get(value)
            preference.display_name = self.env._(
                "%(type)s: %(value)s (%(strength)s%%)",
                type=types.get(preference.preference_type, ""), value=value or "?",
                strength=preference.strength,
            )

    @api.constrains("preference_type", *VALUE_FIELD.values())
    def _check_value(self):
        for preference in self:
            field = VALUE_FIELD[preference.preference_type]
            if not preference[field]:
                raise ValidationError(self.env._(
                    "A %(type)s preference needs its %(field)s.",
                    type=dict(self._fields["preference_type"]._description_selection(self.env))[
                        preference.preference_type
                    ],
                    field=self._fields[field]._description_string(self.env),
                ))

    @api.model
    def _infer_from_purchase_history(self, partner_ids):
        """Replace the inferred preferences of these customers from their purchase history.

        Declared, survey and staff preferences are kept. One statement per kind of inference
        for the whole set of customers.
        """
        partner_ids = list(set(partner_ids))
        if not partner_ids:
            return
        self.env.flush_all()
        self.env.cr.execute(SQL(
            "DELETE FROM customer_preference WHERE source = 'inferred' AND partner_id = ANY(%s)",
            partner_ids,
        ))
        audit = SQL(
            "%(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'",
            uid=self.env.uid,
        )
        company_of_partner = SQL(
            "COALESCE(partner.company_id, %s)", self.env.company.id
        )
        # Categories holding a large share of the customer's net spend.
        self.env.cr.execute(SQL(
            """
            INSERT INTO customer_preference
                   (partner_id, commercial_partner_id, company_id, preference_type,
                    product_category_id, source, strength, date,
                    create_uid, create_date, write_uid, write_date)
            SELECT spend.partner_id, spend.partner_id, %(company)s, 'category',
                   spend.product_categ_id, 'inferred',
                   LEAST(100, ROUND(100 * spend.amount / spend.total))::int, CURRENT_DATE,
                   %(audit)s
              FROM (
                    SELECT commercial_partner_id AS partner_id, product_categ_id,
                           SUM(amount) AS amount,
                           SUM(SUM(amount)) OVER (PARTITION BY commercial_partner_id) AS total
                      FROM customer_purchase_line
                     WHERE commercial_partner_id = ANY(%(ids)s)
                     GROUP BY commercial_partner_id, product_categ_id
                   ) spend
              JOIN res_partner partner ON partner.id = spend.partner_id
             WHERE spend.product_categ_id IS NOT NULL AND spend.total > 0
               AND spend.amount >= %(share)s * spend.total
            """,
            company=company_of_partner, audit=audit, ids=partner_ids,
            share=CATEGORY_SHARE_THRESHOLD,
        ))
        # Price band: the customer's average unit price against the quartiles of all sales,
        # per company: amounts are in each company's currency, so bands are never mixed
        # across currencies (a customer of two companies has a band in each).
        self.env.cr.execute(SQL(
            """
            WITH unit_prices AS (
                SELECT commercial_partner_id AS partner_id, company_id,
                       amount / quantity AS unit_price
                  FROM customer_purchase_line
                 WHERE is_refund IS NOT TRUE AND quantity > 0 AND amount > 0
            ),
            customers AS (
                SELECT partner_id, company_id, AVG(unit_price) AS unit_price
                  FROM unit_prices
                 WHERE partner_id = ANY(%(ids)s)
                 GROUP BY partner_id, company_id
            ),
            bounds AS (
                SELECT company_id,
                       percentile_cont(0.25) WITHIN GROUP (ORDER BY unit_price) AS q1,
                       percentile_cont(0.75) WITHIN GROUP (ORDER BY unit_price) AS q3,
                       percentile_cont(0.95) WITHIN GROUP (ORDER BY unit_price) AS p95
                  FROM unit_prices
                 WHERE company_id IN (SELECT company_id FROM customers)
                 GROUP BY company_id
            )
            INSERT INTO customer_preference
                   (partner_id, commercial_partner_id, company_id, preference_type, price_band,
                    source, strength, date, create_uid, create_date, write_uid, write_date)
            SELECT customers.partner_id, customers.partner_id, customers.company_id,
                   'price_band',
                   CASE WHEN customers.unit_price >= bounds.p95 THEN 'luxury'
                        WHEN customers.unit_price >= bounds.q3 THEN 'premium'
                        WHEN customers.unit_price >= bounds.q1 THEN 'mid_range'
                        ELSE 'budget' END,
                   'inferred', 60, CURRENT_DATE, %(audit)s
              FROM customers
              JOIN bounds ON bounds.company_id = customers.company_id
            """,
            audit=audit, ids=partner_ids,
        ))
        # Buys at launch: most purchases soon after the product appeared.
        self.env.cr.execute(SQL(
            """
            INSERT INTO customer_preference
                   (partner_id, commercial_partner_id, company_id, preference_type, habit,
                    source, strength, date, create_uid, create_date, write_uid, write_date)
            SELECT launch.partner_id, launch.partner_id, %(company)s, 'habit', 'buys_at_launch',
                   'inferred', ROUND(100 * launch.early / launch.total)::int, CURRENT_DATE,
                   %(audit)s
              FROM (
                    SELECT line.commercial_partner_id AS partner_id, COUNT(*) AS total,
                           COUNT(*) FILTER (
                               WHERE line.date <= product.create_date::date + %(days)s
                           ) AS early
                      FROM customer_purchase_line line
                      JOIN product_product product ON product.id = line.product_id
                     WHERE line.commercial_partner_id = ANY(%(ids)s)
                       AND line.is_refund IS NOT TRUE
                     GROUP BY line.commercial_partner_id
                   ) launch
              JOIN res_partner partner ON partner.id = launch.partner_id
             WHERE launch.early >= %(share)s * launch.total
            """,
            company=company_of_partner, audit=audit, ids=partner_ids, days=LAUNCH_DAYS,
            share=LAUNCH_SHARE_THRESHOLD,
        ))
        self.invalidate_model()

    @api.model
    def _cron_infer_recent_buyers(self):
        """Daily: re-infer the preferences of customers who bought since yesterday."""
        rows = self.env.execute_query(SQL(
            "SELECT DISTINCT commercial_partner_id FROM customer_purchase_line"
            " WHERE write_date >= NOW() AT TIME ZONE 'UTC' - INTERVAL '1 day'"
        ))
        self._infer_from_purchase_history([row[0] for row in rows])
