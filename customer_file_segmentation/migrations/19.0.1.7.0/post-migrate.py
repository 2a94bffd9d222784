"""19.0.1.7.0: a churn model may learn over a shorter window than its horizon when the
history is short (``label_days``); the models trained before learned over their horizon.
Their "expected purchases" feature was BG/NBD's expectation within the horizon, now within
90 days: the same for the default horizon; other horizons read it until the weekly refit.
"""


def migrate(cr, version):
    cr.execute("UPDATE customer_churn_model SET label_days = horizon_days WHERE label_days IS NULL")
