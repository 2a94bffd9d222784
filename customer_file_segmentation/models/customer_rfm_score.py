from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.customer_file.tools.access import check_group

from .customer_churn_warning import RESCORE_MIN_MOVE
from .customer_rfm_config import LIFECYCLE_STAGES

# The scores of each axis of the R × FM map.
GRID_SCORES = (1, 2, 3, 4, 5)
VALUE_TIERS = [("high", "High value"), ("medium", "Medium value"), ("low", "Low value")]
# (column of customer.rfm.score, value from customer_rfm_scored / customer_churn_scored)
SCORE_COLUMNS = (
    ("first_purchase_date", "scored.first_date"),
    ("last_purchase_date", "scored.last_date"),
    ("frequency", "scored.frequency"),
    ("monetary", "scored.monetary"),
    ("r_score", "scored.r"),
    ("f_score", "scored.f"),
    ("m_score", "scored.m"),
    ("fm_score", "scored.fm"),
    ("rfm_code", "scored.r::text || scored.f::text || scored.m::text"),
    # Rounded in double precision (see the fields below): a value that moved less
    # than its last decimal shown is not rewritten.
    ("weighted_score", "ROUND(scored.weighted * 100) / 100"),
    ("segment_id", "scored.segment_id"),
    ("value_tier", "scored.tier"),
    ("lifecycle_stage", "scored.lifecycle_stage"),
    ("purchase_rhythm_days", "ROUND(scored.rhythm * 10) / 10"),
    ("probability_alive", "ROUND(scored.probability_alive * 1000) / 1000"),
    ("expected_purchases_90d", "ROUND(scored.expected_90 * 1000) / 1000"),
    ("expected_order_value", "ROUND(scored.order_value * 100) / 100"),
    ("clv_12m", "ROUND(scored.clv * 100) / 100"),
    # Churned customers are past the point a probability is needed: 100.
    ("churn_score", "COALESCE(churn.score,"
                    " CASE WHEN scored.lifecycle_stage = 'churned' THEN 100 ELSE 0 END)"),
)
# Values whose change is remembered as the customer's movement.
TRACKED_COLUMNS = (
    ("segment_id", "previous_segment_id"),
    ("value_tier", "previous_value_tier"),
    ("lifecycle_stage", "previous_lifecycle_stage"),
)


class CustomerRfmScore(models.Model):
    """The current scores of one customer in one company, written by scoring runs."""

    _name = "customer.rfm.score"
    _description = "Customer RFM Score"
    _inherit = ["customer.file.record"]
    _order = "weighted_score desc, id"
    _rec_name = "partner_id"
    # Written only by the runs, a million rows at a time: ``score_date`` says when they
    # changed, and the foreign keys of the creating and writing user were checked on every
    # inserted row.
    _log_access = False

    # The unique (partner, company) index serves both; fewer indexes keep the nightly
    # rewrite of a million rows cheap.
    partner_id = fields.Many2one(readonly=True, index=False)
    company_id = fields.Many2one(readonly=True, index=False)
    currency_id = fields.Many2one(related="company_id.currency_id")
    score_date = fields.Date(
        string="Changed On", readonly=True,
        help="The last run that changed these scores, stage or predictions.",
    )
    first_purchase_date = fields.Date(readonly=True)
    last_purchase_date = fields.Date(readonly=True)
    recency_days = fields.Integer(string="Recency (days)", compute="_compute_recency_days")
    frequency = fields.Integer(string="Frequency (orders)", readonly=True, aggregator="avg")
    monetary = fields.Monetary(readonly=True, currency_field="currency_id")
    r_score = fields.Integer(string="R", readonly=True, aggregator="avg")
    f_score = fields.Integer(string="F", readonly=True, aggregator="avg")
    m_score = fields.Integer(string="M", readonly=True, aggregator="avg")
    fm_score = fields.Integer(string="FM", readonly=True, aggregator="avg")
    rfm_code = fields.Char(string="RFM", readonly=True)
    # The scores and predictions below are double precision (no ``digits``: the views set
    # the decimals shown). Every run compares a million computed values with the stored
    # ones, and converting a float to numeric for that costs more than the whole comparison.
    weighted_score = fields.Float(readonly=True, aggregator="avg")
    segment_id = fields.Many2one("customer.rfm.segment", readonly=True, ondelete="set null")
    previous_segment_id = fields.Many2one("customer.rfm.segment", readonly=True,
                                          ondelete="set null")
    segment_changed_date = fields.Date(readonly=True)
    segment_movement = fields.Char(compute="_compute_segment_movement")
    value_tier = fields.Selection(VALUE_TIERS, readonly=True)
    previous_value_tier = fields.Selection(VALUE_TIERS, readonly=True)
    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES, readonly=True)
    previous_lifecycle_stage = fields.Selection(LIFECYCLE_STAGES, readonly=True)
    purchase_rhythm_days = fields.Float(
        string="Own Rhythm (days)", readonly=True, aggregator="avg",
        help="Average days between the customer's purchase days.",
    )
    probability_alive = fields.Float(
        readonly=True, aggregator="avg",
        help="BG/NBD probability that the customer is still buying; empty for one-time buyers, "
        "who are judged by rules.",
    )
    expected_purchases_90d = fields.Float(string="Expected Purchases (90 days)", readonly=True)
    # Estimates, not booked amounts: shown in the company's currency by the views.
    expected_order_value = fields.Float(readonly=True)
    clv_12m = fields.Float(string="CLV (12 months)", readonly=True)
    churn_score = fields.Integer(readonly=True, aggregator="avg")

    _partner_company_unique = models.UniqueIndex(
        "(partner_id, company_id)", "A customer has one current score per company."
    )

    @api.depends("last_purchase_date")
    def _compute_recency_days(self):
        today = fields.Date.context_today(self)
        for score in self:
            score.recency_days = (today - score.last_purchase_date).days \
                if score.last_purchase_date else 0

    def init(self):
        # Room on every page for the rewritten version of each row (HOT updates).
        self.env.cr.execute(SQL("ALTER TABLE customer_rfm_score SET (fillfactor = 50)"))

    @api.depends("segment_id", "previous_segment_id")
    def _compute_segment_movement(self):
        for score in self:
            previous, current = score.previous_segment_id, score.segment_id
            if previous and current and previous != current:
                score.segment_movement = f"{previous.name} → {current.name}"
            else:
                score.segment_movement = current.name or ""

    @api.model
    @api.readonly
    def get_rfm_map(self):
        """The R × FM map of the current company as the user sees it (record rules apply):
        one row per recency score from 5 down to 1, each with its five cells from FM 1 to 5,
        and per cell the customers counted, their share of all the customers on the map, the
        sum of their spend over the scoring window (``monetary``) and the segment the cell
        belongs to, with its colour. One grouped query for the whole map."""
        check_group(self.env, "customer_file.group_customer_file_user")
        company = self.env.company
        currency = company.currency_id
        groups = {
            (r_score, fm_score): (count, spend or 0.0)
            for r_score, fm_score, count, spend in self._read_group(
                [("company_id", "=", company.id), ("r_score", "in", list(GRID_SCORES)),
                 ("fm_score", "in", list(GRID_SCORES))],
                ["r_score", "fm_score"], ["__count", "monetary:sum"],
            )
        }
        total_count = sum(count for count, _spend in groups.values())
        segments = self.env["customer.rfm.segment"].sudo().search([])
        segment_of = {(r_score, fm_score): segments.browse(segment_id)
                      for r_score, fm_score, segment_id in segments._cell_map()}
        segment_counts = dict.fromkeys(segments, 0)
        rows = []
        for r_score in reversed(GRID_SCORES):
            cells = []
            for fm_score in GRID_SCORES:
                count, spend = groups.get((r_score, fm_score), (0, 0.0))
                segment = segment_of.get((r_score, fm_score))
                if segment:
                    segment_counts[segment] += count
                cells.append({
                    "r": r_score,
                    "fm": fm_score,
                    "count": count,
                    "share": count / total_count if total_count else 0.0,
                    "spend": currency.round(spend),
                    "segment_id": segment.id if segment else False,
                    "segment": segment.name if segment else "",
                    "color": segment.color if segment else False,
                })
            rows.append({"r": r_score, "cells": cells})
        return {
            "company_id": company.id,
            "currency_id": currency.id,
            "customer_count": total_count,
            "spend": currency.round(sum(spend for _count, spend in groups.values())),
            "rows": rows,
            "segments": [
                {"id": segment.id, "name": segment.name, "color": segment.color,
                 "count": count}
                for segment, count in segment_counts.items()
            ],
            # The customers of a cell open in the customer file's own list.
            "customer_list_view_id":
                self.env.ref("customer_file.res_partner_view_list_customer_file").id,
        }

    # ------------------------------------------------------------------ written by runs

    @api.model
    def _store_scores(self, config, run, every_customer):
        """Write the current scores of the customers of ``customer_rfm_scored`` (with their
        churn score from ``customer_churn_scored``) as of ``run``; return the partners whose
        row was deleted (when ``every_customer``: those who no longer qualify).

        ``customer_rfm_new`` holds the rows to write: customers whose values differ from
        their stored row (with the old values the movement and the snapshot need), new
        customers (no ``score_id``) and, when every customer was evaluated, the stored rows
        of customers who no longer qualify (``stale``). Most customers change nothing on
        most days and never leave the comparison; the table's fill factor keeps room on
        each page so a rewritten row stays on its page. The churn score alone rewrites a
        row only when it moves by ``RESCORE_MIN_MOVE`` points or more, as it does an open
        warning, in runs over every customer: a day or a refit nudges most probabilities
        by a point or two. A row rewritten for another value, and the rows of a run over
        selected customers, take the current one.

        ``customer_rfm_new`` stays for the next steps of the run (``res.partner``'s
        mirror, the snapshot): ``partner_id``, ``score_id``, ``stale``, the new values
        (one column per ``SCORE_COLUMNS``), ``old_segment_id``, ``old_value_tier``,
        ``old_lifecycle_stage``, ``old_monetary`` and ``old_clv_12m``.
        """
        company_id = config.company_id.id
        columns = [column for column, _value in SCORE_COLUMNS]
        compared = [column for column in columns if column != "churn_score"]

        def listed(alias, names):
            return SQL(", ").join(SQL("%s.%s", SQL.identifier(alias), SQL.identifier(name))
                                  for name in names)

        self.env.cr.execute(SQL(
            """
            DROP TABLE IF EXISTS customer_rfm_new;
            CREATE TEMP TABLE customer_rfm_new ON COMMIT DROP AS
            SELECT COALESCE(new.partner_id, score.partner_id) AS partner_id,
                   score.id AS score_id, new.partner_id IS NULL AS stale,
                   %(incoming)s,
                   %(old)s,
                   score.monetary AS old_monetary, score.clv_12m AS old_clv_12m
              FROM (SELECT scored.partner_id AS new_partner_id, %(values)s
                      FROM customer_rfm_scored scored
                      LEFT JOIN customer_churn_scored churn
                        ON churn.partner_id = scored.partner_id) new(partner_id, %(names)s)
              %(join)s (SELECT * FROM customer_rfm_score WHERE company_id = %(company)s) score
                ON score.partner_id = new.partner_id
             WHERE (%(current)s) IS DISTINCT FROM (%(compared)s)
                OR (score.churn_score IS NULL) <> (new.churn_score IS NULL)
                OR abs(score.churn_score - new.churn_score) >= %(min_move)s;
            ANALYZE customer_rfm_new;
            """,
            old=SQL(", ").join(
                SQL("score.%s AS %s", SQL.identifier(column), SQL.identifier(f"old_{column}"))
                for column, _previous in TRACKED_COLUMNS
            ),
            current=listed("score", compared),
            compared=listed("new", compared),
            incoming=listed("new", columns),
            min_move=RESCORE_MIN_MOVE if every_customer else 1,
            values=SQL(", ").join(SQL(value) for _column, value in SCORE_COLUMNS),
            names=SQL(", ").join(SQL.identifier(column) for column in columns),
            join=SQL("FULL JOIN") if every_customer else SQL("LEFT JOIN"),
            company=company_id,
        ))
        pruned = [row[0] for row in self.env.execute_query(SQL(
            """
            DELETE FROM customer_rfm_score score
             USING customer_rfm_new new
             WHERE new.stale AND score.id = new.score_id
            RETURNING score.partner_id
            """
        ))]
        self.env.cr.execute(SQL(
            """
            UPDATE customer_rfm_score score
               SET %(updates)s, %(previous)s,
                   score_date = %(today)s,
                   segment_changed_date = CASE
                       WHEN new.old_segment_id IS DISTINCT FROM new.segment_id
                       THEN %(today)s ELSE score.segment_changed_date END
              FROM customer_rfm_new new
             WHERE score.id = new.score_id AND NOT new.stale
            """,
            updates=SQL(", ").join(
                SQL("%s = new.%s", SQL.identifier(column), SQL.identifier(column))
                for column in columns
            ),
            previous=SQL(", ").join(
                SQL("%(previous)s = CASE WHEN new.%(old)s IS DISTINCT FROM new.%(column)s"
                    " THEN new.%(old)s ELSE score.%(previous)s END",
                    previous=SQL.identifier(previous), old=SQL.identifier(f"old_{column}"),
                    column=SQL.identifier(column))
                for column, previous in TRACKED_COLUMNS
            ),
            today=run.run_date,
        ))
        self.env.cr.execute(SQL(
            """
            INSERT INTO customer_rfm_score (
                partner_id, commercial_partner_id, company_id, score_date,
                segment_changed_date, %(columns)s)
            SELECT new.partner_id, new.partner_id, %(company)s, %(today)s, %(today)s,
                   %(values)s
              FROM customer_rfm_new new
             WHERE new.score_id IS NULL
            """,
            columns=SQL(", ").join(SQL.identifier(column) for column in columns),
            values=listed("new", columns),
            company=company_id,
            today=run.run_date,
        ))
        self.invalidate_model()
        return pruned
