from . import test_consent
