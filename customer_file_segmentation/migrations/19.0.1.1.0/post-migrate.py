"""Indexes and columns that earlier versions created and 19.0.1.1.0 no longer uses.

Odoo keeps an index when a field stops asking for it: on the score table every index makes
each run's rewrite of changed rows dearer, so the ones nothing reads any more are dropped.
The warnings' evaluation date is now derived from the runs instead of written per warning.
"""

from odoo.tools import SQL


def migrate(cr, version):
    cr.execute(SQL(
        """
        DROP INDEX IF EXISTS customer_rfm_score__partner_id_index,
                             customer_rfm_score__company_id_index,
                             customer_rfm_score__segment_id_index,
                             customer_rfm_score__value_tier_index,
                             customer_rfm_score__lifecycle_stage_index;
        ALTER TABLE customer_churn_warning DROP COLUMN IF EXISTS last_evaluation_date;
        """
    ))
