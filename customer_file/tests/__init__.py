from . import test_masking
