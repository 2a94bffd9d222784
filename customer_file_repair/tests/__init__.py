from . import test_repair_service_record
