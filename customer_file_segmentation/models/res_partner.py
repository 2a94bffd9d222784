from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.customer_file.tools.access import check_group

from .customer_rfm_config import LIFECYCLE_STAGES

CUSTOMER_FILE_USER = "customer_file.group_customer_file_user"
# Reasons of the open churn warning shown at a glance on the customer.
TOP_CHURN_REASONS = 3


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Segment and stage are not indexed, like the value tier (see customer_file): few values,
    # each a large share of the customers, and fewer indexes to update when runs rewrite them.
    rfm_segment_id = fields.Many2one(
        "customer.rfm.segment", string="RFM Segment", readonly=True, ondelete="set null",
        groups=CUSTOMER_FILE_USER,
        help="The segment in the company where the customer spends most.",
    )
    lifecycle_stage = fields.Selection(LIFECYCLE_STAGES, readonly=True,
                                       groups=CUSTOMER_FILE_USER)
    rfm_score_ids = fields.One2many("customer.rfm.score", "partner_id", string="RFM Scores",
                                    groups=CUSTOMER_FILE_USER)
    rfm_score_id = fields.Many2one(
        "customer.rfm.score", string="Current Scores", compute="_compute_rfm_score_id",
        groups=CUSTOMER_FILE_USER,
        help="The scores in the current company.",
    )
    churn_warning_ids = fields.One2many("customer.churn.warning", "partner_id",
                                        string="Churn Warnings", groups=CUSTOMER_FILE_USER)
    churn_warning_count = fields.Integer(compute="_compute_churn_warning_count",
                                         groups=CUSTOMER_FILE_USER)
    open_churn_warning_id = fields.Many2one("customer.churn.warning",
                                            compute="_compute_churn_warning_count",
                                            groups=CUSTOMER_FILE_USER)
    # Shown at a glance on the customer's form.
    rfm_segment_color = fields.Integer(related="rfm_segment_id.color", string="RFM Segment Color",
                                       groups=CUSTOMER_FILE_USER)
    churn_probability = fields.Integer(
        string="Churn Probability (%)", compute="_compute_churn_probability",
        search="_search_churn_probability", groups=CUSTOMER_FILE_USER,
        help="The probability that the customer buys nothing within the churn horizon, from "
        "the scores in the current company.",
    )
    churn_top_reasons = fields.Char(
        string="Strongest Churn Reasons", compute="_compute_churn_top_reasons",
        groups=CUSTOMER_FILE_USER,
        help="The reasons of the open churn warning in the current company that add the most "
        "to its probability, strongest first.",
    )

    # Scoring runs leave archived customers out: a partial index finds the few of them
    # without reading every partner.
    _archived_index = models.Index("(id) WHERE NOT active")

    def _compute_rfm_score_id(self):
        scores = self.env["customer.rfm.score"].search([
            ("partner_id", "in", self.commercial_partner_id.ids),
            ("company_id", "=", self.env.company.id),
        ])
        by_partner = {score.partner_id: score for score in scores}
        for partner in self:
            partner.rfm_score_id = by_partner.get(partner.commercial_partner_id, False)

    def _compute_churn_warning_count(self):
        Warning = self.env["customer.churn.warning"]
        counts = dict(Warning._read_group(
            [("partner_id", "in", self.commercial_partner_id.ids)], ["partner_id"], ["__count"]
        ))
        open_warnings = {
            warning.partner_id: warning
            for warning in Warning.search([
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("state", "in", ["new", "in_progress"]),
                ("company_id", "=", self.env.company.id),
            ])
        }
        for partner in self:
            partner.churn_warning_count = counts.get(partner.commercial_partner_id, 0)
            partner.open_churn_warning_id = open_warnings.get(partner.commercial_partner_id,
                                                              False)

    @api.depends_context("company")
    def _compute_churn_probability(self):
        for partner in self:
            partner.churn_probability = partner.rfm_score_id.churn_score

    def _search_churn_probability(self, operator, value):
        return [("rfm_score_ids", "any", [("company_id", "=", self.env.company.id),
                                          ("churn_score", operator, value)])]

    @api.depends_context("company")
    def _compute_churn_top_reasons(self):
        warnings = self.open_churn_warning_id
        reasons = defaultdict(list)
        for signal in self.env["customer.churn.signal"].search_fetch(
            [("warning_id", "in", warnings.ids), ("points", ">", 0)],
            ["warning_id", "type_id", "value", "points"],
            order="points desc, id",
        ):
            if len(reasons[signal.warning_id]) < TOP_CHURN_REASONS:
                reasons[signal.warning_id].append(
                    f"{signal.type_id.name} {signal.value_display}"
                )
        for partner in self:
            partner.churn_top_reasons = ", ".join(reasons[partner.open_churn_warning_id])

    @api.model
    def _job_fields(self):
        # With the values computed from the scores and warnings: writing them would do
        # nothing (or, through the related colour, recolour the segment).
        return super()._job_fields() | {
            "rfm_segment_id", "lifecycle_stage", "rfm_score_id", "churn_warning_count",
            "open_churn_warning_id", "rfm_segment_color", "churn_probability",
            "churn_top_reasons",
        }

    def action_open_churn_warnings(self):
        self.ensure_one()
        check_group(self.env, CUSTOMER_FILE_USER)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_file_segmentation.action_customer_churn_warning"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_recompute_rfm(self):
        """Rescore these customers now, against the limits of the last full run."""
        self._score_selected("incremental")

    def action_evaluate_churn(self):
        """Evaluate the churn risk of these customers now."""
        self._score_selected("churn")

    def _score_selected(self, mode):
        check_group(self.env, "customer_file.group_customer_file_officer")
        self.check_access("read")
        partner_ids = self.commercial_partner_id.ids
        for company in self.env.companies:
            self.env["customer.rfm.run"]._run_company(company, mode, partner_ids)

    @api.model
    def _update_from_scores(self, config, pruned_partner_ids, every_customer):
        """Mirror each customer's main score (the company where they spend most) on the
        partners whose scores changed (``customer_rfm_new``, see
        ``customer.rfm.score._store_scores``), touching only rows whose values change.
        After a run over every customer, partners left without any score become prospects
        (customers) or nothing."""
        moved = SQL(
            "score_id IS NULL OR (old_segment_id, old_value_tier, old_lifecycle_stage)"
            " IS DISTINCT FROM (segment_id, value_tier, lifecycle_stage)"
        )
        if self.env["customer.rfm.run"].sudo().search_count(
                [("company_id", "!=", config.company_id.id)], limit=1):
            # Spending decides the main company: a change of spend may change it.
            main = SQL(
                """
                SELECT DISTINCT ON (score.partner_id)
                       score.partner_id, score.value_tier, score.segment_id, score.lifecycle_stage
                  FROM customer_rfm_score score
                 WHERE score.partner_id IN (
                       SELECT partner_id FROM customer_rfm_new
                        WHERE NOT stale AND (%s OR old_monetary IS DISTINCT FROM monetary))
                 ORDER BY score.partner_id, score.monetary DESC, score.company_id
                """,
                moved,
            )
        else:
            # No other company was ever scored: this run's scores are the main ones.
            main = SQL(
                "SELECT partner_id, value_tier, segment_id, lifecycle_stage"
                "  FROM customer_rfm_new WHERE NOT stale AND (%s)",
                moved,
            )
        self.env.cr.execute(SQL(
            """
            UPDATE res_partner partner
               SET value_tier = main.value_tier,
                   rfm_segment_id = main.segment_id,
                   lifecycle_stage = main.lifecycle_stage
              FROM (%s) main
             WHERE partner.id = main.partner_id
               AND (partner.value_tier, partner.rfm_segment_id, partner.lifecycle_stage)
                   IS DISTINCT FROM (main.value_tier, main.segment_id, main.lifecycle_stage)
            """,
            main,
        ))
        if not every_customer:
            self.invalidate_model(["value_tier", "rfm_segment_id",
                                                      "lifecycle_stage"])
            return
        self.env.cr.execute(SQL(
            """
            UPDATE res_partner partner
               SET value_tier = NULL, rfm_segment_id = NULL,
                   lifecycle_stage = CASE WHEN partner.customer_rank > 0 THEN 'prospect' END
             WHERE (partner.id = ANY(%(pruned)s)
                    OR (partner.parent_id IS NULL AND partner.customer_rank > 0
                        AND partner.lifecycle_stage IS NULL))
               AND NOT EXISTS (SELECT 1 FROM customer_rfm_score score
                                WHERE score.partner_id = partner.id)
            """,
            pruned=pruned_partner_ids,
        ))
        self.invalidate_model(["value_tier", "rfm_segment_id",
                                                  "lifecycle_stage"])

    @api.model
    def _refresh_purchase_aggregates(self, partner_ids):
        result = super()._refresh_purchase_aggregates(partner_ids)
        # A purchase after a churn warning wins the customer back.
        self.env["customer.churn.warning"]._close_won_back(
            partner_ids=[pid for pid in partner_ids if pid]
        )
        return result
