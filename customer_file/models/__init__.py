from . import customer_tag
from . import customer_purchase_line
from . import res_partner
from . import sale_order
from . import sale_order_line
from . import account_move
