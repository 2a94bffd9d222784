from . import customer_file_report
