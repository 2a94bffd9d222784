{
    "name": "Customer File: Feedback",
    "summary": "Reviews, complaints with SLA, CSAT and NPS surveys and improvement measures "
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
