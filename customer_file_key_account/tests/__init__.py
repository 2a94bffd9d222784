from . import test_assignment
from . import test_access
from . import test_complaints
