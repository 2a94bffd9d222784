"""Fields that the customer file's jobs compute and users may not set.

``readonly=True`` only hides a field's input in the views: ``write`` over RPC still changes
it. Models list such fields and call :func:`check_job_fields` from ``create`` and ``write``;
the jobs and the workflow actions write them as superuser (``sudo()``), after checking the
user's access themselves.
"""

from odoo.exceptions import AccessError


def check_job_fields(records, vals_list, field_names):
    """Refuse a user's create or write that changes one of ``field_names``.

    A value equal to the stored one passes (an exported file imported back unchanged, the
    partner merge writing back the kept partner's own figures); on create, so do an empty
    value and the field's own default (a context default, which a caller chooses, does not
    count).
    """
    if records.env.su:
        return
    refused = set()
    for vals in vals_list:
        for name in field_names.intersection(vals):
            if _changes(records, name, vals[name]):
                refused.add(name)
    if refused:
        labels = ", ".join(sorted(records._fields[name]._description_string(records.env)
                                  for name in refused))
        raise AccessError(records.env._(
            "%(fields)s of %(model)s are set by the customer file's jobs and actions; "
            "they cannot be written directly.",
            fields=labels, model=records._description,
        ))


def _changes(records, name, value):
    field = records._fields[name]
    if field.type in ("one2many", "many2many"):
        return bool(value)
    if not records:
        default = field.default(records) if field.default else None
        return bool(value) and value != default
    stored = records.sudo()
    new = field.convert_to_record(field.convert_to_cache(value, stored[:1]), stored[:1])
    return any(record[name] != new for record in stored)
