from . import models


def post_init_hook(env):
    """Paid POS orders already in the database enter the purchase history."""
    env["customer.purchase.backfill"]._start_on_install(sources=["pos"])
