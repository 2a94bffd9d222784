{
    "name": "Customer File: Segmentation",
    "summary": "RFM value tiers, lifecycle stages, measured churn warnings and win-back "
    "for the customer file",
    "version": "19.0.1.7.0",
    "category": "Sales/CRM",
    "author": "Customer File",
    "license": "LGPL-3",
    "depends": ["customer_file", "mail"],
    "external_dependencies": {"python": ["numpy", "scipy", "xlsxwriter"]},
    "data": [
        "security/ir.model.access.csv",
        "security/customer_file_segmentation_rules.xml",
        "data/customer_rfm_segment_data.xml",
        "data/customer_churn_signal_type_data.xml",
        "data/ir_cron_data.xml",
        "data/ir_actions_server_data.xml",
        "views/customer_rfm_score_views.xml",
        "views/customer_churn_warning_views.xml",
        "views/customer_rfm_config_views.xml",
        "views/customer_churn_backtest_views.xml",
        "views/customer_churn_model_views.xml",
        "views/res_partner_views.xml",
        "views/rfm_map_views.xml",
        "views/menus.xml",
        "report/customer_file_report.xml",
        "report/customer_xlsx_exports.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "customer_file_segmentation/static/src/rfm_map/*",
        ],
        "web.assets_tests": [
            "customer_file_segmentation/static/tests/tours/*.js",
        ],
    },
    "demo": ["demo/customer_file_segmentation_demo.xml"],
}
