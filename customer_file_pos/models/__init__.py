from . import customer_purchase_line
from . import pos_order
