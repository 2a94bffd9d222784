from odoo.exceptions import AccessError


def check_group(env, xmlid):
    """Raise ``AccessError`` unless the user is in the group ``xmlid`` (code running as
    superuser passes): public methods are callable over RPC by any logged-in user."""
    if env.su or env.user.has_group(xmlid):
        return
    raise AccessError(env._(
        "Only members of %(group)s may do this.", group=env.ref(xmlid).sudo().full_name,
    ))
