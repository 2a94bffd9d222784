"""19.0.1.6.0: purchase dates of sale orders are cut in the company's time zone, the daily
summary has the contact who bought (for the totals of contact persons), partner totals are
read from it per company (their columns on res_partner go), and the sales, invoices and
credit notes the history misses are backfilled by the job."""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL
from odoo.tools.sql import column_exists

TOTAL_COLUMNS = ("first_purchase_date", "last_purchase_date", "purchase_order_count",
                 "lifetime_spend", "spend_12m", "average_order_value")


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    cr.execute(SQL(
        """
        UPDATE customer_purchase_line line
           SET date = (so.date_order AT TIME ZONE 'UTC'
                       AT TIME ZONE COALESCE(NULLIF(company_partner.tz, ''), 'UTC'))::date
          FROM sale_order so
          JOIN res_company company ON company.id = so.company_id
          JOIN res_partner company_partner ON company_partner.id = company.partner_id
         WHERE line.source = 'sale' AND line.document_ref = 'sale.order,' || so.id
           AND line.date <> (so.date_order AT TIME ZONE 'UTC'
                             AT TIME ZONE COALESCE(NULLIF(company_partner.tz, ''), 'UTC'))::date
        """
    ))
    env["customer.purchase.day"]._rebuild()
    for column in TOTAL_COLUMNS:
        if column_exists(cr, "res_partner", column):
            cr.execute(SQL("ALTER TABLE res_partner DROP COLUMN %s", SQL.identifier(column)))
    env["customer.purchase.backfill"]._start()
