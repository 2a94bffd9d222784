{
    "name": "Customer File: Targeted Offers",
    "summary": "Offer campaigns to a rule on the customer file (coupons or a mailing list), "
    "measured against a randomized control group",
    "version": "19.0.1.0.0",
    "category": "Marketing",
    "author": "Customer File",
    "license": "LGPL-3",
    "depends": ["customer_file_segmentation_mailing", "sale_loyalty"],
    "data": [
        "security/ir.model.access.csv",
        "security/customer_file_offer_rules.xml",
        "data/ir_cron_data.xml",
        "views/customer_offer_member_views.xml",
        "views/customer_offer_campaign_views.xml",
        "views/menus.xml",
    ],
    "demo": ["demo/customer_file_offer_demo.xml"],
}
