{
    "name": "Customer File: Membership Levels in Complaints",
    "summary": "New complaints take the priority of the customer's membership level",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "author": "Customer File",
    "license": "LGPL-3",
    "depends": ["customer_file_loyalty", "customer_file_feedback"],
    "data": [],
    "auto_install": True,
}
