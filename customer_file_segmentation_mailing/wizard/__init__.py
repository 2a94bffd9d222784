from . import customer_segment_mailing_list
