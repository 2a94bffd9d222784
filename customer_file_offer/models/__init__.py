from . import customer_offer_campaign
from . import customer_offer_member
from . import customer_file_demo_generator
from . import mail_template
