from . import (
    customer_file_demo_generator,
    customer_membership,
    customer_membership_config,
    customer_membership_level,
    customer_membership_level_history,
    loyalty_card,
    loyalty_history,
    res_partner,
)
