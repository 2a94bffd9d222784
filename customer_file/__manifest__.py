{
    "name": "Customer File",
    "summary": "A complete customer file on contacts: profile, purchases, owned products, "
    "service, preferences, interactions, consent and access control",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "author": "Customer File",
    "license": "LGPL-3",
    "application": True,
    "depends": ["contacts", "sale", "phone_validation"],
    "data": [
        "security/customer_file_groups.xml",
        "security/ir.model.access.csv",
        "security/customer_file_rules.xml",
        "data/ir_sequence_data.xml",
        "data/ir_cron_data.xml",
        "views/customer_purchase_line_views.xml",
        "views/customer_tag_views.xml",
        "views/res_partner_views.xml",
        "views/menus.xml",
        "data/ir_filters_data.xml",
    ],
}
