from . import test_recommendation
