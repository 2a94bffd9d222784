"""Shared pieces of the data quality features (completeness, review, duplicate suspects)."""

import re

# Review interval in months of each value tier ("default": customers without a tier), for
# companies whose settings do not say otherwise.
DEFAULT_REVIEW_MONTHS = {"high": 6, "medium": 12, "low": 24, "default": 12}
# Customers whose file is reviewed and measured: commercial entities with a customer rank or
# a customer code (every buyer gets one), not archived. ``{p}`` is the table's alias.
CUSTOMER_SQL = ("{p}.active AND {p}.parent_id IS NULL"
                " AND ({p}.customer_rank > 0 OR {p}.customer_code IS NOT NULL)")
ADDRESS_FIELDS = ("street", "street2", "zip", "city")
# address_key() in SQL, for bulk loads (bench/) and the upgrade that adds the key.
ADDRESS_KEY_SQL = (
    "NULLIF(LOWER(BTRIM(REGEXP_REPLACE(CONCAT_WS(' ', NULLIF(BTRIM(street), ''),"
    " NULLIF(BTRIM(street2), ''), NULLIF(BTRIM(zip), ''), NULLIF(BTRIM(city), '')),"
    " '\\s+', ' ', 'g'))), '')"
)


def address_key(*parts):
    """The address as duplicate detection compares it: its parts in lower case, single
    spaces."""
    return re.sub(r"\s+", " ", " ".join(part for part in parts if part and part.strip())
                  ).strip().lower() or False
