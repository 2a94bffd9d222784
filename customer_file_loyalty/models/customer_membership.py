import logging
from contextlib import contextmanager

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.customer_file.tools.access import check_group

_logger = logging.getLogger(__name__)

MANAGER = "customer_file.group_customer_file_manager"


class CustomerMembership(models.Model):
    """The level a customer (a commercial entity) holds in a company.

    One narrow row per customer and company, written by the evaluation only (users have no
    write access): levels are per company, like the purchase history they qualify on, and
    the nightly run rewrites this table rather than the wide partner table.

    Built for the nightly rewrite of a million rows: no log columns (the evaluation is the
    only writer, and creator and last writer were two of the five foreign-key checks of
    each row written), no index on the level (a handful of values; its updates stay in the
    page, see ``init``).
    """

    _name = "customer.membership"
    _description = "Customer Membership"
    _order = "company_id, level_id, partner_id"
    _rec_name = "partner_id"
    _log_access = False

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, readonly=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True,
                                 ondelete="cascade")
    level_id = fields.Many2one("customer.membership.level", required=True,
                               readonly=True, ondelete="restrict")
    level_since = fields.Date(readonly=True)
    review_date = fields.Date(
        readonly=True,
        help="From this date, a customer who no longer qualifies for the level goes one level "
        "down at the end of the grace period.",
    )
    qualifying_value = fields.Float(
        readonly=True, help="Spend or points of the last 12 months at the last evaluation."
    )
    next_level_id = fields.Many2one("customer.membership.level", compute="_compute_progress")
    to_next_level = fields.Float(
        compute="_compute_progress", string="Missing for the Next Level",
        help="What the customer still needs for the next level.",
    )

    _partner_company_unique = models.UniqueIndex(
        "(partner_id, company_id)", "A customer holds one level per company."
    )

    def init(self):
        # Room in each page for a new version of its rows: an evaluation that changes the
        # level, review date or qualifying value of every member (none of them indexed)
        # then updates them in place (HOT) instead of adding index entries for each.
        self.env.cr.execute(SQL("ALTER TABLE %s SET (fillfactor = 50)",
                                SQL.identifier(self._table)))

    @api.depends("level_id", "qualifying_value")
    def _compute_progress(self):
        for membership in self:
            following = membership.level_id._next_level() if membership.level_id else False
            membership.next_level_id = following
            membership.to_next_level = max(
                following.threshold - membership.qualifying_value, 0.0
            ) if following else 0.0

    # ------------------------------------------------------------------ evaluation

    @api.model
    def _cron_evaluate(self):
        for company in self.env["customer.membership.level"].sudo().search([]).company_id:
            self._evaluate_company(company)

    @api.model
    def _action_evaluate_now(self):
        """Evaluate the levels of the current company's customers now (managers; the menu's
        server action)."""
        check_group(self.env, MANAGER)
        counts = self._evaluate_company(self.env.company)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "Membership levels evaluated: %(promoted)s promoted, %(demoted)s demoted.",
                    promoted=counts["promotion"], demoted=counts["demotion"],
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    @api.model
    def _evaluate_company(self, company, today=None, notify=True):
        """Qualify every customer of ``company`` for a level, set-based.

        Rules (see readme/CONFIGURE.md): a customer who qualifies for a higher level gets it
        at once, with a new review date; from their review date, a customer who qualifies for
        a lower level keeps theirs through the grace period, then goes down one level (never
        more at once) with a new review date; one who qualifies again by then passes the
        review and keeps the level for another year.

        ``notify``: queue the promotion e-mails (not when replaying past evaluations). The
        first evaluation of a company sends none: it gives the whole customer base its
        levels at once, not promotions to announce.
        Returns the number of promotions and demotions.
        """
        self = self.sudo()
        today = today or company._customer_file_today()
        config = self.env["customer.membership.config"]._for_company(company)
        notify = notify and bool(config.last_evaluation_date)
        levels = self.env["customer.membership.level"].search(
            [("company_id", "=", company.id)], order="sequence, id"
        )
        counts = {"promotion": 0, "demotion": 0}
        if not levels:
            return counts
        self.env.flush_all()
        cr = self.env.cr
        # Levels are ranked 1, 2... by their sequence (0: none); CASE expressions rather than
        # joins with a table of ranks, evaluated for every customer.
        ranked = list(enumerate(levels, start=1))
        rank_of_level = SQL("CASE m.level_id %s ELSE 0 END", SQL(" ").join(
            SQL("WHEN %s THEN %s", level.id, rank) for rank, level in ranked))
        rank_of_value = SQL("CASE %s ELSE 0 END", SQL(" ").join(
            SQL("WHEN value >= %s::float8 THEN %s", level.threshold, rank)
            for rank, level in reversed(ranked)))
        level_of_rank = SQL("CASE new_rank %s END", SQL(" ").join(
            SQL("WHEN %s THEN %s", rank, level.id) for rank, level in ranked))
        new_review = config._next_review_date(today)
        # Customers who still qualify on or after their review date pass it: next review a
        # year later (on the anniversary, or the company's next review date).
        passed_review = SQL("%s::date", new_review) if config.review_month else SQL(
            "(review_date + make_interval(years => "
            "EXTRACT(YEAR FROM AGE(%s::date, review_date))::int + 1))::date", today,
        )
        with self._settings_for_a_million_rows():
            cr.execute(SQL("DROP TABLE IF EXISTS customer_membership_eval"))
            # The customers whose membership changes: what they hold and what they hold
            # after this evaluation (level, review date, qualifying value). On most nights
            # a few thousand rows, and only they are written below.
            cr.execute(SQL(
                """
                CREATE TEMP TABLE customer_membership_eval ON COMMIT DROP AS
                WITH spend AS (
                    SELECT partner_id, SUM(value)::float8 AS value
                      FROM (%(values)s) AS all_values(partner_id, value)
                     GROUP BY partner_id
                ),
                evaluated AS (
                    SELECT COALESCE(s.partner_id, m.partner_id) AS partner_id,
                           COALESCE(s.value, 0) AS value,
                           m.id AS membership_id, m.level_id AS old_level_id,
                           m.review_date, m.qualifying_value AS old_value,
                           %(rank_of_level)s AS current_rank
                      FROM spend s
                      FULL JOIN (SELECT * FROM customer_membership
                                  WHERE company_id = %(company)s) m
                             ON m.partner_id = s.partner_id
                ),
                qualified AS (
                    SELECT evaluated.*, %(rank_of_value)s AS qualified_rank FROM evaluated
                ),
                decided AS (
                    SELECT qualified.*, CASE
                           WHEN qualified_rank > current_rank THEN qualified_rank
                           WHEN qualified_rank < current_rank
                                AND review_date + %(grace)s <= %(today)s THEN current_rank - 1
                           ELSE current_rank END AS new_rank
                      FROM qualified
                ),
                reviewed AS (
                    SELECT decided.*, %(level_of_rank)s AS new_level_id, CASE
                           WHEN new_rank <> current_rank THEN %(review)s::date
                           WHEN qualified_rank >= current_rank AND review_date <= %(today)s
                           THEN %(passed_review)s
                           ELSE review_date END AS new_review_date
                      FROM decided
                )
                SELECT * FROM reviewed
                 WHERE (membership_id IS NOT NULL OR new_rank <> 0)
                   AND (new_rank <> current_rank OR new_review_date IS DISTINCT FROM review_date
                        OR value IS DISTINCT FROM old_value)
                """,
                rank_of_level=rank_of_level, rank_of_value=rank_of_value,
                level_of_rank=level_of_rank,
                values=self._qualifying_values_query(company, config, today),
                company=company.id, grace=config.grace_days, today=today, review=new_review,
                passed_review=passed_review,
            ))
            # Temporary tables are not analysed by autovacuum: without statistics the joins
            # below may loop over a million rows.
            cr.execute(SQL("ANALYZE customer_membership_eval"))
            # The history first: it is what the e-mails are written from.
            cr.execute(SQL(
                """
                WITH history AS (
                    INSERT INTO customer_membership_level_history
                           (partner_id, company_id, from_level_id, to_level_id, date, reason,
                            qualifying_value)
                    SELECT partner_id, %(company)s, old_level_id, new_level_id, %(today)s,
                           CASE WHEN new_rank > current_rank THEN 'promotion'
                                ELSE 'demotion' END,
                           value
                      FROM customer_membership_eval
                     WHERE new_rank <> current_rank
                     ORDER BY partner_id
                    RETURNING id, reason
                )
                SELECT COUNT(*) FILTER (WHERE reason = 'promotion'),
                       COUNT(*) FILTER (WHERE reason = 'demotion'),
                       CASE WHEN %(notify)s
                            THEN array_agg(id ORDER BY id) FILTER (WHERE reason = 'promotion')
                       END
                  FROM history
                """,
                company=company.id, today=today, notify=notify,
            ))
            counts["promotion"], counts["demotion"], promotions = cr.fetchone()
            # One write per membership that changes, and none for the others.
            cr.execute(SQL(
                """
                UPDATE customer_membership m
                   SET level_id = COALESCE(e.new_level_id, m.level_id),
                       level_since = CASE WHEN e.new_rank <> e.current_rank
                                          THEN %(today)s ELSE m.level_since END,
                       review_date = e.new_review_date, qualifying_value = e.value
                  FROM customer_membership_eval e
                 WHERE m.id = e.membership_id AND NOT (e.new_rank = 0 AND e.current_rank <> 0)
                """,
                today=today,
            ))
            # The few memberships to delete first, then by their id: with statistics of the
            # memberships older than the last evaluation's inserts, a join of the two
            # tables was planned as a loop over every membership.
            cr.execute(SQL(
                """
                DELETE FROM customer_membership
                 WHERE id IN (SELECT membership_id FROM customer_membership_eval
                               WHERE new_rank = 0 AND current_rank <> 0)
                """
            ))
            added_or_removed = cr.rowcount
            cr.execute(SQL(
                """
                INSERT INTO customer_membership
                       (partner_id, company_id, level_id, level_since, review_date,
                        qualifying_value)
                SELECT partner_id, %(company)s, new_level_id, %(today)s, new_review_date, value
                  FROM customer_membership_eval
                 WHERE membership_id IS NULL AND new_rank <> 0
                 ORDER BY partner_id
                """,
                company=company.id, today=today,
            ))
            added_or_removed += cr.rowcount
            if added_or_removed > 10000:
                # Autovacuum analyses the table only after the commit, and later.
                cr.execute(SQL("ANALYZE customer_membership"))
            if self.env["customer.membership.level"].with_context(active_test=False).search_count(
                [("company_id", "=", company.id), ("pricelist_id", "!=", False)], limit=1
            ):
                self._apply_pricelists(company)
            cr.execute(SQL("DROP TABLE customer_membership_eval"))
        config.last_evaluation_date = fields.Datetime.now()
        self.env.invalidate_all()
        if notify and promotions:
            self._send_promotion_emails(config, promotions)
        _logger.info("Membership levels of %s: %s promoted, %s demoted", company.name,
                     counts["promotion"], counts["demotion"])
        return counts

    @contextmanager
    def _settings_for_a_million_rows(self):
        """The evaluation's statements without JIT compilation (it cost more than it saved
        on them) and with the memory to sum the spend of a million customers in one pass
        (with the default work_mem the aggregation spilled to disk in five batches). The
        previous settings come back at the end, within the same transaction."""
        cr = self.env.cr
        cr.execute(SQL("SELECT current_setting('jit'), current_setting('work_mem')"))
        jit, work_mem = cr.fetchone()
        cr.execute(SQL("SET LOCAL jit = off"))
        cr.execute(SQL("SET LOCAL work_mem = '256MB'"))
        yield
        cr.execute(SQL("SELECT set_config('jit', %s, TRUE), set_config('work_mem', %s, TRUE)",
                       jit, work_mem))

    @api.model
    def _qualifying_values_query(self, company, config, today):
        """(commercial partner, value) rows whose sum per customer is their qualifying
        value in ``company`` on ``today``."""
        year_ago = today - relativedelta(years=1)
        if config.basis == "points":
            # Earned points only: points spent or expired leave the card's balance, not
            # what the customer earned; the level bonus is not qualifying.
            return SQL(
                """
                SELECT partner.commercial_partner_id,
                       history.issued - COALESCE(history.membership_bonus, 0)
                  FROM loyalty_history history
                  JOIN loyalty_card card ON card.id = history.card_id
                  JOIN res_partner partner ON partner.id = card.partner_id
                 WHERE card.program_id = %(program)s AND history.issued > 0
                   AND history.create_date >= %(since)s
                   AND history.create_date < %(until)s
                """,
                program=config.program_id.id, since=year_ago + relativedelta(days=1),
                until=today + relativedelta(days=1),
            )
        return SQL(
            """
            SELECT commercial_partner_id, amount FROM customer_purchase_day
             WHERE company_id = %(company)s AND date > %(since)s AND date <= %(today)s
            """,
            company=company.id, since=year_ago, today=today,
        )

    def _apply_pricelists(self, company):
        """Customers who changed level get the new level's pricelist in ``company`` (they and
        their contacts, as Odoo syncs the pricelist within a commercial entity); a pricelist
        the old level had set is removed when the new level has none, one set by hand stays.
        """
        key = str(company.id)
        self.env.cr.execute(SQL(
            """
            WITH changes AS (
                SELECT e.partner_id, old.pricelist_id AS old_pricelist,
                       new.pricelist_id AS new_pricelist
                  FROM customer_membership_eval e
                  LEFT JOIN customer_membership_level old ON old.id = e.old_level_id
                  LEFT JOIN customer_membership_level new ON new.id = e.new_level_id
                 WHERE e.new_rank <> e.current_rank
                   AND (old.pricelist_id IS NOT NULL OR new.pricelist_id IS NOT NULL)
            )
            UPDATE res_partner partner
               SET specific_property_product_pricelist = CASE
                   WHEN changes.new_pricelist IS NOT NULL
                   THEN COALESCE(partner.specific_property_product_pricelist, '{}'::jsonb)
                        || jsonb_build_object(%(key)s, changes.new_pricelist)
                   ELSE partner.specific_property_product_pricelist - %(key)s END
              FROM changes
             WHERE partner.commercial_partner_id = changes.partner_id
               AND (changes.new_pricelist IS NOT NULL
                    OR (partner.specific_property_product_pricelist ->> %(key)s)::int
                       = changes.old_pricelist)
            """,
            key=key,
        ))

    def _send_promotion_emails(self, config, history_ids):
        """Queue the promotion e-mail to the promoted customers who have an address."""
        template = config.promotion_template_id
        if not template or not history_ids:
            return
        promoted = self.env["customer.membership.level.history"].browse(history_ids).filtered(
            lambda history: history.partner_id.email
        )
        for batch in self.env.cr.split_for_in_conditions(promoted.ids, size=500):
            template.send_mail_batch(list(batch))
