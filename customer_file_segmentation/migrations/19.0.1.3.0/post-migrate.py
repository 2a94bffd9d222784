"""19.0.1.3.0 keeps the scores without log columns and the signals of a churn warning with
the run that changed its score or the signals that fired (``signal_key``).

The log columns of the scores are dropped: the runs alone write them, ``score_date`` says
when, and their foreign keys were checked on every inserted row. The open warnings have no
``signal_key`` yet: the first run measures their signals again and fills it. The segment
and lifecycle stage of partners are no longer indexed (Odoo keeps an index a field no
longer asks for): fewer indexes to update when the runs rewrite them.
"""

from odoo.tools import SQL


def migrate(cr, version):
    cr.execute(SQL(
        """
        ALTER TABLE customer_rfm_score DROP COLUMN IF EXISTS create_uid,
                                       DROP COLUMN IF EXISTS create_date,
                                       DROP COLUMN IF EXISTS write_uid,
                                       DROP COLUMN IF EXISTS write_date;
        DROP INDEX IF EXISTS res_partner__rfm_segment_id_index;
        DROP INDEX IF EXISTS res_partner__lifecycle_stage_index;
        """
    ))
