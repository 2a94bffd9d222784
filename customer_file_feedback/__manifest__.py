{
    "name": "Customer File: Feedback",
    "summary": "Reviews, complaints with SLA, CSAT and NPS surveys and improvement measures "
    "for the customer file",
    "version": "19.0.1.2.0",
    "category": "Sales/CRM",
    "author": "Customer File",
    "license": "LGPL-3",
    "depends": ["customer_file", "mail", "portal", "resource"],
    "data": [
        "security/ir.model.access.csv",
        "security/customer_file_feedback_rules.xml",
        "data/ir_sequence_data.xml",
        "data/customer_feedback_tag_data.xml",
        "data/ir_cron_data.xml",
        "data/customer_feedback_request_data.xml",
        "views/menus.xml",
        "views/customer_feedback_views.xml",
        "views/customer_feedback_config_views.xml",
        "views/customer_feedback_request_views.xml",
        "views/survey_templates.xml",
        "views/portal_templates.xml",
        "views/customer_feedback_report_views.xml",
        "views/customer_improvement_measure_views.xml",
        "views/res_partner_views.xml",
        "report/customer_file_report.xml",
        "report/customer_feedback_xlsx_export.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "customer_file_feedback/static/tests/tours/*.js",
        ],
    },
    "demo": [
        "demo/customer_file_feedback_demo.xml",
    ],
}
