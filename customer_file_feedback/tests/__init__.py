from . import test_feedback_install
from . import test_complaint_workflow
from . import test_complaint_sla
from . import test_satisfaction
from . import test_feedback_access
