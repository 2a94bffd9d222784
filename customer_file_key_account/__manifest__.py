{
    "name": "Customer File: Key Accounts",
    "summary": "Dedicated account managers for high-value customers, balanced by load, with "
    "welcome calls, faster complaint service levels and hand-over when a manager leaves",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "author": "Customer File",
    "license": "LGPL-3",
    "depends": ["customer_file_segmentation", "customer_file_feedback"],
    "data": [
        "security/ir.model.access.csv",
        "security/customer_file_key_account_rules.xml",
        "data/ir_cron_data.xml",
        "views/customer_key_account_rule_views.xml",
        "views/res_partner_views.xml",
        "views/menus.xml",
    ],
    "demo": ["demo/customer_file_key_account_demo.xml"],
}
