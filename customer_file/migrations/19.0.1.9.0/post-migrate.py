"""19.0.1.9.0: a User reads the partners of internal users (res.users inherits the partners'
rule: a salesperson could not read a colleague of another team). The record rules, loaded
with ``noupdate``, are loaded again."""

from odoo.addons.customer_file.tools.migration import reload_noupdate_data


def migrate(cr, version):
    reload_noupdate_data(cr, "customer_file", "security/customer_file_rules.xml")
