"""19.0.1.2.0 stores the scores, predictions and signal values in double precision.

Odoo converts those columns itself when the module is updated (their values, rounded numbers,
convert exactly). What it leaves behind is dropped here: the recency column of the version
that stored the recency (computed from the last purchase date since: every run rewrote it for
nothing), and the log columns of the churn signals, which the runs alone write.
"""

from odoo.tools import SQL


def migrate(cr, version):
    cr.execute(SQL(
        """
        ALTER TABLE customer_rfm_score DROP COLUMN IF EXISTS recency_days;
        ALTER TABLE customer_churn_signal DROP COLUMN IF EXISTS create_uid,
                                          DROP COLUMN IF EXISTS create_date,
                                          DROP COLUMN IF EXISTS write_uid,
                                          DROP COLUMN IF EXISTS write_date;
        """
    ))
