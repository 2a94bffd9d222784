"""19.0.1.1.0: POS purchase dates are cut in the company's time zone, like every source of
the purchase history; the daily summary of the customers concerned follows."""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    rows = env.execute_query(SQL(
        """
        UPDATE customer_purchase_line line
           SET date = (po.date_order AT TIME ZONE 'UTC'
                       AT TIME ZONE COALESCE(NULLIF(company_partner.tz, ''), 'UTC'))::date
          FROM pos_order po
          JOIN res_company company ON company.id = po.company_id
          JOIN res_partner company_partner ON company_partner.id = company.partner_id
         WHERE line.pos_order_id = po.id
           AND line.date <> (po.date_order AT TIME ZONE 'UTC'
                             AT TIME ZONE COALESCE(NULLIF(company_partner.tz, ''), 'UTC'))::date
        RETURNING line.partner_id, line.commercial_partner_id
        """
    ))
    partner_ids = {partner_id for row in rows for partner_id in row}
    if partner_ids:
        env["customer.purchase.day"]._refresh(partner_ids)
