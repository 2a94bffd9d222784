from . import base_partner_merge_automatic_wizard
from . import customer_file_reveal_wizard
