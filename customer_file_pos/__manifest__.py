{
    "name": "Customer File: Point of Sale",
    "summary": "Paid point of sale orders in the customer file's purchase history",
    "version": "19.0.1.1.0",
    "category": "Sales/Point of Sale",
    "author": "Customer File",
    "license": "LGPL-3",
    "depends": ["customer_file", "point_of_sale"],
    "auto_install": True,
    "post_init_hook": "post_init_hook",
}
