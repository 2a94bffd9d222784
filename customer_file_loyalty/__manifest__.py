{
    "name": "Customer File: Membership Levels",
    "summary": "Membership levels on spend or loyalty points, promoted at once, reviewed yearly, "
    "with their benefits",
    "version": "19.0.1.1.0",
    "category": "Sales/CRM",
    "author": "Customer File",
    "license": "LGPL-3",
    "depends": ["customer_file", "loyalty", "portal"],
    "data": [
        "security/ir.model.access.csv",
        "security/customer_file_loyalty_rules.xml",
        "data/mail_template_data.xml",
        "data/ir_cron_data.xml",
        "views/customer_membership_views.xml",
        "views/customer_membership_level_views.xml",
        "views/res_partner_views.xml",
        "views/portal_templates.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/customer_file_loyalty_demo.xml",
    ],
}
