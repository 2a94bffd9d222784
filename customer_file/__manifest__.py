{
    "name": "Customer File",
    "summary": "A complete customer file on contacts: profile, purchases, owned products, "
    "service, preferences, interactions, consent and access control",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "author": "Customer File",
    "license": "LGPL-3",
    "application": True,
    "depends": ["contacts", "sales_team"],
    "data": [
        "security/customer_file_groups.xml",
        "views/res_partner_views.xml",
        "views/menus.xml",
    ],
}
