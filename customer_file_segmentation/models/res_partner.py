from odoo import api, fields, models

from odoo.addons.customer_file.tools.access import check_group

from .customer_rfm_config import LIFECYCLE_STAGES

CUSTOMER_FILE_USER = "customer_file.group_customer_file_user"


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

    @api.model
    def _job_fields(self):
        return super()._job_fields() | {"rfm_segment_id", "lifecycle_stage"}

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
    def _refresh_purchase_aggregates(self, partner_ids):
        result = super()._refresh_purchase_aggregates(partner_ids)
        # A purchase after a churn warning wins the customer back.
        self.env["customer.churn.warning"]._close_won_back(
            partner_ids=[pid for pid in partner_ids if pid]
        )
        return result
