from . import customer_feedback
from . import customer_feedback_tag
from . import customer_feedback_sla
from . import customer_feedback_config
from . import customer_feedback_request
from . import customer_improvement_measure
