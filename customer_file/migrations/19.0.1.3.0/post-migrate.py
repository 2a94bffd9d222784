"""19.0.1.3.0: a salesperson's own customers no longer depend on the customer rank, and team
leaders see their teams' customers. The record rules are loaded with ``noupdate``, which
keeps an upgrade from changing them: load them again."""

from odoo import SUPERUSER_ID, api
from odoo.tools.convert import convert_file


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    convert_file(env, "customer_file", "security/customer_file_rules.xml", {}, mode="init")
