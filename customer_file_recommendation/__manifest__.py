{
    "name": "Customer File: Recommendations",
    "summary": "Products bought together, recommendations per customer on the customer form "
    "and while quoting, evaluated against the most popular products",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "author": "Customer File",
    "license": "LGPL-3",
    "depends": ["customer_file"],
    "data": [
        "security/ir.model.access.csv",
        "security/customer_file_recommendation_rules.xml",
        "data/ir_cron_data.xml",
        "views/customer_recommendation_views.xml",
        "views/customer_product_affinity_views.xml",
        "views/customer_recommendation_evaluation_views.xml",
        "views/customer_recommendation_config_views.xml",
        "views/res_partner_views.xml",
        "views/sale_order_views.xml",
        "views/menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "customer_file_recommendation/static/tests/tours/*.js",
        ],
    },
    "demo": ["demo/customer_file_recommendation_demo.xml"],
}
