from odoo import fields, models
from odoo.tools import SQL

from .customer_consent_event import CONSENT_ACTIONS, CONSENT_CHANNELS, CONSENT_SOURCES, LEGAL_BASES


class CustomerConsentStatus(models.Model):
    """The current consent of each customer per company, purpose and channel: the latest
    event of the consent log (by event date, then by id) wins."""

    _name = "customer.consent.status"
    _description = "Current Consent Status"
    _auto = False
    _order = "commercial_partner_id, purpose_id, channel"
    _rec_name = "commercial_partner_id"

    event_id = fields.Many2one("customer.consent.event", string="Latest Event", readonly=True)
    commercial_partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Recorded For", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    purpose_id = fields.Many2one("customer.consent.purpose", readonly=True)
    channel = fields.Selection(CONSENT_CHANNELS, readonly=True)
    action = fields.Selection(CONSENT_ACTIONS, string="Status", readonly=True)
    legal_basis = fields.Selection(LEGAL_BASES, readonly=True)
    source = fields.Selection(CONSENT_SOURCES, readonly=True)
    event_date = fields.Datetime(string="Since", readonly=True)
    contact_value = fields.Char(string="Address or Number", readonly=True)

    def init(self):
        self.env.cr.execute(SQL(
            """
            CREATE OR REPLACE VIEW %(view)s AS (
                SELECT DISTINCT ON (commercial_partner_id, company_id, purpose_id, channel)
                       id, id AS event_id, commercial_partner_id, partner_id, company_id,
                       purpose_id, channel, action, legal_basis, source, event_date,
                       contact_value
                  FROM customer_consent_event
                 ORDER BY commercial_partner_id, company_id, purpose_id, channel,
                          event_date DESC, id DESC
            )
            """,
            view=SQL.identifier(self._table),
        ))
