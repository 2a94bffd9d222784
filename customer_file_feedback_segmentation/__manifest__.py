{
    "name": "Customer File: Satisfaction in Churn Warnings",
    "summary": "Satisfaction drops and open complaints as churn signals",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "author": "Customer File",
    "license": "LGPL-3",
    "depends": ["customer_file_feedback", "customer_file_segmentation"],
    "data": [
        "data/customer_churn_signal_type_data.xml",
        "views/customer_rfm_config_views.xml",
    ],
    "demo": [
        "demo/customer_file_feedback_segmentation_demo.xml",
    ],
    "auto_install": True,
}
