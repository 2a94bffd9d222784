from . import test_offer_campaign
from . import test_offer_rpc
