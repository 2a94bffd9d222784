from . import customer_feedback
