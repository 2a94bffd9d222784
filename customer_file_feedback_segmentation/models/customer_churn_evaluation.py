from odoo import api, models
from odoo.tools import SQL

from odoo.addons.customer_file_segmentation.tools.sql import float8

RECENT_DAYS = 90
PREVIOUS_DAYS = 365


class CustomerChurnEvaluation(models.AbstractModel):
    _inherit = "customer.churn.evaluation"

    @api.model
    def _churn_signal_queries(self, config, as_of):
        """Add two signals from customer feedback dated up to ``as_of``:

        - ``satisfaction_drop``: the average satisfaction score (0-100) of the customer's
          scored feedback of the last 90 days is at least the configured points below the
          average of the 365 days before; the value is the drop in points;
        - ``open_complaints``: complaints received by ``as_of`` and not resolved by then; the
          value is how many.
        """
        self.env["customer.feedback"].flush_model([
            "commercial_partner_id", "company_id", "feedback_date", "is_scored",
            "satisfaction_score", "feedback_type", "resolved_date",
        ])
        company_id = config.company_id.id
        return super()._churn_signal_queries(config, as_of) + [
            SQL(
                """
                SELECT scored.partner_id, 'satisfaction_drop',
                       AVG(feedback.satisfaction_score) FILTER (WHERE NOT feedback.recent)
                       - AVG(feedback.satisfaction_score) FILTER (WHERE feedback.recent)
                  FROM customer_rfm_scored scored
                  JOIN (SELECT commercial_partner_id, satisfaction_score,
                               feedback_date::date > %(as_of)s::date - %(recent)s AS recent
                          FROM customer_feedback
                         WHERE company_id = %(company)s AND is_scored
                           AND feedback_date::date <= %(as_of)s
                           AND feedback_date::date > %(as_of)s::date - %(recent)s - %(previous)s
                       ) feedback ON feedback.commercial_partner_id = scored.partner_id
                 WHERE scored.lifecycle_stage <> 'churned'
                 GROUP BY scored.partner_id
                HAVING AVG(feedback.satisfaction_score) FILTER (WHERE NOT feedback.recent)
                       - AVG(feedback.satisfaction_score) FILTER (WHERE feedback.recent)
                       >= %(drop)s
                """,
                as_of=as_of, recent=RECENT_DAYS, previous=PREVIOUS_DAYS, company=company_id,
                drop=float8(config.satisfaction_drop_points),
            ),
            SQL(
                """
                SELECT scored.partner_id, 'open_complaints', COUNT(*)::float
                  FROM customer_rfm_scored scored
                  JOIN customer_feedback complaint
                    ON complaint.commercial_partner_id = scored.partner_id
                 WHERE scored.lifecycle_stage <> 'churned'
                   AND complaint.company_id = %(company)s
                   AND complaint.feedback_type = 'complaint'
                   AND complaint.feedback_date::date <= %(as_of)s
                   AND (complaint.resolved_date IS NULL
                        OR complaint.resolved_date::date > %(as_of)s)
                 GROUP BY scored.partner_id
                """,
                as_of=as_of, company=company_id,
            ),
        ]
