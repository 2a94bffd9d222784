from . import controllers
from . import models
from . import tools
from . import wizard


def post_init_hook(env):
    """Sales, invoices and credit notes already in the database enter the purchase history
    (at once on a small database, else batch by batch in the background job)."""
    env["customer.purchase.backfill"]._start_on_install()
