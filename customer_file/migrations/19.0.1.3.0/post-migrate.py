"""19.0.1.3.0: a salesperson's own customers no longer depend on the customer rank, and team
leaders see their teams' customers: the record rules, loaded with ``noupdate``, are loaded
again."""

from odoo.addons.customer_file.tools.migration import reload_noupdate_data


def migrate(cr, version):
    reload_noupdate_data(cr, "customer_file", "security/customer_file_rules.xml")
