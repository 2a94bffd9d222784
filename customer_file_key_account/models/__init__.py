from . import customer_key_account_rule
from . import customer_key_account_assignment
from . import res_partner
from . import res_users
from . import customer_feedback
from . import mail_activity
from . import customer_file_demo_generator
from . import customer_file_overview
