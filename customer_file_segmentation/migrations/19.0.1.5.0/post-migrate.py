"""19.0.1.5.0: scores, warnings and win-back actions follow the customer file's own customers
(customer_file 19.0.1.3.0): the record rules, loaded with ``noupdate``, are loaded again."""

from odoo.addons.customer_file.tools.migration import reload_noupdate_data


def migrate(cr, version):
    reload_noupdate_data(
        cr, "customer_file_segmentation", "security/customer_file_segmentation_rules.xml"
    )
