from . import test_delivered_serials
