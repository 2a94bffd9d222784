from . import customer_rfm_config
from . import customer_churn_evaluation
