from odoo import models
from odoo.tools import SQL

from ..models.customer_churn_warning import OPEN_STATES


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_foreign_keys(self, src_partners, dst_partner):
        """Scores and churn warnings of merged contacts, before the wizard moves them.

        A customer has one current score and one open churn warning per company. The merged
        contacts' scores are dropped: the next run scores the destination on its merged
        history (the nightly one evaluates every customer). Of the open warnings of one
        company, one is kept (one with win-back actions, else the destination's, else the
        oldest); the others give it their win-back actions and are deleted.
        """
        merged = src_partners | dst_partner
        self.env.flush_all()
        duplicate_ids = [row[0] for row in self.env.execute_query(SQL(
            """
            WITH ranked AS (
                SELECT warning.id,
                       FIRST_VALUE(warning.id) OVER same_company AS kept_id,
                       ROW_NUMBER() OVER same_company AS rank
                  FROM customer_churn_warning warning
                 WHERE warning.partner_id = ANY(%(merged)s) AND warning.state IN %(open)s
                WINDOW same_company AS (
                    PARTITION BY warning.company_id
                    ORDER BY EXISTS (SELECT 1 FROM customer_winback_action action
                                      WHERE action.warning_id = warning.id) DESC,
                             warning.partner_id <> %(dst)s, warning.date_detected, warning.id)
            ), moved AS (
                UPDATE customer_winback_action action
                   SET warning_id = ranked.kept_id
                  FROM ranked
                 WHERE ranked.id = action.warning_id AND ranked.rank > 1
            )
            SELECT id FROM ranked WHERE rank > 1
            """,
            merged=merged.ids, open=OPEN_STATES, dst=dst_partner.id,
        ))]
        self.env.invalidate_all()
        # Through the ORM: their messages, followers and activities go with them.
        self.env["customer.churn.warning"].sudo().browse(duplicate_ids).unlink()
        self.env.cr.execute(SQL(
            "DELETE FROM customer_rfm_score WHERE partner_id = ANY(%s)", src_partners.ids
        ))
        self.env["customer.rfm.score"].invalidate_model()
        return super()._update_foreign_keys(src_partners, dst_partner)
