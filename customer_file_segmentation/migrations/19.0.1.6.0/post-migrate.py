"""19.0.1.6.0: the churn score is a probability learned by a model (customer.churn.model).

- Incremental runs find changed purchase lines by creation time from ``changes_since``,
  not by id: existing runs start from when they started.
- The high-value signal type added fixed points; the model has no use for it: archived.
- Existing warnings, their signals and backtests stay as they are; backtest deciles
  computed before are those of the warning score. The next run rescores open warnings
  with the new probability.
- "Warn From Score" (fixed points, default 40) becomes "Warn From Probability (%)": a company
  still on the old default gets the new one (60 %); a threshold chosen by hand is kept and
  now reads as a probability.
"""


def migrate(cr, version):
    cr.execute("""
        UPDATE customer_rfm_run SET changes_since = started_at WHERE changes_since IS NULL
    """)
    cr.execute("""
        UPDATE customer_churn_signal_type SET active = FALSE WHERE code = 'high_value'
    """)
    cr.execute("""
        UPDATE customer_churn_backtest_decile SET method = 'score' WHERE method IS NULL
    """)
    cr.execute("""
        UPDATE customer_rfm_config SET warning_min_score = 60 WHERE warning_min_score = 40
    """)
