import logging
import re

from pypinyin import lazy_pinyin

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.access import check_group
from ..tools.data_quality import CUSTOMER_SQL

_logger = logging.getLogger(__name__)

OFFICER = "customer_file.group_customer_file_officer"
# A value (phone, email, VAT) held by more customers than this is a placeholder (a shop's
# own number, "none@none"): it suspects nobody.
MAX_SHARED = 20
# Points a reason adds to a pair's score (capped at 100); similarities count pro rata.
SCORE_PHONE, SCORE_EMAIL, SCORE_VAT, SCORE_NAME, SCORE_ADDRESS = 40, 40, 60, 30, 20
# Trigram similarity of the names in pinyin from which they count as similar names (the
# names as written count from the settings' threshold); the name pass, whose keys are looser
# than the address pass's, asks for more of both. Measured with bench/bench_duplicates.py.
PINYIN_SIMILARITY = 0.6
NAME_PASS_PINYIN_SIMILARITY = 0.8
NAME_PASS_ADDRESS_SIMILARITY = 0.8
# Names of more syllables (words) than this, house numbers of more digits, are keyed whole.
MAX_KEY_SYLLABLES, MAX_KEY_DIGITS = 8, 6
# The customers compared: commercial entities with a customer rank or code, not archived.
# place: where the name pass looks (zip, else city, else country); number: the digits of the
# street (none without a street).
CUSTOMERS = SQL(
    "SELECT id, company_id, name, customer_file_address_key AS address,"
    "       customer_file_name_pinyin AS pinyin,"
    "       COALESCE('z' || NULLIF(LOWER(BTRIM(zip)), ''), 'c' || NULLIF(LOWER(BTRIM(city)), ''),"
    "                'n' || country_id) AS place,"
    "       CASE WHEN street ~ '\\S' THEN REGEXP_REPLACE(street, '[^0-9]', '', 'g') END AS number"
    "  FROM res_partner"
    " WHERE active AND parent_id IS NULL"
    "   AND (customer_rank > 0 OR customer_code IS NOT NULL)"
)


def name_pinyin(name):
    """The name as the name pass compares it: Chinese characters in pinyin without tones,
    everything in lower case, one word per syllable or word (张伟 and 张玮: "zhang wei")."""
    if not name:
        return False
    text = " ".join(lazy_pinyin(name))
    return " ".join(re.sub(r"[\W_]+", " ", text).lower().split()) or False


class CustomerDuplicateSuspect(models.Model):
    """Two customers that may be the same person or company, with why and how likely.

    Found by ``_detect`` in set-based SQL. A pair someone marked "Not a duplicate" stays so
    however often it is detected again; the pairs still open are grouped
    (customer.duplicate.group) so a whole group can be merged at once.
    """

    _name = "customer.duplicate.suspect"
    _description = "Customer Duplicate Suspect"
    _order = "score desc, id"

    company_id = fields.Many2one("res.company", index=True, readonly=True)
    partner_a_id = fields.Many2one("res.partner", string="Customer", required=True,
                                   readonly=True, ondelete="cascade")
    partner_b_id = fields.Many2one("res.partner", string="Suspected Duplicate", required=True,
                                   readonly=True, ondelete="cascade", index=True)
    group_id = fields.Many2one("customer.duplicate.group", readonly=True, index=True,
                               ondelete="set null")
    score = fields.Integer(readonly=True, aggregator="max",
                           help="0-100: how likely the two are the same customer.")
    same_phone = fields.Boolean(readonly=True)
    same_email = fields.Boolean(readonly=True)
    same_vat = fields.Boolean(string="Same Tax ID", readonly=True)
    name_similarity = fields.Float(digits=(3, 2), readonly=True)
    same_name_pinyin = fields.Boolean(
        string="Same Name in Pinyin", readonly=True,
        help="The names differ in writing but read the same in pinyin (张伟, 张玮).")
    pinyin_similarity = fields.Float(
        digits=(3, 2), readonly=True,
        help="Trigram similarity of the names in pinyin, when it counted.")
    address_similarity = fields.Float(digits=(3, 2), readonly=True)
    reasons = fields.Char(compute="_compute_reasons")
    state = fields.Selection(
        [("open", "To Review"), ("dismissed", "Not a Duplicate")],
        default="open", required=True, readonly=True, index=True,
    )
    dismissed_by_id = fields.Many2one("res.users", readonly=True)
    dismissed_date = fields.Datetime(readonly=True)
    detected_date = fields.Datetime(string="Last Detected", readonly=True)

    _pair_unique = models.UniqueIndex(
        "(partner_a_id, partner_b_id)", "A pair of customers is suspected once."
    )
    _pair_ordered = models.Constraint(
        "CHECK(partner_a_id < partner_b_id)", "A pair names its lower customer id first."
    )

    @api.depends("same_phone", "same_email", "same_vat", "name_similarity",
                 "same_name_pinyin", "pinyin_similarity", "address_similarity")
    def _compute_reasons(self):
        for pair in self:
            reasons = []
            if pair.same_phone:
                reasons.append(self.env._("same phone"))
            if pair.same_email:
                reasons.append(self.env._("same email"))
            if pair.same_vat:
                reasons.append(self.env._("same tax ID"))
            if pair.name_similarity >= 0.999:
                reasons.append(self.env._("same name"))
            elif pair.same_name_pinyin:
                reasons.append(self.env._("same name in pinyin"))
            elif pair.name_similarity:
                reasons.append(self.env._("similar name (%s%%)", round(pair.name_similarity * 100)))
            elif pair.pinyin_similarity:
                reasons.append(self.env._("similar name in pinyin (%s%%)",
                                          round(pair.pinyin_similarity * 100)))
            if pair.address_similarity >= 0.999:
                reasons.append(self.env._("same address"))
            elif pair.address_similarity:
                reasons.append(self.env._("similar address (%s%%)",
                                          round(pair.address_similarity * 100)))
            pair.reasons = ", ".join(reasons)

    def action_dismiss(self):
        """Not a duplicate: the pair is never suspected again."""
        check_group(self.env, OFFICER)
        self.check_access("write")
        pairs = self.filtered(lambda pair: pair.state == "open")
        pairs.sudo().write({"state": "dismissed", "dismissed_by_id": self.env.uid,
                            "dismissed_date": fields.Datetime.now(), "group_id": False})
        self.env["customer.duplicate.group"].sudo()._regroup()
        return True

    @api.model
    def _exact_pairs_query(self):
        """(a, b, kind) of customers sharing a normalized phone, email or tax ID, on their
        contact or in their contact points: one pass over the customers and one over the
        contact points, grouped by value."""
        return SQL(
            """
            WITH keys AS (
                SELECT p.id AS partner_id, key.kind, key.value
                  FROM res_partner p
                 CROSS JOIN LATERAL (VALUES
                       ('phone', p.phone_sanitized),
                       ('email', p.email_normalized),
                       ('vat', NULLIF(UPPER(REGEXP_REPLACE(p.vat, '[^[:alnum:]]', '', 'g')),
                                      ''))) key(kind, value)
                 WHERE %(customer)s AND key.value IS NOT NULL
                   AND (key.kind <> 'vat' OR LENGTH(key.value) > 1)
                UNION ALL
                SELECT p.id, point.kind, point.value_normalized
                  FROM customer_contact_point point
                  JOIN res_partner p ON p.id = point.commercial_partner_id
                 WHERE point.kind IN ('phone', 'email') AND point.value_normalized IS NOT NULL
                   AND %(customer)s
            ),
            shared AS (
                SELECT kind, ARRAY_AGG(DISTINCT partner_id) AS ids
                  FROM keys GROUP BY kind, value
                HAVING COUNT(DISTINCT partner_id) BETWEEN 2 AND %(max_shared)s
            )
            SELECT a.id AS a, b.id AS b, shared.kind
              FROM shared, UNNEST(shared.ids) a(id), UNNEST(shared.ids) b(id)
             WHERE a.id < b.id
            """,
            customer=SQL(CUSTOMER_SQL.format(p="p")), max_shared=MAX_SHARED,
        )

    @api.model
    def _address_pairs_query(self, address_threshold, name_threshold):
        """(a, b) of customers with similar addresses and similar names, as written
        (``name_threshold``) or in pinyin (``PINYIN_SIMILARITY``; 王伟 and 王伟伟 score 0.4
        as written, 1 in pinyin), by pg_trgm ``similarity``. Only customers
        whose addresses hold the same numbers (house number, zip) and whose names in pinyin
        start with the same letter are compared: comparing every customer with every one at
        a similar address (the ``%`` operator on the address key's trigram index) meets, in
        a city, the whole street for each of them (still running after 6 minutes for
        200,000 customers, see bench/README.md). A typo in a house number is left to the
        name pass."""
        return SQL(
            """
            WITH keyed AS MATERIALIZED (
                SELECT id, name, address, pinyin,
                       REGEXP_REPLACE(address, '[^0-9]', '', 'g') || '/'
                       || COALESCE(LEFT(pinyin, 1), LEFT(LOWER(name), 1)) AS block
                  FROM (%(customers)s) customers
                 WHERE address ~ '[0-9]'
            )
            SELECT a.id AS a, b.id AS b
              FROM keyed a
              JOIN keyed b ON b.block = a.block AND b.id > a.id
             WHERE SIMILARITY(a.address, b.address) >= %(address)s
               AND (SIMILARITY(a.name, b.name) >= %(name)s
                    OR SIMILARITY(a.pinyin, b.pinyin) >= %(pinyin)s)
            """,
            customers=CUSTOMERS, address=address_threshold, name=name_threshold,
            pinyin=PINYIN_SIMILARITY,
        )

    @api.model
    def _name_pairs_query(self, address_threshold):
        """(a, b) of customers of the same place (zip, else city, else country) whose names
        in pinyin are at most a syllable apart and whose house numbers at most a digit
        apart, with names in pinyin similar from ``NAME_PASS_PINYIN_SIMILARITY`` and
        addresses from ``NAME_PASS_ADDRESS_SIMILARITY`` (or the settings' address threshold
        if higher).

        Each customer is keyed by its name in pinyin, the same in alphabetical order (张伟,
        张玮 and "Wei Zhang" share "wei zhang"; 赵浩然 and 浩赵然 share one too) and, for
        names of three to ``MAX_KEY_SYLLABLES`` syllables, the name with one syllable after
        the first left out (王伟伟 gives "wang wei", 张晓明 "zhang ming"); and by the digits
        of its street and each of them with one digit left out (12: 12, 1, 2; 112: 112, 12,
        11).
        Two customers sharing a key were written with a homophone, a dropped, doubled or
        swapped character or digit. Names sharing only their surname share no key (张伟,
        张敏); leaving the surname out would pair every 秀英 of a city."""
        return SQL(
            """
            WITH named AS MATERIALIZED (
                SELECT id, place, pinyin, number, STRING_TO_ARRAY(pinyin, ' ') AS syllables
                  FROM (%(customers)s) customers
                 WHERE number IS NOT NULL AND place IS NOT NULL AND pinyin IS NOT NULL
            ),
            keyed AS MATERIALIZED (
                SELECT DISTINCT named.id, named.place, name_key, number_key
                  FROM named
                 CROSS JOIN LATERAL UNNEST(
                       ARRAY[named.pinyin, ARRAY_TO_STRING(ARRAY(
                           SELECT syllable FROM UNNEST(named.syllables) syllable
                            ORDER BY syllable), ' ')]
                       || ARRAY(SELECT ARRAY_TO_STRING(named.syllables[:skip - 1]
                                                       || named.syllables[skip + 1:], ' ')
                                  FROM GENERATE_SERIES(2, CARDINALITY(named.syllables)) skip
                                 WHERE CARDINALITY(named.syllables)
                                       BETWEEN 3 AND %(max_syllables)s)) name_key
                 CROSS JOIN LATERAL UNNEST(
                       ARRAY[named.number]
                       || ARRAY(SELECT OVERLAY(named.number PLACING '' FROM cut FOR 1)
                                  FROM GENERATE_SERIES(1, LENGTH(named.number)) cut
                                 WHERE LENGTH(named.number) <= %(max_digits)s)) number_key
            ),
            candidates AS (
                SELECT DISTINCT a.id AS a, b.id AS b
                  FROM keyed a
                  JOIN keyed b ON b.place = a.place AND b.name_key = a.name_key
                              AND b.number_key = a.number_key AND b.id > a.id
            )
            SELECT candidates.a, candidates.b
              FROM candidates
              JOIN res_partner a ON a.id = candidates.a
              JOIN res_partner b ON b.id = candidates.b
             WHERE SIMILARITY(a.customer_file_name_pinyin, b.customer_file_name_pinyin)
                   >= %(pinyin)s
               AND SIMILARITY(a.customer_file_address_key, b.customer_file_address_key)
                   >= %(address)s
            """,
            customers=CUSTOMERS, max_syllables=MAX_KEY_SYLLABLES, max_digits=MAX_KEY_DIGITS,
            pinyin=NAME_PASS_PINYIN_SIMILARITY,
            address=max(address_threshold, NAME_PASS_ADDRESS_SIMILARITY),
        )

    @api.model
    def _detect(self):
        """Find every suspected pair in a few statements, keep the dismissed ones dismissed,
        drop the open ones no longer found and regroup. Returns the number of open pairs."""
        self.env.flush_all()
        started = fields.Datetime.now()
        cr = self.env.cr
        config = self.env["customer.data.quality.config"]._for_company(
            self.env["res.company"].browse(
                self.env["customer.data.quality.config"]._main_company_id()
            )
        )
        address_threshold = config.duplicate_address_similarity
        name_threshold = config.duplicate_name_similarity
        # The name pass's keys are set-returning functions the planner cannot count (it
        # expects billions of rows): JIT compiling took longer than the passes ran.
        with self.env["customer.purchase.line"]._without_jit():
            cr.execute(SQL(
                """
                CREATE TEMP TABLE customer_duplicate_found ON COMMIT DROP AS
                WITH pairs AS (
                    SELECT a, b, BOOL_OR(kind = 'phone') AS phone, BOOL_OR(kind = 'email') AS email,
                           BOOL_OR(kind = 'vat') AS vat
                      FROM (%(exact)s
                            UNION ALL SELECT a, b, 'address' FROM (%(address_pairs)s) by_address
                            UNION ALL SELECT a, b, 'name' FROM (%(name_pairs)s) by_name) found
                     GROUP BY a, b
                )
                SELECT pairs.*, a.company_id AS company_a, b.company_id AS company_b,
                       SIMILARITY(a.name, b.name) AS name_similarity,
                       COALESCE(SIMILARITY(a.customer_file_name_pinyin,
                                           b.customer_file_name_pinyin), 0) AS pinyin_similarity,
                       a.customer_file_name_pinyin = b.customer_file_name_pinyin
                       AND LOWER(a.name) <> LOWER(b.name) AS same_name_pinyin,
                       COALESCE(SIMILARITY(a.customer_file_address_key,
                                           b.customer_file_address_key), 0) AS address_similarity
                  FROM pairs
                  JOIN res_partner a ON a.id = pairs.a
                  JOIN res_partner b ON b.id = pairs.b
                 WHERE a.company_id IS NULL OR b.company_id IS NULL OR a.company_id = b.company_id
                """,
                exact=self._exact_pairs_query(),
                address_pairs=self._address_pairs_query(address_threshold, name_threshold),
                name_pairs=self._name_pairs_query(address_threshold),
            ))
        cr.execute(SQL(
            """
            INSERT INTO customer_duplicate_suspect AS suspect (
                partner_a_id, partner_b_id, company_id, score, same_phone, same_email,
                same_vat, name_similarity, same_name_pinyin, pinyin_similarity,
                address_similarity, state, detected_date,
                create_uid, create_date, write_uid, write_date)
            SELECT a, b, COALESCE(company_a, company_b), LEAST(100,
                       %(phone)s * phone::int + %(email)s * email::int + %(vat)s * vat::int
                       + ROUND(%(name)s * GREATEST(
                             CASE WHEN name_similarity >= %(name_t)s
                                  THEN name_similarity ELSE 0 END,
                             CASE WHEN same_name_pinyin THEN 1 ELSE 0 END,
                             CASE WHEN pinyin_similarity >= %(pinyin_t)s
                                  THEN pinyin_similarity ELSE 0 END))
                       + ROUND(%(address)s * (CASE WHEN address_similarity >= %(address_t)s
                                              THEN address_similarity ELSE 0 END))),
                   phone, email, vat,
                   CASE WHEN name_similarity >= %(name_t)s THEN name_similarity ELSE 0 END,
                   COALESCE(same_name_pinyin, FALSE),
                   CASE WHEN pinyin_similarity >= %(pinyin_t)s THEN pinyin_similarity
                        ELSE 0 END,
                   CASE WHEN address_similarity >= %(address_t)s THEN address_similarity
                        ELSE 0 END,
                   'open', %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM customer_duplicate_found
            ON CONFLICT (partner_a_id, partner_b_id) DO UPDATE
               SET company_id = EXCLUDED.company_id, score = EXCLUDED.score,
                   same_phone = EXCLUDED.same_phone, same_email = EXCLUDED.same_email,
                   same_vat = EXCLUDED.same_vat, name_similarity = EXCLUDED.name_similarity,
                   same_name_pinyin = EXCLUDED.same_name_pinyin,
                   pinyin_similarity = EXCLUDED.pinyin_similarity,
                   address_similarity = EXCLUDED.address_similarity,
                   detected_date = EXCLUDED.detected_date, write_date = EXCLUDED.write_date,
                   write_uid = EXCLUDED.write_uid
            """,
            phone=SCORE_PHONE, email=SCORE_EMAIL, vat=SCORE_VAT, name=SCORE_NAME,
            address=SCORE_ADDRESS, name_t=name_threshold, pinyin_t=PINYIN_SIMILARITY,
            address_t=address_threshold,
            now=started, uid=self.env.uid,
        ))
        # Open suspicions the data no longer supports go; dismissals stay for good.
        cr.execute(
            "DELETE FROM customer_duplicate_suspect suspect WHERE state = 'open'"
            " AND NOT EXISTS (SELECT 1 FROM customer_duplicate_found found"
            "                  WHERE found.a = suspect.partner_a_id"
            "                    AND found.b = suspect.partner_b_id)"
        )
        cr.execute("DROP TABLE customer_duplicate_found")
        self.invalidate_model()
        count = self.env["customer.duplicate.group"].sudo()._regroup()
        _logger.info("Duplicate suspects: %s open pairs", count)
        return count

    @api.model
    def _cron_detect(self):
        self._detect()
