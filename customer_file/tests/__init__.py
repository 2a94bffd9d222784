from . import test_masking
from . import test_consent
from . import test_overview
