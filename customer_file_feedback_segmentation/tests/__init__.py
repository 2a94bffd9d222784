from . import test_satisfaction_signals
