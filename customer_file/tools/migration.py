from odoo import SUPERUSER_ID, api
from odoo.tools.convert import convert_file


def reload_noupdate_data(cr, module, filename):
    """Load a ``noupdate`` data file of ``module`` again, so an upgrade changes its existing
    records (record rules, for instance) as a fresh install would create them."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    convert_file(env, module, filename, {}, mode="init")
