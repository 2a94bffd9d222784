{
    "name": "Customer File: Segmentation",
    "summary": "RFM value tiers, lifecycle stages, measured churn warnings and win-back "
    "for the customer file",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "author": "Customer File",
    "license": "LGPL-3",
    "depends": ["customer_file"],
    "data": [
        "views/menus.xml",
    ],
}
