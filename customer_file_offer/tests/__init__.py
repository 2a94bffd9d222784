from . import test_offer_campaign
