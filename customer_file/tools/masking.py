"""How personal values are shown to users outside "Sensitive Data": the masking rules, in one
place. Pure functions: a value in, its masked text out; empty values come back unchanged."""

import datetime
import re

from odoo.exceptions import UserError
from odoo.tools.misc import format_date

try:
    import phonenumbers
except ImportError:  # pragma: no cover - phone_validation works without it too
    phonenumbers = None

STAR = "*"
# "+86 138..." or "+86-138...": the country code the user wrote, kept as written.
_COUNTRY_PREFIX = re.compile(r"^\s*(\+\d{1,3})[\s\-.]+")


def _mask_digits(digits):
    """First 3 and last 4 digits kept; short numbers (under 8 digits) keep the last 2."""
    if len(digits) >= 8:
        return digits[:3] + STAR * (len(digits) - 7) + digits[-4:]
    if len(digits) > 2:
        return STAR * (len(digits) - 2) + digits[-2:]
    return STAR * len(digits)


def _split_e164(value):
    """('+86', '13812341234') of a bare international number, when the country code can be
    told; None otherwise."""
    if phonenumbers is None:
        return None
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return None
    return f"+{number.country_code}", str(number.national_number)


def mask_phone(value):
    """13812341234 -> 138****1234; +86 138 1234 1234 -> +86 138****1234;
    +8613812341234 -> +86 138****1234; 12345 -> ***45."""
    if not value:
        return value
    match = _COUNTRY_PREFIX.match(value)
    if match:
        prefix, national = match.group(1) + " ", value[match.end():]
    elif value.strip().startswith("+") and (split := _split_e164(value.strip())):
        prefix, national = split[0] + " ", split[1]
    else:
        prefix, national = ("+" if value.strip().startswith("+") else ""), value
    digits = "".join(char for char in national if char.isdigit())
    if not digits:
        return STAR * 3
    return prefix + _mask_digits(digits)


def mask_email(value):
    """alice@example.com -> a***@example.com; a value without @ is masked as a handle."""
    if not value:
        return value
    local, at, domain = value.strip().rpartition("@")
    if not at:
        return mask_handle(value)
    return f"{local[:1]}{STAR * 3}@{domain}" if local else f"{STAR * 3}@{domain}"


def mask_date(value):
    """1990-03-07 (a date or its ISO text) -> 1990-**-**."""
    if not value:
        return value
    if isinstance(value, (datetime.date, datetime.datetime)):
        year = f"{value.year:04d}"
    else:
        year = str(value).strip()[:4]
    return f"{year}-{STAR * 2}-{STAR * 2}"


def mask_identifier(value):
    """An identity document number: first 4 and last 4 characters kept, the middle as *;
    values of 8 characters or fewer keep the last 2 only."""
    if not value:
        return value
    value = value.strip()
    if len(value) > 8:
        return value[:4] + STAR * (len(value) - 8) + value[-4:]
    if len(value) > 2:
        return STAR * (len(value) - 2) + value[-2:]
    return STAR * len(value)


def mask_handle(value):
    """A social media account: @alice_wang -> @a***g; short handles keep their first
    character only."""
    if not value:
        return value
    value = value.strip()
    at = "@" if value.startswith("@") else ""
    handle = value.lstrip("@")
    if len(handle) >= 4:
        return f"{at}{handle[0]}{STAR * 3}{handle[-1]}"
    return f"{at}{handle[:1]}{STAR * 3}"


def mask_text(text, values, mask):
    """``text`` with each of ``values`` (plain values found in it, e.g. an email in a display
    name) replaced by its mask."""
    return mask_values(text, {value: mask(value) for value in values if value})


def check_not_masked(env, model, vals_list, fnames):
    """Refuse to save a value that still holds a mask (``***``): a user outside Sensitive
    Data who edits a masked phone or e-mail would otherwise write the stars over the real
    value."""
    for vals in vals_list:
        for fname in fnames:
            value = vals.get(fname)
            if isinstance(value, str) and STAR * 3 in value:
                raise UserError(env._(
                    "%(field)s still shows a masked value (%(value)s): type the whole new "
                    "value, or reveal the current one first.",
                    field=model._fields[fname]._description_string(env), value=value,
                ))


def mask_values(text, replacements):
    """``text`` with each plain value of ``replacements`` ({plain: masked}) replaced, the
    longest first so that a value inside another (an e-mail inside its formatted form) does
    not leave part of the longer one plain."""
    if not text or not replacements:
        return text
    for plain in sorted(replacements, key=len, reverse=True):
        text = text.replace(plain, replacements[plain])
    return text


def output_replacements(env, records):
    """{plain: masked} for the personal values of the customers ``records`` may print: the
    customers themselves (``records`` on res.partner), or those their many2one fields to
    res.partner point to, with their commercial entity and its contacts. Empty when the
    current user reads them plain. Reports and mail templates render field values as they
    are, so what they produce is masked as text (a handful of queries per rendering, not one
    per record)."""
    partner_model = env["res.partner"]
    if not records or not partner_model._customer_file_masks():
        return {}
    records = records.sudo()
    if records._name == "res.partner":
        partners = records
    else:
        fnames = [
            name for name, field in records._fields.items()
            if field.type == "many2one" and field.comodel_name == "res.partner" and field.store
        ]
        partners = partner_model.sudo().browse()
        for fname in fnames:
            partners |= records[fname]
    commercial = partners.commercial_partner_id
    partners = (partners | commercial | commercial.child_ids).sudo()
    customers = partners.browse(partners._customer_file_customer_ids())
    if not customers:
        return {}
    replacements = {}

    def add(value, mask):
        # Very short values (an extension, a one-letter handle) would mask unrelated text.
        if value and len(value.strip()) >= 5:
            replacements[value] = mask(value)

    for partner in customers:
        add(partner.phone, mask_phone)
        add(partner.phone_sanitized, mask_phone)
        add(partner.email, mask_email)
        add(partner.email_normalized, mask_email)
        add(partner.identity_document_number, mask_identifier)
        if partner.birthdate:
            masked_date = mask_date(partner.birthdate)
            add(partner.birthdate.isoformat(), lambda _value, masked=masked_date: masked)
            add(format_date(env, partner.birthdate), lambda _value, masked=masked_date: masked)
    points = env["customer.contact.point"].sudo().search(
        [("partner_id", "in", customers.ids)]
    )
    for point in points:
        add(point.value, point._masked)
        add(point.value_normalized, point._masked)
    return replacements
