from . import test_access, test_demo, test_evaluation, test_levels, test_points, test_portal
