from odoo import fields, models
from odoo.tools import SQL

from .customer_feedback import CHANNELS, FEEDBACK_TYPES, SATISFACTION, STATES


class CustomerFeedbackReport(models.Model):
    """Satisfaction analysis: one row per feedback, with measures that are NULL when they do
    not apply, so that averages only count the feedback they concern.

    ``nps`` is 100 for a promoter (9-10), 0 for a passive (7-8) and -100 for a detractor
    (0-6): its average over any group is that group's Net Promoter Score
    (% promoters - % detractors). ``csat`` is the 1-5 score, ``satisfaction_score`` the 0-100
    score of scored feedback.
    """

    _name = "customer.feedback.report"
    _description = "Satisfaction Analysis"
    _auto = False
    _rec_name = "feedback_id"
    _order = "feedback_date desc, id desc"
    _depends = {
        "customer.feedback": [
            "feedback_type", "channel", "feedback_date", "partner_id", "commercial_partner_id",
            "company_id", "product_id", "product_categ_id", "satisfaction", "state",
            "user_id", "team_id", "csat_score", "nps_score", "is_scored",
            "satisfaction_score", "acknowledged_date", "resolved_date",
        ],
        "res.partner": ["value_tier", "user_id"],
    }

    feedback_id = fields.Many2one("customer.feedback", readonly=True)
    feedback_date = fields.Datetime(string="Received", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    feedback_type = fields.Selection(FEEDBACK_TYPES, string="Type", readonly=True)
    channel = fields.Selection(CHANNELS, readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    product_categ_id = fields.Many2one("product.category", string="Product Line", readonly=True)
    value_tier = fields.Selection(
        lambda self: self.env["res.partner"]._fields["value_tier"].selection, readonly=True
    )
    satisfaction = fields.Selection(SATISFACTION, readonly=True)
    state = fields.Selection(STATES, string="Stage", readonly=True)
    user_id = fields.Many2one("res.users", string="Responsible", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)

    csat = fields.Float(string="CSAT", readonly=True, aggregator="avg",
                        help="Average CSAT (1-5) of the feedback with a CSAT score.")
    nps = fields.Float(
        string="NPS", readonly=True, aggregator="avg",
        help="Net Promoter Score: % promoters (9-10) - % detractors (0-6) among the feedback "
        "with an NPS score, from -100 to 100.",
    )
    satisfaction_score = fields.Float(
        readonly=True, aggregator="avg", help="Average 0-100 satisfaction of scored feedback."
    )
    promoter = fields.Integer(string="Promoters", readonly=True, aggregator="sum")
    detractor = fields.Integer(string="Detractors", readonly=True, aggregator="sum")
    nps_respondent = fields.Integer(string="NPS Responses", readonly=True, aggregator="sum")
    csat_respondent = fields.Integer(string="CSAT Responses", readonly=True, aggregator="sum")
    complaint = fields.Integer(string="Complaints", readonly=True, aggregator="sum")
    hours_to_acknowledge = fields.Float(
        string="Hours to Acknowledge", readonly=True, aggregator="avg",
        help="Clock hours from reception to acknowledgement; empty while not acknowledged.",
    )
    hours_to_resolve = fields.Float(
        string="Hours to Resolve", readonly=True, aggregator="avg",
        help="Clock hours from reception to resolution; empty while not resolved.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT fb.id AS id,
                   fb.id AS feedback_id,
                   fb.feedback_date AS feedback_date,
                   fb.company_id AS company_id,
                   fb.commercial_partner_id AS partner_id,
                   fb.feedback_type AS feedback_type,
                   fb.channel AS channel,
                   fb.product_id AS product_id,
                   fb.product_categ_id AS product_categ_id,
                   customer.value_tier AS value_tier,
                   fb.satisfaction AS satisfaction,
                   fb.state AS state,
                   fb.user_id AS user_id,
                   fb.team_id AS team_id,
                   fb.csat_score::float AS csat,
                   CASE WHEN fb.nps_score IS NULL THEN NULL
                        WHEN fb.nps_score::int >= 9 THEN 100.0
                        WHEN fb.nps_score::int >= 7 THEN 0.0
                        ELSE -100.0 END AS nps,
                   CASE WHEN fb.is_scored THEN fb.satisfaction_score END AS satisfaction_score,
                   (fb.nps_score IS NOT NULL AND fb.nps_score::int >= 9)::int AS promoter,
                   (fb.nps_score IS NOT NULL AND fb.nps_score::int <= 6)::int AS detractor,
                   (fb.nps_score IS NOT NULL)::int AS nps_respondent,
                   (fb.csat_score IS NOT NULL)::int AS csat_respondent,
                   (fb.feedback_type = 'complaint')::int AS complaint,
                   EXTRACT(EPOCH FROM fb.acknowledged_date - fb.feedback_date) / 3600.0
                       AS hours_to_acknowledge,
                   EXTRACT(EPOCH FROM fb.resolved_date - fb.feedback_date) / 3600.0
                       AS hours_to_resolve
              FROM %(feedback)s fb
              LEFT JOIN %(partner)s customer ON customer.id = fb.commercial_partner_id
            """,
            feedback=SQL.identifier(self.env["customer.feedback"]._table),
            partner=SQL.identifier(self.env["res.partner"]._table),
        )

    def action_open_feedback(self):
        self.ensure_one()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "res_model": "customer.feedback",
            "res_id": self.feedback_id.id,
            "views": [(False, "form")],
        }
