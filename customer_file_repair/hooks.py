def post_init_hook(env):
    """Existing repair orders enter the customer file on install."""
    env["customer.service.record"].sudo()._backfill_repairs()
