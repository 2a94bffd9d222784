def post_init_hook(env):
    """Serial numbers delivered before the install become owned products."""
    env["customer.owned.product"].sudo()._backfill_lots()
