from . import test_recommendation
from . import test_recommendation_tour
