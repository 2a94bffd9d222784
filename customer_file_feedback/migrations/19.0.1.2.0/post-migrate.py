"""19.0.1.2.0: feedback, measures and the analyses follow the customer file's own customers
(customer_file 19.0.1.3.0): the record rules, loaded with ``noupdate``, are loaded again."""

from odoo.addons.customer_file.tools.migration import reload_noupdate_data


def migrate(cr, version):
    reload_noupdate_data(cr, "customer_file_feedback", "security/customer_file_feedback_rules.xml")
