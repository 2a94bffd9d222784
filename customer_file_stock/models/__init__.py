from . import customer_owned_product
from . import stock_lot
from . import stock_move
