"""19.0.1.4.0: the consent log. Every contact point opted in before it existed gets one
marketing grant on its channel (source: import), dated from its opt-in date, so that the
current consent of an installed database is what the opt-ins said. Written in SQL: the
blacklists are not touched (a grant would take an address off them) and running it again
adds nothing."""

from odoo.tools import SQL


def migrate(cr, version):
    cr.execute(SQL(
        """
        INSERT INTO customer_consent_event (
            partner_id, commercial_partner_id, company_id, purpose_id, channel, legal_basis,
            action, event_date, source, contact_value, note,
            create_uid, create_date, write_uid, write_date)
        SELECT point.partner_id, point.commercial_partner_id,
               COALESCE(point.company_id, partner.company_id,
                        (SELECT id FROM res_company ORDER BY id LIMIT 1)),
               purpose.id,
               CASE WHEN point.kind = 'social' THEN 'wechat' ELSE point.kind END,
               'consent', 'granted',
               COALESCE(point.opt_in_date::timestamp, point.create_date, NOW() AT TIME ZONE 'UTC'),
               'import', point.value_normalized, %(note)s,
               1, NOW() AT TIME ZONE 'UTC', 1, NOW() AT TIME ZONE 'UTC'
          FROM customer_contact_point point
          JOIN res_partner partner ON partner.id = point.partner_id
          JOIN customer_consent_purpose purpose ON purpose.code = 'marketing'
         WHERE point.opt_in
           AND (point.kind IN ('email', 'phone')
                OR (point.kind = 'social' AND point.social_network = 'wechat'))
           AND NOT EXISTS (
                SELECT 1 FROM customer_consent_event event
                 WHERE event.commercial_partner_id = point.commercial_partner_id
                   AND event.purpose_id = purpose.id
                   AND event.contact_value IS NOT DISTINCT FROM point.value_normalized)
        """,
        note="Opt-in of the contact point before the consent log (19.0.1.4.0)",
    ))
