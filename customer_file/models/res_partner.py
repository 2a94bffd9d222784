import re

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.orm.models import parse_read_group_spec
from odoo.tools import SQL

from ..tools import masking
from ..tools.access import check_group
from ..tools.data_quality import ADDRESS_FIELDS, CUSTOMER_SQL, DEFAULT_REVIEW_MONTHS, address_key
from ..tools.encryption import EncryptedChar, Keyring
from ..tools.job_fields import check_job_fields
from .customer_duplicate_suspect import name_pinyin

USER = "customer_file.group_customer_file_user"
SENSITIVE = "customer_file.group_customer_file_sensitive"
AGE_BANDS = [("under_25", "Under 25"), ("25_34", "25-34"), ("35_44", "35-44"),
             ("45_54", "45-54"), ("55_64", "55-64"), ("65_plus", "65 and over")]
# (lowest age, band), oldest band first.
AGE_BAND_FLOORS = [(65, "65_plus"), (55, "55_64"), (45, "45_54"), (35, "35_44"),
                   (25, "25_34"), (0, "under_25")]
# What users outside Sensitive Data read masked on customers: field -> mask.
MASKED_FIELDS = {
    "phone": masking.mask_phone,
    "email": masking.mask_email,
    "email_normalized": masking.mask_email,
    "phone_sanitized": masking.mask_phone,
}
# Searching these with a pattern (ilike, like, <, >...) finds no customer for them; exact
# matches (=, in, =ilike without %) still do, so Odoo's own look-ups by address keep working.
MASKED_SEARCH_FIELDS = {"phone", "email", "email_normalized", "phone_sanitized",
                        "phone_mobile_search"}
EXACT_OPERATORS = {"=", "!=", "in", "not in"}
# The purchase totals of a customer in the current company, as SQL aggregates over the rows
# of the daily summary (customer.purchase.day) that belong to them.
PURCHASE_TOTAL_SQL = {
    "first_purchase_date": "MIN(date) FILTER (WHERE NOT is_refund)",
    "last_purchase_date": "MAX(date) FILTER (WHERE NOT is_refund)",
    "purchase_order_count": "COALESCE(SUM(document_count) FILTER (WHERE NOT is_refund), 0)",
    "lifetime_spend": "COALESCE(SUM(amount), 0)",
    "spend_12m": "COALESCE(SUM(amount) FILTER (WHERE date > %(since)s), 0)",
    "average_order_value": "COALESCE(SUM(amount) / NULLIF(SUM(document_count)"
                           " FILTER (WHERE NOT is_refund), 0), 0)",
}
# The columns telling whether a partner is a customer, fetched with the masked values.
CUSTOMER_FLAG_FIELDS = ("customer_rank", "commercial_partner_id", "customer_code")


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Profile
    gender = fields.Selection(
        [("female", "Female"), ("male", "Male"), ("other", "Other")], tracking=True, groups=USER
    )
    birthdate = fields.Date(groups=SENSITIVE, tracking=True)
    # The exact age tells the birthdate within a year and moves on the birthday: sensitive.
    # Everybody else groups customers by the age band.
    age = fields.Integer(
        compute="_compute_age",
        store=True,
        copy=False,
        groups=SENSITIVE,
        help="Refreshed every day from the birthdate, so customers can be grouped by age.",
    )
    age_band = fields.Selection(
        AGE_BANDS, compute="_compute_age", store=True, copy=False, groups=USER,
        help="Refreshed every day from the birthdate.",
    )
    occupation = EncryptedChar(groups=USER, optional=True)  # encrypted while marked sensitive
    income_band = fields.Selection(
        [("low", "Low"), ("lower_middle", "Lower middle"), ("middle", "Middle"),
         ("upper_middle", "Upper middle"), ("high", "High")],
        groups=SENSITIVE,
    )
    # Encrypted at rest (customer_file/tools/encryption.py): the column holds AES-GCM tokens,
    # exact search goes through the keyed hash below.
    identity_document_number = EncryptedChar(
        groups=SENSITIVE, copy=False, hash_field="identity_document_hash"
    )
    identity_document_hash = fields.Char(
        compute="_compute_identity_document_hash", store=True, index="btree_not_null",
        copy=False, groups=SENSITIVE,
        help="Keyed hash (HMAC-SHA256) of the normalized ID number, for exact search and "
        "duplicate checks; the key is in the server configuration, not in the database.",
    )
    identity_document_duplicate = fields.Boolean(
        "Duplicate ID Number", compute="_compute_identity_document_duplicate",
        search="_search_identity_document_duplicate", groups=SENSITIVE,
        help="Another contact has the same identity document number.",
    )
    # What users outside Sensitive Data see of the two fields above.
    birthdate_masked = fields.Char(
        string="Birthdate (masked)", compute="_compute_identity_masked", groups=USER,
    )
    identity_document_masked = fields.Char(
        string="ID Number (masked)", compute="_compute_identity_masked", groups=USER,
    )
    customer_code = fields.Char(copy=False, readonly=True, index="btree_not_null", groups=USER)
    acquisition_channel = fields.Selection(
        [("store", "Store"), ("dealer", "Authorized Dealer"), ("website", "Website"),
         ("after_sales", "After-sales Service"), ("referral", "Referral"),
         ("social_media", "Social Media"), ("event", "Event"), ("import", "Import")],
        tracking=True,
        groups=USER,
    )
    region_tag_ids = fields.Many2many(
        "customer.tag",
        "res_partner_customer_region_tag_rel",
        "partner_id",
        "tag_id",
        string="Regions",
        domain=[("kind", "=", "region")],
        groups=USER,
    )
    culture_tag_ids = fields.Many2many(
        "customer.tag",
        "res_partner_customer_culture_tag_rel",
        "partner_id",
        "tag_id",
        string="Culture",
        domain=[("kind", "=", "culture")],
        groups=USER,
    )
    preferred_contact_channel = fields.Selection(
        [("phone", "Phone"), ("sms", "SMS"), ("email", "Email"), ("wechat", "WeChat"),
         ("whatsapp", "WhatsApp"), ("visit", "Visit"), ("post", "Post")],
        groups=USER,
    )
    contact_time_from = fields.Float(string="Contact From", groups=USER,
                                     help="Hour of day, e.g. 9.5 for 09:30")
    contact_time_to = fields.Float(string="Contact Until", groups=USER,
                                   help="Hour of day, e.g. 18 for 18:00")

    # Purchase totals: read from the daily summary (customer.purchase.day) for the current
    # company, in its currency; a user never sees the figures of another company.
    first_purchase_date = fields.Date(
        string="Customer Since", compute="_compute_purchase_totals",
        search="_search_first_purchase_date", groups=USER,
    )
    last_purchase_date = fields.Date(compute="_compute_purchase_totals",
                                     search="_search_last_purchase_date", groups=USER)
    purchase_order_count = fields.Integer(
        string="Orders", compute="_compute_purchase_totals",
        search="_search_purchase_order_count", groups=USER,
    )
    lifetime_spend = fields.Monetary(
        compute="_compute_purchase_totals", search="_search_lifetime_spend", groups=USER,
        currency_field="purchase_currency_id",
        help="Net of refunds, untaxed, in the current company's currency.",
    )
    spend_12m = fields.Monetary(
        string="Spend (12 months)", compute="_compute_purchase_totals",
        search="_search_spend_12m", groups=USER, currency_field="purchase_currency_id",
    )
    average_order_value = fields.Monetary(
        compute="_compute_purchase_totals", search="_search_average_order_value", groups=USER,
        currency_field="purchase_currency_id",
    )
    favourite_category_ids = fields.Many2many(
        "product.category",
        "res_partner_favourite_category_rel",
        "partner_id",
        "category_id",
        string="Favourite Categories",
        readonly=True,
        copy=False,
        groups=USER,
    )
    purchase_currency_id = fields.Many2one("res.currency", compute="_compute_purchase_currency_id",
                                           groups=USER)
    purchased_category_id = fields.Many2one(
        "product.category",
        string="Bought Product Line",
        compute="_compute_purchased_category_id",
        search="_search_purchased_category_id",
        groups=USER,
        help="Search customers who bought in a product category or its sub-categories.",
    )
    # Not indexed: three values, each a large share of the customers, too many for an
    # index to pay when filtering. The scoring runs rewrite the tier of thousands of
    # partners: one index fewer to update for each, none when the row's page has room for
    # the new version (a HOT update).
    value_tier = fields.Selection(
        [("high", "High value"), ("medium", "Medium value"), ("low", "Low value")],
        readonly=True,
        copy=False,
        groups=USER,
        help="Filled by the segmentation addon from the customer's RFM scores.",
    )

    # Contact points
    contact_point_ids = fields.One2many(
        "customer.contact.point", "partner_id", string="Contact Points", groups=USER
    )
    contact_point_count = fields.Integer(compute="_compute_contact_point_count", groups=USER)
    consent_event_ids = fields.One2many(
        "customer.consent.event", "partner_id", string="Consent Events", groups=USER
    )

    # Owned products and after-sales service
    owned_product_ids = fields.One2many(
        "customer.owned.product", "partner_id", string="Owned Products", groups=USER
    )
    owned_product_count = fields.Integer(compute="_compute_service_stats", groups=USER)
    service_record_count = fields.Integer(compute="_compute_service_stats", groups=USER)
    repair_count = fields.Integer(compute="_compute_service_stats", groups=USER)
    last_service_date = fields.Date(compute="_compute_service_stats", groups=USER)
    total_service_cost = fields.Monetary(
        compute="_compute_service_stats", currency_field="purchase_currency_id", groups=USER
    )

    # Preferences
    preference_ids = fields.One2many("customer.preference", "partner_id", string="Preferences",
                                     groups=USER)

    # Interactions
    interaction_ids = fields.One2many("customer.interaction", "partner_id", string="Interactions",
                                      groups=USER)
    interaction_count = fields.Integer(compute="_compute_interaction_stats", groups=USER)
    last_interaction_date = fields.Datetime(compute="_compute_interaction_stats", groups=USER)

    customer_file_erased_date = fields.Datetime(
        string="Personal Data Erased", readonly=True, copy=False, groups=USER,
        help="When a data-subject erasure or a retention policy anonymized this customer.",
    )

    # Data quality: completeness, review, the address key duplicate detection compares

    completeness = fields.Integer(
        string="Completeness (%)", compute="_compute_completeness",
        search="_search_completeness", groups=USER,
        help="Share of the weighted fields of the customer file that are filled (the "
        "weights are in Customer File > Configuration > Data Quality). Stored in "
        "customer.completeness, written by the jobs.",
    )
    completeness_missing = fields.Char(
        string="Missing", compute="_compute_completeness_missing", groups=USER,
        help="The weighted fields still empty, the heaviest first.",
    )
    last_review_date = fields.Date(
        string="Last Reviewed On", readonly=True, copy=False, groups=USER, tracking=True,
    )
    last_review_user_id = fields.Many2one(
        "res.users", string="Last Reviewed By", readonly=True, copy=False, groups=USER,
    )
    next_review_date = fields.Date(
        string="Next Review", compute="_compute_next_review_date",
        search="_search_next_review_date", groups=USER,
        help="The last review (or the creation of the file) plus the review interval of the "
        "customer's value tier.",
    )
    review_overdue = fields.Boolean(
        compute="_compute_next_review_date",
        search="_search_review_overdue", groups=USER,
    )
    customer_file_address_key = fields.Char(
        string="Address Key", compute="_compute_customer_file_address_key", store=True,
        index="trigram", copy=False, groups=USER,
        help="Street, zip and city in lower case: compared by trigram similarity to find "
        "customers at the same address, and searched (through its trigram index) by the "
        "customer search's Address.",
    )
    customer_file_name_pinyin = fields.Char(
        string="Name in Pinyin", compute="_compute_customer_file_name_pinyin", store=True,
        copy=False, groups=USER,
        help="The name with its Chinese characters in pinyin without tones, in lower case, "
        "one word per syllable: names that sound alike (张伟, 张玮) are the same here.",
    )

    _age_range = models.Constraint(
        "CHECK(age IS NULL OR age BETWEEN 0 AND 150)", "An age must be between 0 and 150."
    )
    # The Overview counts a salesperson's customers from it (see customer.file.overview).
    _salesperson_index = models.Index("(user_id) WHERE user_id IS NOT NULL")
    _customer_code_unique = models.UniqueIndex(
        "(COALESCE(company_id, 0), customer_code) WHERE customer_code IS NOT NULL",
        "This customer code is already used in this company.",
    )

    def init(self):
        # The jobs rewrite the customer file's columns of many partners at once (purchase
        # totals, completeness, tier, segment, stage), none of them indexed: with room on
        # each page the new version of a row stays there without a new entry in each of
        # res_partner's thirty-odd indexes (a HOT update). Measured at 1,000,000 customers:
        # 92% of a week's 201,125 updates HOT against 7% at Odoo's full pages.
        self.env.cr.execute(SQL("ALTER TABLE res_partner SET (fillfactor = 80)"))
        return super().init()

    @api.depends("birthdate")
    def _compute_age(self):
        today = fields.Date.context_today(self)
        for partner in self:
            birthdate = partner.sudo().birthdate
            age = relativedelta(today, birthdate).years if birthdate else 0
            partner.age = age
            partner.age_band = birthdate and next(
                band for floor, band in AGE_BAND_FLOORS if age >= floor
            )

    @api.model
    def _age_band_case(self, age):
        """SQL of the age band of ``age``, as ``_compute_age`` gives it."""
        return SQL("CASE %s END", SQL(" ").join(
            SQL("WHEN %s >= %s THEN %s", age, floor, band) for floor, band in AGE_BAND_FLOORS
        ))

    @api.depends("identity_document_number")
    def _compute_identity_document_hash(self):
        keyring = None
        for partner in self:
            number = partner.identity_document_number
            if not number:
                partner.identity_document_hash = False
                continue
            keyring = keyring or Keyring.from_server(self.env)
            partner.identity_document_hash = keyring.search_hash(number)

    def _identity_document_duplicate_hashes(self, hashes=None):
        """Keyed hashes held by more than one contact (among ``hashes`` when given)."""
        self.flush_model(["identity_document_hash"])
        condition = SQL("identity_document_hash = ANY(%s)", list(hashes)) if hashes is not None \
            else SQL("identity_document_hash IS NOT NULL")
        return {row[0] for row in self.env.execute_query(SQL(
            "SELECT identity_document_hash FROM res_partner WHERE %s "
            "GROUP BY identity_document_hash HAVING COUNT(*) > 1", condition,
        ))}

    @api.depends("identity_document_hash")
    def _compute_identity_document_duplicate(self):
        hashes = {partner.identity_document_hash for partner in self} - {False}
        duplicates = self._identity_document_duplicate_hashes(hashes) if hashes else set()
        for partner in self:
            partner.identity_document_duplicate = partner.identity_document_hash in duplicates

    def _search_identity_document_duplicate(self, operator, value):
        # The domain a search method returns is not checked against field groups: check here.
        self._check_field_access(self._fields["identity_document_duplicate"], "read")
        if operator not in ("in", "not in"):
            return NotImplemented
        duplicates = list(self._identity_document_duplicate_hashes())
        positive = (operator == "in") == (True in value)
        return [("identity_document_hash", "in" if positive else "not in", duplicates)]

    @api.depends_context("company")
    def _compute_purchase_currency_id(self):
        self.purchase_currency_id = self.env.company.currency_id

    @api.depends_context("company")
    def _compute_purchase_totals(self):
        totals = self.env["customer.purchase.day"]._totals(
            [pid for pid in self.ids if pid], self.env.company
        )
        for partner in self:
            first, last, orders, spend, spend_12m = totals.get(
                partner.id, (False, False, 0, 0.0, 0.0)
            )
            partner.first_purchase_date = first
            partner.last_purchase_date = last
            partner.purchase_order_count = orders
            partner.lifetime_spend = spend
            partner.spend_12m = spend_12m
            partner.average_order_value = spend / orders if orders else 0.0

    def _search_first_purchase_date(self, operator, value):
        return self._search_purchase_total("first_purchase_date", operator, value)

    def _search_last_purchase_date(self, operator, value):
        return self._search_purchase_total("last_purchase_date", operator, value)

    def _search_purchase_order_count(self, operator, value):
        return self._search_purchase_total("purchase_order_count", operator, value)

    def _search_lifetime_spend(self, operator, value):
        return self._search_purchase_total("lifetime_spend", operator, value)

    def _search_spend_12m(self, operator, value):
        return self._search_purchase_total("spend_12m", operator, value)

    def _search_average_order_value(self, operator, value):
        return self._search_purchase_total("average_order_value", operator, value)

    def _search_purchase_total(self, fname, operator, value):
        """Customers whose total of the current company compares so with ``value``: one
        query over the company's daily summary (customers without purchases have no date
        and zero amounts)."""
        self._check_field_access(self._fields[fname], "read")
        is_date = fname in ("first_purchase_date", "last_purchase_date")
        empty = None if is_date else 0

        def normal(item):
            if item is False or item is None:
                return empty
            return fields.Date.to_date(item) if is_date else item

        if operator in ("in", "not in"):
            values = [normal(item) for item in value]
            listed = [item for item in values if item is not None]
            condition = SQL("value = ANY(%s)", listed)
            if None in values:
                condition = SQL("(%s OR value IS NULL)", condition)
            matches_empty = empty in values
            if operator == "not in":
                condition = SQL("NOT COALESCE(%s, FALSE)", condition)
                matches_empty = not matches_empty
        elif operator in ("<", "<=", ">", ">="):
            bound = normal(value)
            condition = SQL("value %s %s", SQL(operator), bound)
            matches_empty = empty is not None and bound is not None and {
                "<": empty < bound, "<=": empty <= bound,
                ">": empty > bound, ">=": empty >= bound,
            }[operator]
        else:
            return NotImplemented
        owners = SQL(
            "SELECT owner_id FROM (%s) totals WHERE %s",
            self._purchase_total_values(fname),
            condition if not matches_empty else SQL("NOT COALESCE(%s, FALSE)", condition),
        )
        operator_sql = SQL("NOT IN") if matches_empty else SQL("IN")
        return Domain.custom(to_sql=lambda model, alias, query: SQL(
            "%s %s (%s)", SQL.identifier(alias, "id"), operator_sql, owners,
        ))

    @api.model
    def _purchase_total_values(self, fname):
        """SELECT owner_id, value: the total ``fname`` of every customer (commercial entity
        or contact person) who bought in the current company, by the rules of
        ``customer.purchase.day._totals``; customers who never bought have no row."""
        company = self.env.company
        return SQL(
            """
            WITH days AS (
                SELECT commercial_partner_id AS owner_id, date, is_refund, document_count,
                       amount
                  FROM customer_purchase_day
                 WHERE company_id = %(company)s AND date <= %(today)s
                UNION ALL
                SELECT partner_id, date, is_refund, document_count, amount
                  FROM customer_purchase_day
                 WHERE partner_id <> commercial_partner_id
                   AND company_id = %(company)s AND date <= %(today)s
            )
            SELECT owner_id, %(expression)s AS value FROM days GROUP BY owner_id
            """,
            company=company.id,
            today=company._customer_file_today(),
            expression=SQL(PURCHASE_TOTAL_SQL[fname], since=company._customer_file_year_ago())
            if fname == "spend_12m" else SQL(PURCHASE_TOTAL_SQL[fname]),
        )

    def _compute_contact_point_count(self):
        counts = dict(self.env["customer.contact.point"]._read_group(
            [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
        ))
        for partner in self:
            partner.contact_point_count = counts.get(partner._origin, 0)

    def _compute_service_stats(self):
        """Counts for the customer's whole organisation, two grouped queries for all of self."""
        commercial_ids = self.commercial_partner_id.ids
        owned = dict(self.env["customer.owned.product"]._read_group(
            [("commercial_partner_id", "in", commercial_ids)], ["commercial_partner_id"],
            ["__count"],
        ))
        service_groups = self.env["customer.service.record"]._read_group(
            [("commercial_partner_id", "in", commercial_ids), ("state", "!=", "cancelled")],
            ["commercial_partner_id", "method"],
            ["__count", "received_date:max", "cost:sum"],
        )
        services = {
            (partner, method): (count, last, cost)
            for partner, method, count, last, cost in service_groups
        }
        for partner in self:
            commercial = partner.commercial_partner_id
            mine = [stats for (owner, _method), stats in services.items() if owner == commercial]
            partner.owned_product_count = owned.get(commercial, 0)
            partner.service_record_count = sum(count for count, _last, _cost in mine)
            partner.repair_count = services.get((commercial, "repair"), (0,))[0]
            partner.last_service_date = max((last for _c, last, _s in mine if last), default=False)
            partner.total_service_cost = sum(cost for _c, _l, cost in mine)

    def action_open_owned_products(self):
        return self._action_open_related("customer_file.action_customer_owned_product")

    def action_open_service_records(self):
        return self._action_open_related("customer_file.action_customer_service_record")

    def export_data(self, fields_to_export):
        result = super().export_data(fields_to_export)
        customers = self.browse(self._customer_file_customer_ids())
        if customers and not self.env.su:
            self.env["customer.access.log"]._log("export", customers, fields_=fields_to_export)
        return result

    def _read_format(self, fnames, load="_classic_read"):
        result = super()._read_format(fnames, load=load)
        masked = [fname for fname in fnames if fname in MASKED_FIELDS]
        if "email_formatted" in fnames:
            masked.append("email_formatted")
        if masked and self._customer_file_masks():
            customer_ids = self._customer_file_customer_ids()
            for row in result:
                if row["id"] in customer_ids:
                    self.browse(row["id"])._customer_file_mask_row(row, masked)
        if not self.env.su and len(result) > 1:
            threshold = self.env["customer.privacy.config"]._bulk_read_threshold(
                self.env.company.id
            )
            if threshold and len(result) > threshold:
                self.env["customer.access.log"]._log("bulk_read", self, fields_=fnames)
        return result

    def _action_open_related(self, xml_id):
        check_group(self.env, USER)
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xml_id)
        action["domain"] = [("commercial_partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def _compute_interaction_stats(self):
        stats = {
            partner.id: (count, last)
            for partner, count, last in self.env["customer.interaction"]._read_group(
                [("commercial_partner_id", "in", self.commercial_partner_id.ids)],
                ["commercial_partner_id"],
                ["__count", "date:max"],
            )
        }
        for partner in self:
            partner.interaction_count, partner.last_interaction_date = stats.get(
                partner.commercial_partner_id.id, (0, False)
            )

    def action_infer_preferences(self):
        check_group(self.env, USER)
        self.check_access("write")
        self.env["customer.preference"].sudo()._infer_from_purchase_history(
            self.commercial_partner_id.ids
        )

    def action_open_interactions(self):
        return self._action_open_related("customer_file.action_customer_interaction")

    def _compute_purchased_category_id(self):
        self.purchased_category_id = False

    def _search_purchased_category_id(self, operator, value):
        # Odoo does not check the groups of a field searched through its search method.
        self._check_field_access(self._fields["purchased_category_id"], "read")
        Category = self.env["product.category"]
        if operator == "any":
            value = Category.search(value).ids
        elif operator != "in":
            return NotImplemented
        categories = Category.search([("id", "child_of", [cid for cid in value if cid])])
        return [("id", "in", SQL(
            "SELECT commercial_partner_id FROM customer_purchase_line"
            " WHERE product_categ_id = ANY(%s) AND is_refund IS NOT TRUE",
            categories.ids,
        ))]

    @api.constrains("birthdate")
    def _check_birthdate(self):
        today = fields.Date.context_today(self)
        for partner in self.sudo():
            if partner.birthdate and partner.birthdate > today:
                raise ValidationError(
                    self.env._("The birthdate of %s is in the future.", partner.display_name)
                )

    @api.model
    def _cron_refresh_ages_and_recent_spend(self):
        """Daily: ages move on birthdays; favourite categories of recent buyers follow their
        purchases; the daily purchase summary is compacted. (The 12-month spend is read
        live from the summary with each company's today.)"""
        self.flush_model(["birthdate", "age", "age_band"])
        age = SQL("date_part('year', age(CURRENT_DATE, birthdate))::int")
        self.env.cr.execute(SQL(
            """
            UPDATE res_partner
               SET age = %(age)s, age_band = %(band)s
             WHERE birthdate IS NOT NULL
               AND age IS DISTINCT FROM %(age)s
            """,
            age=age, band=self._age_band_case(age),
        ))
        self.invalidate_model(["age", "age_band"])
        # Favourite categories of the customers who bought or returned something lately.
        partner_ids = [row[0] for row in self.env.execute_query(SQL(
            "SELECT DISTINCT unnest(ARRAY[partner_id, commercial_partner_id])"
            "  FROM customer_purchase_line WHERE write_date >= NOW() - INTERVAL '2 days'"
        ))]
        self._refresh_favourite_categories(partner_ids)
        self.env["customer.purchase.day"]._compact()

    def action_open_purchase_history(self):
        check_group(self.env, USER)
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_file.action_customer_purchase_line"
        )
        field = "commercial_partner_id" if self.is_company or not self.parent_id else "partner_id"
        action["domain"] = [(field, "=", self.id)]
        action["context"] = {"search_default_group_by_month": 0}
        return action

    @api.model
    def _job_fields(self):
        """Fields written by the ledger, the daily job and the scoring runs, never by hand
        (see customer_file/tools/job_fields.py)."""
        return {
            "age", "age_band", "first_purchase_date", "last_purchase_date",
            "purchase_order_count", "lifetime_spend", "spend_12m", "average_order_value",
            "favourite_category_ids", "value_tier", "customer_file_erased_date",
            "completeness", "last_review_date", "last_review_user_id",
            "customer_file_address_key", "customer_file_name_pinyin",
        }

    @api.model_create_multi
    def create(self, vals_list):
        check_job_fields(self, vals_list, self._job_fields())
        masking.check_not_masked(self.env, self, vals_list, MASKED_FIELDS)
        partners = super().create(vals_list)
        if self.env.context.get("customer_file_customer"):
            partners._assign_customer_codes()
        if self._completeness_weights():
            self._recompute_completeness(partners.ids)
        return partners

    def write(self, vals):
        check_job_fields(self, [vals], self._job_fields())
        masking.check_not_masked(self.env, self, [vals], MASKED_FIELDS)
        if "parent_id" not in vals:
            result = super().write(vals)
        else:
            # A contact changing company takes its purchases from one company's totals to
            # another's.
            before = set(self.commercial_partner_id.ids)
            result = super().write(vals)
            self._recompute_purchase_history(
                before | set(self.commercial_partner_id.ids) | set(self.ids)
            )
        self._recompute_completeness_on_write(vals)
        return result

    def _assign_customer_codes(self, buyers_only=False):
        """Give commercial entities without a code the next codes of the sequence, in SQL."""
        sequence = self.env.ref("customer_file.sequence_customer_code").sudo()
        self.flush_model(["customer_code", "parent_id"])
        self.env.cr.execute(SQL(
            """
            UPDATE res_partner partner
               SET customer_code = numbered.code
              FROM (
                    SELECT id, %(prefix)s || LPAD(NEXTVAL(%(pg_sequence)s)::text, %(padding)s, '0')
                           AS code
                      FROM (SELECT id FROM res_partner
                             WHERE id = ANY(%(ids)s) AND parent_id IS NULL
                               AND customer_code IS NULL %(buyers)s
                             ORDER BY id) pending
                   ) numbered
             WHERE partner.id = numbered.id
            """,
            prefix=sequence.prefix or "",
            pg_sequence=f"ir_sequence_{sequence.id:03d}",
            padding=sequence.padding,
            ids=self.ids,
            buyers=SQL(
                "AND EXISTS (SELECT 1 FROM customer_purchase_day day"
                " WHERE day.commercial_partner_id = res_partner.id AND NOT day.is_refund)"
                if buyers_only else ""
            ),
        ))
        self.invalidate_model(["customer_code"])

    @api.model
    def _refresh_purchase_aggregates(self, partner_ids):
        """The purchase lines of these partners changed and the daily summary follows (by
        delta, see customer.purchase.day): the totals read from it are current again, new
        buyers get their customer code. Constant time whatever the customers' history:
        nothing here reads it (favourite categories follow in the daily job, or at once
        through ``_recompute_purchase_history``).

        ``partner_ids`` holds both the partners and the commercial partners of the lines.
        """
        partner_ids = sorted({pid for pid in partner_ids if pid})
        if not partner_ids:
            return
        self.invalidate_model([
            "first_purchase_date", "last_purchase_date", "purchase_order_count",
            "lifetime_spend", "spend_12m", "average_order_value",
        ])
        self.browse(partner_ids)._assign_customer_codes(buyers_only=True)

    @api.model
    def _recompute_purchase_history(self, partner_ids):
        """Recompute what derives from these partners' lines whole: their daily summary
        rows and favourite categories (merges, contacts changing company)."""
        partner_ids = sorted({pid for pid in partner_ids if pid})
        if not partner_ids:
            return
        self.env.flush_all()
        self.env["customer.purchase.day"]._refresh(partner_ids)
        self._refresh_favourite_categories(partner_ids)
        self._refresh_purchase_aggregates(partner_ids)

    @api.model
    def _refresh_favourite_categories(self, partner_ids):
        """The (up to) three categories these partners spent most on, in two statements.

        A commercial entity sums the lines of its whole organisation; a contact person
        within a company its own lines.
        """
        partner_ids = sorted({pid for pid in partner_ids if pid})
        if not partner_ids:
            return
        self.env["customer.purchase.line"].flush_model()
        self.env.cr.execute(SQL(
            "DELETE FROM res_partner_favourite_category_rel WHERE partner_id = ANY(%s)",
            partner_ids,
        ))
        self.env.cr.execute(SQL(
            """
            WITH affected AS (SELECT unnest(%(ids)s::int[]) AS id),
            -- Each partner's lines summed by the ledger's indexes on the customer: a join
            -- let PostgreSQL hash the whole ledger for a few thousand partners.
            spent AS (
                SELECT affected.id AS partner_id, category.product_categ_id, category.amount
                  FROM affected
                 CROSS JOIN LATERAL (
                       SELECT line.product_categ_id, SUM(line.amount) AS amount
                         FROM (SELECT own.product_categ_id, own.amount
                                 FROM customer_purchase_line own
                                WHERE own.commercial_partner_id = affected.id
                                  AND own.product_categ_id IS NOT NULL
                               UNION ALL
                               SELECT person.product_categ_id, person.amount
                                 FROM customer_purchase_line person
                                WHERE person.partner_id = affected.id
                                  AND person.partner_id <> person.commercial_partner_id
                                  AND person.product_categ_id IS NOT NULL) line
                        GROUP BY line.product_categ_id
                      ) category
                 WHERE category.amount > 0
            ),
            ranked AS (
                SELECT partner_id, product_categ_id,
                       ROW_NUMBER() OVER (PARTITION BY partner_id
                                          ORDER BY amount DESC, product_categ_id) AS rank
                  FROM spent
            )
            INSERT INTO res_partner_favourite_category_rel (partner_id, category_id)
            SELECT partner_id, product_categ_id FROM ranked WHERE rank <= %(top)s
            """,
            ids=partner_ids,
            top=3,
        ))
        self.invalidate_model(["favourite_category_ids"])

    # Masking of customers' personal data for users outside Sensitive Data
    # (customer_file/tools/masking.py has the rules).

    def _compute_identity_masked(self):
        for partner, plain in zip(self, self.sudo(), strict=True):
            partner.birthdate_masked = masking.mask_date(plain.birthdate) or False
            partner.identity_document_masked = (
                masking.mask_identifier(plain.identity_document_number) or False
            )

    @api.model
    def _customer_file_masks(self):
        """Whether the current user reads customers' phones and emails masked: internal
        users outside Sensitive Data (code running as superuser never is)."""
        env = self.env
        return not env.su and env.user._is_internal() and not env.user.has_group(SENSITIVE)

    def _customer_file_customer_ids(self):
        """Ids of the customers among ``self``: partners with a customer rank, or whose
        commercial partner has a customer code or a customer rank. Reads what
        ``_fetch_query`` fetched with the masked values."""
        customer_ids = set()
        for partner in self.sudo():
            commercial = partner.commercial_partner_id
            if (partner.customer_rank > 0 or commercial.customer_code
                    or commercial.customer_rank > 0):
                customer_ids.add(partner.id)
        return customer_ids

    def _customer_file_mask_row(self, row, fnames):
        plain = self.sudo()
        for fname in fnames:
            if not row.get(fname):
                continue
            if fname == "email_formatted":
                row[fname] = masking.mask_text(
                    row[fname], [plain.email, plain.email_normalized], masking.mask_email
                )
            else:
                row[fname] = MASKED_FIELDS[fname](row[fname])

    def _fetch_query(self, query, fields):
        # The customer flags come in the same query as the masked values: masking costs no
        # query of its own (customer_code only for those who may read it; the others, who
        # have no Customer File app, pay one query per batch when the flags are read).
        if self._customer_file_masks() and any(field.name in MASKED_FIELDS for field in fields):
            fields = list(fields)
            for fname in CUSTOMER_FLAG_FIELDS:
                field = self._fields[fname]
                if field not in fields and self._has_field_access(field, "read"):
                    fields.append(field)
        return super()._fetch_query(query, fields)

    @api.depends("complete_name", "email", "vat", "state_id", "country_id",
                 "commercial_company_name")
    @api.depends_context("show_address", "partner_show_db_id", "show_email", "show_vat", "lang",
                         "formatted_display_name", "uid")
    def _compute_display_name(self):
        super()._compute_display_name()
        if not self.env.context.get("show_email") or not self._customer_file_masks():
            return
        customer_ids = self._customer_file_customer_ids()
        for partner in self:
            if partner.id in customer_ids:
                plain = partner.sudo()
                partner.display_name = masking.mask_text(
                    partner.display_name, [plain.email, plain.email_normalized],
                    masking.mask_email,
                )

    def _export_rows(self, fields, *, _is_toplevel_call=True):
        masked = {
            index: path[0] for index, path in enumerate(fields)
            if len(path) == 1 and path[0] in MASKED_FIELDS
        }
        if not masked or not self._customer_file_masks():
            return super()._export_rows(fields, _is_toplevel_call=_is_toplevel_call)
        # An extra last column with the record's id tells the main line of each record from
        # the lines its one2many values add.
        lines = super()._export_rows([*fields, [".id"]], _is_toplevel_call=_is_toplevel_call)
        customer_ids = self._customer_file_customer_ids()
        for line in lines:
            record_id = line.pop()
            if record_id and int(record_id) in customer_ids:
                for index, fname in masked.items():
                    if line[index]:
                        line[index] = MASKED_FIELDS[fname](line[index])
        return lines

    def _order_field_to_sql(self, alias, field_name, direction, nulls, query):
        if field_name in PURCHASE_TOTAL_SQL:
            # Lists sort customers by their totals of the current company, read from the
            # daily summary in one join (customers who never bought: no date, zero amounts).
            self._check_field_access(self._fields[field_name], "read")
            totals = query.make_alias(alias, f"purchase_{field_name}")
            query.add_join("LEFT JOIN", totals, SQL("(%s)", self._purchase_total_values(
                field_name
            )), SQL("%s = %s", SQL.identifier(totals, "owner_id"), SQL.identifier(alias, "id")))
            value = SQL.identifier(totals, "value")
            if self._fields[field_name].type != "date":
                value = SQL("COALESCE(%s, 0)", value)
            return SQL("%s %s %s", value, direction, nulls)
        # Sorted by a masked value, a list would tell how two customers' hidden values
        # compare: for users who read them masked, such a sort is dropped.
        if field_name in MASKED_SEARCH_FIELDS and self._customer_file_masks():
            return SQL()
        return super()._order_field_to_sql(alias, field_name, direction, nulls, query)

    def _search(self, domain, *args, **kwargs):
        if self._customer_file_masks():
            domain = Domain(domain).map_conditions(self._customer_file_literal_underscore)
            if any(self._customer_file_is_probe(cond) for cond in domain.iter_conditions()):
                domain = domain.map_conditions(self._customer_file_restrict_probe)
        return super()._search(domain, *args, **kwargs)

    @api.model
    def _customer_file_literal_underscore(self, condition):
        """An exact ``=ilike`` look-up of a masked field keeps its ``_`` literal (e-mails such
        as john_doe@...): as a wildcard it would let one probe a value letter by letter."""
        value = condition.value
        if (condition.field_expr in MASKED_SEARCH_FIELDS
                and condition.operator in ("=ilike", "=like") and isinstance(value, str)
                and "%" not in value and "_" in value):
            return Domain(condition.field_expr, condition.operator,
                          re.sub(r"(?<!\\)_", r"\\_", value))
        return condition

    @api.model
    def _search_display_name(self, operator, value):
        # name_search and display_name searches look in the email (_rec_names_search): for
        # users outside Sensitive Data, in the emails of non-customers only.
        domain = super()._search_display_name(operator, value)
        if domain is NotImplemented or not self._customer_file_masks():
            return domain
        return Domain(domain).map_conditions(self._customer_file_restrict_probe)

    @api.model
    def _customer_file_is_probe(self, condition):
        """A pattern or range condition on a masked field (exact matches are not probes)."""
        if condition.field_expr not in MASKED_SEARCH_FIELDS:
            return False
        operator, value = condition.operator, condition.value
        if operator in EXACT_OPERATORS:
            return False
        return not (operator in ("=ilike", "=like") and isinstance(value, str)
                    and "%" not in value)

    @api.model
    def _customer_file_restrict_probe(self, condition):
        """Searching a masked field by pattern matches suppliers, employees and companies as
        before, never customers: the partner search box, @mentions and name_search (which
        search ``email ilike``) keep working, and nobody probes a customer's number digit by
        digit."""
        if not self._customer_file_is_probe(condition):
            return condition
        customers = self.sudo().with_context(active_test=False)._search(
            Domain("customer_rank", ">", 0)
            | Domain("commercial_partner_id.customer_code", "!=", False)
            | Domain("commercial_partner_id.customer_rank", ">", 0)
        )
        return condition & Domain("id", "not in", customers)

    def _read_group_groupby(self, alias, groupby_spec, query):
        # Odoo checks the groups of the field grouped by, except for many2many fields: the
        # favourite categories and the region and culture tags need the check too.
        fname = parse_read_group_spec(groupby_spec)[0]
        if fname in self._fields:
            self._check_field_access(self._fields[fname], "read")
        self._customer_file_check_group_field(groupby_spec)
        return super()._read_group_groupby(alias, groupby_spec, query)

    def _read_group_select(self, aggregate_spec, query):
        fname = aggregate_spec.split(":")[0]
        if not aggregate_spec.endswith((":count", ":count_distinct")):
            self._customer_file_check_group_field(fname)
        return super()._read_group_select(aggregate_spec, query)

    def _customer_file_check_group_field(self, spec):
        fname = spec.split(":")[0].split(".")[0]
        if fname in MASKED_SEARCH_FIELDS and self._customer_file_masks():
            raise AccessError(self.env._(
                "Grouping customers by %(field)s would show it unmasked: only members of "
                "Sensitive Data may do it.", field=self._fields[fname].string,
            ))

    def action_customer_file_reveal(self):
        """Open the Reveal wizard on the field named by the button's context
        (``reveal_field``): phone, email, birthdate or identity_document_number."""
        self.ensure_one()
        return self.env["customer.file.reveal.wizard"]._action_open(
            self, self.env.context.get("reveal_field")
        )

    @api.model
    def name_search(self, name="", domain=None, operator="ilike", limit=100):
        # Core computes the names as superuser: mask the emails show_email adds to them.
        result = super().name_search(name, domain=domain, operator=operator, limit=limit)
        if not self.env.context.get("show_email") or not self._customer_file_masks():
            return result
        partners = self.browse([partner_id for partner_id, _name in result])
        customer_ids = partners._customer_file_customer_ids()
        plain = {partner.id: (partner.email, partner.email_normalized)
                 for partner in partners.sudo()}
        return [
            (partner_id, masking.mask_text(display_name, plain[partner_id], masking.mask_email)
             if partner_id in customer_ids else display_name)
            for partner_id, display_name in result
        ]

    # Data quality (customer_file/tools/data_quality.py; the settings are
    # customer.data.quality.config, the duplicate suspects customer.duplicate.suspect)

    @api.depends(*ADDRESS_FIELDS)
    def _compute_customer_file_address_key(self):
        for partner in self:
            partner.customer_file_address_key = address_key(
                *(partner[fname] for fname in ADDRESS_FIELDS)
            )

    @api.depends("name")
    def _compute_customer_file_name_pinyin(self):
        for partner in self:
            partner.customer_file_name_pinyin = name_pinyin(partner.name)

    # Completeness

    @api.model
    @tools.ormcache()
    def _completeness_weights(self):
        """{company id: ((field name, weight), ...)} of every company's settings."""
        weights = {}
        for line in self.env["customer.completeness.weight"].sudo().search([]):
            weights.setdefault(line.company_id.id, []).append((line.field_id.name, line.weight))
        return {company: tuple(lines) for company, lines in weights.items()}

    @api.model
    def _completeness_filled_sql(self, fname, alias="p"):
        """SQL telling whether the field ``fname`` of the partner ``alias`` is filled."""
        field = self._fields.get(fname)
        if not field or not field.store:
            return SQL("FALSE")
        if field.type == "many2many":
            return SQL("EXISTS (SELECT 1 FROM %s rel WHERE rel.%s = %s.id)",
                       SQL.identifier(field.relation), SQL.identifier(field.column1),
                       SQL.identifier(alias))
        if field.type == "one2many":
            comodel = self.env[field.comodel_name]
            return SQL("EXISTS (SELECT 1 FROM %s line WHERE line.%s = %s.id)",
                       SQL.identifier(comodel._table), SQL.identifier(field.inverse_name),
                       SQL.identifier(alias))
        column = SQL.identifier(alias, fname)
        if field.type in ("char", "text", "html") and not field.translate:
            return SQL("NULLIF(BTRIM(%s), '') IS NOT NULL", column)
        if field.type in ("integer", "float", "monetary"):
            return SQL("COALESCE(%s, 0) <> 0", column)
        return SQL("%s IS NOT NULL", column)

    @api.model
    def _recompute_completeness(self, partner_ids=None, companies=None):
        """Write the completeness of these partners (every partner when ``None``) of these
        companies (all when ``None``) to customer.completeness: one statement per company,
        scores that do not change are not written. A partner without company is measured
        by the first company's weights."""
        self.env.flush_all()
        main = self.env["customer.data.quality.config"]._main_company_id()
        weights = self._completeness_weights()
        company_ids = companies.ids if companies is not None else list(weights)
        for company_id in company_ids:
            lines = weights.get(company_id, ())
            total = sum(weight for _fname, weight in lines)
            score = SQL("NULL::int") if not total else SQL(
                "ROUND(100.0 * (%s) / %s)::int",
                SQL(" + ").join(
                    SQL("(CASE WHEN %s THEN %s ELSE 0 END)",
                        self._completeness_filled_sql(fname), weight)
                    for fname, weight in lines
                ),
                total,
            )
            self.env.cr.execute(SQL(
                """
                INSERT INTO customer_completeness AS completeness (partner_id, score)
                SELECT p.id, %(score)s FROM res_partner p
                 WHERE COALESCE(p.company_id, %(main)s) = %(company)s %(scope)s
                ON CONFLICT (partner_id) DO UPDATE SET score = EXCLUDED.score
                 WHERE completeness.score IS DISTINCT FROM EXCLUDED.score
                """,
                score=score, main=main, company=company_id,
                scope=SQL("AND p.id = ANY(%s)", list(partner_ids))
                if partner_ids is not None else SQL(),
            ))
        self.invalidate_model(["completeness", "completeness_missing"])

    def _compute_completeness(self):
        ids = [pid for pid in self.ids if pid]
        scores = dict(self.env.execute_query(SQL(
            "SELECT partner_id, score FROM customer_completeness WHERE partner_id = ANY(%s)",
            ids,
        ))) if ids else {}
        for partner in self:
            partner.completeness = scores.get(partner.id) or 0

    def _search_completeness(self, operator, value):
        # The domain a search method returns is not checked against field groups: check here.
        self._check_field_access(self._fields["completeness"], "read")
        if operator not in ("<", "<=", ">", ">=") or not isinstance(value, (int, float)):
            return NotImplemented
        return [("id", "in", SQL(
            "SELECT partner_id FROM customer_completeness WHERE score %s %s",
            SQL(operator), value,
        ))]

    @api.depends_context("company")
    def _compute_completeness_missing(self):
        main = self.env["customer.data.quality.config"]._main_company_id()
        weights = self._completeness_weights()
        for partner, plain in zip(self, self.sudo(), strict=True):
            lines = sorted(weights.get(plain.company_id.id or main, ()), key=lambda line: -line[1])
            missing = [
                self._fields[fname]._description_string(self.env)
                for fname, _weight in lines
                if fname in self._fields and not plain[fname]
            ]
            partner.completeness_missing = ", ".join(missing) or False

    def _recompute_completeness_on_write(self, vals):
        """A write that changes a weighed field (or the company) measures the partners
        again."""
        watched = {fname for lines in self._completeness_weights().values()
                   for fname, _weight in lines} | {"company_id"}
        if watched.intersection(vals):
            self._recompute_completeness(self.ids)

    @api.model
    def _cron_recompute_completeness(self):
        """Daily: what changed outside a customer's form (a contact point added on its own,
        a tag set in SQL) is measured again; unchanged rows are not written."""
        self._recompute_completeness()

    # Review

    @api.model
    def _review_due_query(self, condition):
        """SELECT id, due: the next review date of the partners ``p`` matching ``condition``
        (SQL): their last review, else the creation of their file, plus the review interval
        of their value tier in their company's settings."""
        self.env["customer.data.quality.config"].flush_model()
        self.flush_model(["last_review_date", "create_date", "value_tier", "company_id",
                          "active", "parent_id", "customer_rank", "customer_code"])
        defaults = DEFAULT_REVIEW_MONTHS
        return SQL(
            """
            SELECT p.id,
                   (COALESCE(p.last_review_date, p.create_date::date) + make_interval(months =>
                       CASE p.value_tier
                           WHEN 'high' THEN COALESCE(c.review_months_high, %(high)s)
                           WHEN 'medium' THEN COALESCE(c.review_months_medium, %(medium)s)
                           WHEN 'low' THEN COALESCE(c.review_months_low, %(low)s)
                           ELSE COALESCE(c.review_months_default, %(default)s)
                       END))::date AS due
              FROM res_partner p
              LEFT JOIN customer_data_quality_config c
                     ON c.company_id = COALESCE(p.company_id, %(main)s)
             WHERE %(condition)s
            """,
            high=defaults["high"], medium=defaults["medium"], low=defaults["low"],
            default=defaults["default"], condition=condition,
            main=self.env["customer.data.quality.config"]._main_company_id(),
        )

    @api.depends_context("company")
    def _compute_next_review_date(self):
        ids = [pid for pid in self.ids if pid]
        due = dict(self.env.execute_query(
            self._review_due_query(SQL("p.id = ANY(%s)", ids))
        )) if ids else {}
        today = fields.Date.context_today(self)
        for partner in self:
            partner.next_review_date = due.get(partner.id, False)
            partner.review_overdue = bool(partner.id in due and due[partner.id] < today
                                          and partner.sudo()._is_reviewed_customer())

    def _is_reviewed_customer(self):
        self.ensure_one()
        return bool(self.active and not self.parent_id
                    and (self.customer_rank > 0 or self.customer_code))

    def _search_next_review_date(self, operator, value):
        self._check_field_access(self._fields["next_review_date"], "read")
        if operator not in ("<", "<=", ">", ">=") or not value:
            return NotImplemented
        return [("id", "in", SQL(
            "SELECT id FROM (%s) due WHERE due %s %s",
            self._review_due_query(SQL("TRUE")), SQL(operator), fields.Date.to_date(value),
        ))]

    def _search_review_overdue(self, operator, value):
        self._check_field_access(self._fields["review_overdue"], "read")
        if operator not in ("in", "not in"):
            return NotImplemented
        overdue = SQL(
            "SELECT id FROM (%s) due WHERE due < %s",
            self._review_due_query(SQL(CUSTOMER_SQL.format(p="p"))),
            fields.Date.context_today(self),
        )
        positive = (operator == "in") == (True in value)
        return [("id", "in" if positive else "not in", overdue)]

    def action_mark_reviewed(self):
        """The salesperson checked the customer's file: it is reviewed today by them, and
        the open review activities are done."""
        check_group(self.env, USER)
        self.check_access("write")
        self.sudo().write({
            "last_review_date": fields.Date.context_today(self),
            "last_review_user_id": self.env.uid,
        })
        activity_type = self.env.ref("customer_file.mail_activity_type_customer_review")
        self.env["mail.activity"].sudo().with_context(customer_file_reviewing=True).search([
            ("res_model", "=", "res.partner"), ("res_id", "in", self.ids),
            ("activity_type_id", "=", activity_type.id),
        ]).action_feedback(feedback=self.env._("Reviewed by %s", self.env.user.name))
        return True

    @api.model
    def _cron_schedule_reviews(self):
        """Daily: one review activity for the salesperson of each overdue customer that has
        none open, selected in one query per company (at most the company's daily number,
        the longest overdue first)."""
        activity_type = self.env.ref("customer_file.mail_activity_type_customer_review")
        today = fields.Date.context_today(self)
        Config = self.env["customer.data.quality.config"]
        main = Config._main_company_id()
        self.env.flush_all()
        model_id = self.env["ir.model"]._get_id("res.partner")
        vals_list = []
        for company in self.env["res.company"].sudo().search([]):
            limit = Config._for_company(company).review_activity_limit
            if not limit:
                continue
            rows = self.env.execute_query(SQL(
                """
                SELECT due.id, p.user_id, due.due
                  FROM (%(due)s) due
                  JOIN res_partner p ON p.id = due.id
                  JOIN res_users owner ON owner.id = p.user_id AND owner.active
                   AND NOT owner.share
                 WHERE due.due < %(today)s
                   AND NOT EXISTS (
                       SELECT 1 FROM mail_activity activity
                        WHERE activity.res_model = 'res.partner'
                          AND activity.res_id = p.id
                          AND activity.activity_type_id = %(type)s
                          AND activity.active)
                 ORDER BY due.due, due.id
                 LIMIT %(limit)s
                """,
                due=self._review_due_query(SQL(
                    "%s AND COALESCE(p.company_id, %s) = %s",
                    SQL(CUSTOMER_SQL.format(p="p")), main, company.id,
                )),
                today=today, type=activity_type.id, limit=limit,
            ))
            vals_list += [{
                "res_model_id": model_id,
                "res_id": partner_id,
                "activity_type_id": activity_type.id,
                "user_id": user_id,
                "date_deadline": today,
                "summary": self.env._("Review the customer file (due %s)",
                                      fields.Date.to_string(due)),
            } for partner_id, user_id, due in rows]
        return self.env["mail.activity"].sudo().with_context(
            mail_activity_quick_update=True
        ).create(vals_list)

    # The Data Quality menu

    @api.model
    def _completeness_threshold(self):
        return self.env["customer.data.quality.config"]._for_company(
            self.env.company
        ).completeness_threshold

    @api.model
    def _customer_file_customers_domain(self):
        """The customers the Data Quality lists and the Overview count: companies and
        individuals (not their contacts) with a customer rank or a customer code."""
        return Domain([("parent_id", "=", False), "|", ("customer_rank", ">", 0),
                       ("customer_code", "!=", False)])

    @api.model
    def _data_quality_domain(self, kind):
        """The customers of a Data Quality list: "incomplete" (below the completeness
        threshold of the current company) or "overdue" (review overdue)."""
        customers = self._customer_file_customers_domain()
        if kind == "incomplete":
            return customers & Domain("completeness", "<", self._completeness_threshold())
        if kind == "overdue":
            return customers & Domain("review_overdue", "=", True)
        raise UserError(self.env._("Unknown data quality list: %s", kind))

    def _action_data_quality(self, kind):
        """The customers of a Data Quality entry ("incomplete" or "overdue"), their number
        (among the customers the user sees) in the title."""
        check_group(self.env, USER)
        domain = self._data_quality_domain(kind)
        if kind == "incomplete":
            name = self.env._("Incomplete Customers (%(count)s below %(threshold)s%%)",
                              count=self.search_count(domain),
                              threshold=self._completeness_threshold())
        else:
            name = self.env._("Overdue Reviews (%s)", self.search_count(domain))
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_file.action_customer_file_customers"
        )
        list_view = self.env.ref("customer_file.res_partner_view_list_customer_file")
        kanban_view = self.env.ref("customer_file.res_partner_view_kanban_customer_file")
        context = {"res_partner_search_mode": "customer", "customer_file_customer": True}
        action.update({
            "name": name,
            "domain": list(domain),
            "views": [(list_view.id, "list"), (kanban_view.id, "kanban"), (False, "form")],
            "view_mode": "list,kanban,form",
            "context": context,
        })
        return action
