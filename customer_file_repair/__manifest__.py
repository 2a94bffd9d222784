{
    "name": "Customer File: Repairs",
    "summary": "Repair orders become after-sales service records of the customer file",
    "version": "19.0.1.0.0",
    "category": "Supply Chain/Inventory",
    "author": "Customer File",
    "license": "LGPL-3",
    "depends": ["customer_file", "repair"],
    "data": [
        "views/customer_service_record_views.xml",
        "views/repair_order_views.xml",
    ],
    "post_init_hook": "post_init_hook",
    "auto_install": True,
}
