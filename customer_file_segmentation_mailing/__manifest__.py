{
    "name": "Customer File: Segments to Mailing Lists",
    "summary": "Add the customers of RFM segments to Email Marketing mailing lists",
    "version": "19.0.1.0.0",
    "category": "Marketing/Email Marketing",
    "author": "Customer File",
    "license": "LGPL-3",
    "depends": ["customer_file_segmentation", "mass_mailing"],
    "data": [
        "security/ir.model.access.csv",
        "wizard/customer_segment_mailing_list_views.xml",
    ],
    "auto_install": True,
}
