{
    "name": "Customer File: Delivered Serial Numbers",
    "summary": "Delivered serial numbers become the customers' owned products, returns mark "
    "them returned",
    "version": "19.0.1.0.0",
    "category": "Supply Chain/Inventory",
    "author": "Customer File",
    "license": "LGPL-3",
    "depends": ["customer_file", "sale_stock"],
    "data": [
        "views/customer_owned_product_views.xml",
        "views/stock_lot_views.xml",
    ],
    "post_init_hook": "post_init_hook",
    "auto_install": True,
}
