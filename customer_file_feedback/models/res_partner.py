from odoo import fields, models
from odoo.tools import SQL

from odoo.addons.customer_file.tools.access import check_group

from .customer_feedback import OPEN_STATES

# A last score within this many points of the earlier average is "stable".
TREND_TOLERANCE = 5.0


class ResPartner(models.Model):
    _inherit = "res.partner"

    feedback_count = fields.Integer(
        string="Feedback", compute="_compute_feedback_stats",
        groups="customer_file.group_customer_file_user",
    )
    open_complaint_count = fields.Integer(
        string="Open Complaints", compute="_compute_feedback_stats",
        groups="customer_file.group_customer_file_user",
    )
    satisfaction_last = fields.Float(
        string="Last Satisfaction", compute="_compute_feedback_stats", digits=(16, 1),
        groups="customer_file.group_customer_file_user",
        help="0-100 satisfaction of the customer's latest scored feedback.",
    )
    satisfaction_average = fields.Float(
        string="Average Satisfaction", compute="_compute_feedback_stats", digits=(16, 1),
        groups="customer_file.group_customer_file_user",
        help="Average 0-100 satisfaction of all the customer's scored feedback.",
    )
    satisfaction_response_count = fields.Integer(
        string="Scored Feedback", compute="_compute_feedback_stats",
        groups="customer_file.group_customer_file_user",
    )
    satisfaction_trend = fields.Selection(
        [("up", "Improving"), ("stable", "Stable"), ("down", "Declining"),
         ("none", "Not enough data")],
        compute="_compute_feedback_stats",
        groups="customer_file.group_customer_file_user",
        help="The latest score against the average of the earlier ones: more than 5 points "
        "higher is improving, more than 5 points lower is declining.",
    )

    def _compute_feedback_stats(self):
        """Feedback figures of each partner's commercial entity, in one query for all."""
        commercial_ids = list({partner.commercial_partner_id.id for partner in self
                               if partner.commercial_partner_id.id})
        stats = {}
        if commercial_ids:
            feedback = self.env["customer.feedback"]
            feedback.flush_model([
                "commercial_partner_id", "company_id", "feedback_type", "state", "is_scored",
                "satisfaction_score", "feedback_date",
            ])
            rows = self.env.execute_query(SQL(
                """
                SELECT commercial_partner_id,
                       COUNT(*),
                       COUNT(*) FILTER (WHERE feedback_type = 'complaint'
                                          AND state IN %(open_states)s),
                       COUNT(*) FILTER (WHERE is_scored),
                       AVG(satisfaction_score) FILTER (WHERE is_scored),
                       SUM(satisfaction_score) FILTER (WHERE is_scored),
                       (ARRAY_AGG(satisfaction_score ORDER BY feedback_date DESC, id DESC)
                            FILTER (WHERE is_scored))[1]
                  FROM %(table)s
                 WHERE commercial_partner_id = ANY(%(partner_ids)s)
                   AND company_id = ANY(%(company_ids)s)
                 GROUP BY commercial_partner_id
                """,
                open_states=OPEN_STATES,
                table=SQL.identifier(feedback._table),
                partner_ids=commercial_ids,
                company_ids=self.env.companies.ids,
            ))
            stats = {row[0]: row[1:] for row in rows}
        for partner in self:
            count, open_complaints, scored, average, total, last = stats.get(
                partner.commercial_partner_id.id, (0, 0, 0, None, None, None)
            )
            partner.feedback_count = count
            partner.open_complaint_count = open_complaints
            partner.satisfaction_response_count = scored
            partner.satisfaction_last = last or 0.0
            partner.satisfaction_average = average or 0.0
            if scored < 2:
                partner.satisfaction_trend = "none"
                continue
            earlier = (total - last) / (scored - 1)
            if last > earlier + TREND_TOLERANCE:
                partner.satisfaction_trend = "up"
            elif last < earlier - TREND_TOLERANCE:
                partner.satisfaction_trend = "down"
            else:
                partner.satisfaction_trend = "stable"

    def action_open_feedback(self):
        self.ensure_one()
        check_group(self.env, "customer_file.group_customer_file_user")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_file_feedback.action_customer_feedback"
        )
        action.update(
            name=self.env._("Feedback of %s", self.commercial_partner_id.display_name),
            domain=[("commercial_partner_id", "=", self.commercial_partner_id.id)],
            context={"default_partner_id": self.id},
        )
        return action
