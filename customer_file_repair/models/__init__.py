from . import customer_service_record
from . import repair_order
