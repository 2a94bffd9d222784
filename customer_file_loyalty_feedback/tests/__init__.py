from . import test_complaint_priority
